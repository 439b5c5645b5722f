import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolResult,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { mayCall, USER, type Actor } from '../core/access.js';
import { MaestroError, toMaestroError } from '../core/errors.js';
import { OPERATIONS, type Operation } from '../core/operations.js';
import type { Session } from '../core/types.js';
import type { Logger } from '../log/logger.js';

export type McpRole = 'worker' | 'orchestrator' | 'user';

/** Runs one operation (by its dotted name, e.g. `task.create`) for the caller; throws a MaestroError on failure. */
export type McpDispatch = (opName: string, input: Record<string, unknown>) => Promise<unknown>;

export interface BuildMcpServerOptions {
  role: McpRole;
  dispatch: McpDispatch;
  /** Where unexpected (internal) failures are logged; expected refusals are only returned to the caller. */
  logger?: Logger;
  /** Reported in `initialize`; defaults to the package version. */
  version?: string;
}

export const MANIFEST_URI = 'maestro://session/manifest';
export const TASKS_URI = 'maestro://project/tasks';

const VERSION = '0.1.0';

/** The operations a caller of this role may call: the tool set it is shown. Users (no session) get all. */
export function operationsForRole(role: McpRole): Operation<any, any>[] {
  // mayCall only looks at the session's role; a stand-in session carries just that.
  const actor: Actor = role === 'user' ? USER : { kind: 'session', session: { role } as Session };
  return OPERATIONS.filter((o) => mayCall(actor, o.access));
}

const TOOLS_BY_ROLE = new Map<McpRole, Tool[]>();

/** The tools/list answer of a role (built once: the schemas do not change at run time). */
export function toolsForRole(role: McpRole): Tool[] {
  let tools = TOOLS_BY_ROLE.get(role);
  if (!tools) TOOLS_BY_ROLE.set(role, (tools = operationsForRole(role).map(toolDefinition)));
  return tools;
}

/** The JSON Schema advertised in tools/list for an operation's zod input (the one the server validates against). */
export function toolInputSchema(op: Operation<any, any>): Tool['inputSchema'] {
  const { $schema: _drop, ...schema } = z.toJSONSchema(op.input, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
  return { ...schema, type: 'object' } as Tool['inputSchema'];
}

export function toolDefinition(op: Operation<any, any>): Tool {
  return {
    name: op.tool,
    title: op.title,
    description: op.description,
    inputSchema: toolInputSchema(op),
    annotations: {
      title: op.title,
      readOnlyHint: op.readOnly,
      openWorldHint: false,
    },
  };
}

/** e.g. `invalid_input: invalid input: priority: Invalid option: expected one of … (field: priority)` */
export function errorText(err: unknown): string {
  const e = toMaestroError(err);
  return e.field ? `${e.code}: ${e.message} (field: ${e.field})` : `${e.code}: ${e.message}`;
}

export function errorResult(err: unknown): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: errorText(err) }] };
}

export function successResult(value: unknown): CallToolResult {
  const result: CallToolResult = { content: [{ type: 'text', text: JSON.stringify(value ?? null, null, 2) }] };
  if (value !== null && typeof value === 'object' && !Array.isArray(value))
    result.structuredContent = value as Record<string, unknown>;
  return result;
}

const INSTRUCTIONS: Record<McpRole, string> = {
  worker:
    'Maestro coordinates your work. You are a worker session: call whoami first to see your tasks (or queue_start in queue mode), ' +
    'report_progress at milestones, report_blocked / report_needs_input when stuck, and report_complete (or queue_complete) when a task is done.',
  orchestrator:
    'Maestro coordinates your work. You are an orchestrator session: split work with task_create (parentId, dependencies), ' +
    'hand it to workers with session_spawn, and watch them with session_list / session_info / status.',
  user: 'Maestro coordinates AI coding agents: projects, tasks, sessions and their queues. Every tool is available to you.',
};

/**
 * One MCP server for both transports (Streamable HTTP and stdio), so they cannot diverge.
 *
 * Tools are served through the low-level request handlers rather than `registerTool`, on purpose:
 * - `registerTool` validates arguments before the handler and answers with the SDK's own message; here
 *   every call goes to `dispatch`, i.e. `executeOp`, whose zod validation names the offending field in
 *   the same words the REST API and the CLI use;
 * - a tool hidden from this role is not listed, yet calling it anyway is answered by the server's access
 *   check (which says why) instead of a bare "tool not found".
 * The advertised input schemas are the operations' zod schemas converted to JSON Schema.
 */
export function buildMcpServer(opts: BuildMcpServerOptions): McpServer {
  const { role, dispatch } = opts;
  const tools = toolsForRole(role);
  const byTool = new Map(OPERATIONS.map((o) => [o.tool as string, o as Operation<any, any>]));

  const mcp = new McpServer(
    { name: 'maestro', title: 'Maestro', version: opts.version ?? VERSION },
    { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS[role] },
  );

  mcp.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools }));
  mcp.server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    const { name, arguments: args } = request.params;
    const op = byTool.get(name);
    if (!op)
      return errorResult(new MaestroError('not_found', `there is no tool '${name}'; call tools/list to see the tools you may use`, 'name'));
    try {
      // Hidden tools are dispatched too: the server's access check refuses them and says why.
      return successResult(await dispatch(op.name, args ?? {}));
    } catch (err) {
      const error = toMaestroError(err);
      if (error.code === 'internal') opts.logger?.error({ err, tool: name }, 'MCP tool call failed');
      return errorResult(error);
    }
  });

  // Both resources are read-only operations, so every transport reads them the same way.
  const readers = {
    manifest: () => dispatch('manifest.get', {}),
    tasks: () => dispatch('task.tree', {}),
  };
  const json = (uri: URL, value: unknown) => ({
    contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(value, null, 2) }],
  });

  if (role !== 'user') {
    mcp.registerResource(
      'session-manifest',
      MANIFEST_URI,
      {
        title: 'Session manifest',
        description: 'Your session manifest: who you are (role, strategy), your tasks with descriptions, skills and server URLs.',
        mimeType: 'application/json',
      },
      async (uri) => json(uri, await readResource(readers.manifest)),
    );
  }
  mcp.registerResource(
    'project-tasks',
    TASKS_URI,
    {
      title: 'Project task tree',
      description: "The project's tasks as a nested tree of subtasks, with status, priority, dependencies and assignee.",
      mimeType: 'application/json',
    },
    async (uri) => json(uri, await readResource(readers.tasks)),
  );

  return mcp;
}

/** Resource reads have no isError form: failures become protocol errors carrying the same text. */
async function readResource(read: () => Promise<unknown>): Promise<unknown> {
  try {
    return await read();
  } catch (err) {
    throw new Error(errorText(err));
  }
}
