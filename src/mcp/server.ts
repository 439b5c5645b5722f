import { createHash } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolResult,
  type RequestId,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { mayCall, USER, type Actor } from '../core/access.js';
import { ErrorJsonSchema } from '../core/entities/error.js';
import { MaestroError, toMaestroError } from '../core/errors.js';
import { OPERATIONS, type AnyOperation, type RuntimeOpResult } from '../core/operations.js';
import type { Session } from '../core/types.js';
import type { Logger } from '../log/logger.js';
import { leanSchema } from './lean-schema.js';

export type McpRole = 'worker' | 'orchestrator' | 'user';

/**
 * Runs one operation (by its dotted name, e.g. `task.create`) for the caller; throws a MaestroError on
 * failure. `requestId` is the server's id of the MCP request being answered: a server shared by many
 * callers (the HTTP endpoint's, through its McpExchange) finds the caller of that request by it.
 */
export type McpDispatch = (opName: string, input: Record<string, unknown>, requestId: RequestId) => Promise<RuntimeOpResult>;

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
export function operationsForRole(role: McpRole): AnyOperation[] {
  // mayCall only looks at the session's role; a stand-in session carries just that.
  const actor: Actor = role === 'user' ? USER : { kind: 'session', session: { role } as Session };
  return OPERATIONS.filter((o) => mayCall(actor, o.access));
}

const TOOLS_BY_ROLE = new Map<McpRole, Tool[]>();
const TOOL_BY_OP = new Map<string, Tool>();

/** The tools/list answer of a role (built once: the schemas do not change at run time). */
export function toolsForRole(role: McpRole): Tool[] {
  let tools = TOOLS_BY_ROLE.get(role);
  if (!tools) {
    const definition = (op: AnyOperation) => {
      let tool = TOOL_BY_OP.get(op.name);
      if (!tool) TOOL_BY_OP.set(op.name, (tool = toolDefinition(op)));
      return tool;
    };
    TOOLS_BY_ROLE.set(role, (tools = operationsForRole(role).map(definition)));
  }
  return tools;
}

/** The JSON Schema advertised in tools/list for an operation's zod input (the one the server validates against). */
export function toolInputSchema(op: AnyOperation): Tool['inputSchema'] {
  const { $schema: _drop, ...schema } = z.toJSONSchema(op.input, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
  return { ...schema, type: 'object' } as Tool['inputSchema'];
}

/*
 * Structured results. MCP wants a tool's outputSchema (and so its structuredContent) to be an object, and
 * an operation's result is not always one. The rule, decided per operation from its `output` schema (not
 * per value, so the advertised schema always holds):
 * - an object result (an entity, or a union of objects such as whoami's) is sent as it is;
 * - an array result (every *_list, task_tree, queue_add, session_timeline) is sent as `{ items: [...] }`;
 * - any other result (null, a string, a nullable entity) is sent as `{ result: ... }`.
 * The text content keeps the bare result as JSON, as before, for clients that read only text.
 *
 * A failed call (isError) carries `{ error: { code, message, field?, current?, cause? } }` (MaestroError's
 * toJSON, schema ErrorJsonSchema) beside its text. The SDK's Client.callTool validates structuredContent
 * against the tool's outputSchema whenever it is present, isError or not (client/index.js), so every
 * advertised outputSchema admits both forms: `{ type: 'object', anyOf: [<the result form>, <the error form>] }`.
 */
export type StructuredShape = 'object' | 'items' | 'result';

type ZodDef = { type: string; options?: z.ZodType[]; getter?: () => z.ZodType; out?: z.ZodType };
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: ZodDef } })._zod.def;

function isObjectSchema(schema: z.ZodType): boolean {
  const def = defOf(schema);
  if (def.type === 'object') return true;
  if (def.type === 'union') return (def.options ?? []).every(isObjectSchema);
  if (def.type === 'lazy' && def.getter) return isObjectSchema(def.getter());
  if (def.type === 'pipe' && def.out) return isObjectSchema(def.out);
  return false;
}

const SHAPES = new Map<string, StructuredShape>();

/** How an operation's result travels as structuredContent (see the rule above); worked out once per operation. */
export function structuredShape(op: AnyOperation): StructuredShape {
  let shape = SHAPES.get(op.name);
  if (!shape) {
    shape = isObjectSchema(op.output) ? 'object' : defOf(op.output).type === 'array' ? 'items' : 'result';
    SHAPES.set(op.name, shape);
  }
  return shape;
}

/** The error form of structuredContent. */
export const ToolErrorContent = z.object({ error: ErrorJsonSchema });

/** The zod schema of a successful call's structuredContent. */
export function structuredResultSchema(op: AnyOperation): z.ZodType {
  const shape = structuredShape(op);
  if (shape === 'object') return op.output;
  return shape === 'items' ? z.object({ items: op.output }) : z.object({ result: op.output });
}

const OUTPUT_ZOD = new Map<string, z.ZodType>();

/** The zod schema of every structuredContent the tool answers with: its result form or the error form. */
export function toolOutputZod(op: AnyOperation): z.ZodType {
  let schema = OUTPUT_ZOD.get(op.name);
  if (!schema) OUTPUT_ZOD.set(op.name, (schema = z.union([structuredResultSchema(op), ToolErrorContent])));
  return schema;
}

/** The outputSchema advertised in tools/list: JSON Schema of toolOutputZod (draft 2020-12, no $schema), an object. */
export function toolOutputSchema(op: AnyOperation): NonNullable<Tool['outputSchema']> {
  const generated = z.toJSONSchema(toolOutputZod(op), { target: 'draft-2020-12', io: 'output' }) as Record<string, unknown>;
  const { $schema: _drop, ...schema } = leanSchema(generated);
  // Named by its content: tools answering alike (the five report_* tools, task_create/get/update/…)
  // advertise one $id, and a client caching validators by $id (the SDK's Client does) compiles it once.
  const $id = `https://maestro.local/schemas/results/${createHash('sha256').update(JSON.stringify(schema)).digest('hex').slice(0, 16)}.json`;
  return { $id, type: 'object', ...schema } as NonNullable<Tool['outputSchema']>;
}

export function toolDefinition(op: AnyOperation): Tool {
  return {
    name: op.tool,
    title: op.title,
    description: op.description,
    inputSchema: toolInputSchema(op),
    outputSchema: toolOutputSchema(op),
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

/** A failed call: the error in words (text) and as data (structuredContent.error). */
export function errorResult(err: unknown): CallToolResult {
  const error = toMaestroError(err);
  return { isError: true, content: [{ type: 'text', text: errorText(error) }], structuredContent: { error: error.toJSON() } };
}

/**
 * A successful call: the result as JSON text, and as structuredContent in the tool's shape (see above).
 * The text is compact JSON: indenting made it about twice as long (bytes on the wire, and tokens in the
 * agent's context) and was a visible part of an MCP call's cost, for no reader that needs it.
 */
export function successResult(op: AnyOperation, value: RuntimeOpResult): CallToolResult {
  const text = JSON.stringify(value ?? null);
  const shape = structuredShape(op);
  const structuredContent =
    shape === 'object' ? (value as unknown as Record<string, unknown>) : shape === 'items' ? { items: value } : { result: value ?? null };
  return { content: [{ type: 'text', text }], structuredContent };
}

const OP_BY_TOOL = new Map<string, AnyOperation>(OPERATIONS.map((o) => [o.tool, o]));

/**
 * One tools/call: the tool's operation run by `run` (which knows the caller), its result or its refusal
 * as a CallToolResult. Every tool is looked up, hidden ones too: the operation's access check refuses a
 * tool this caller may not use and says why, where a bare "tool not found" would not. Shared by the SDK
 * server's handler and the HTTP endpoint's direct path (src/mcp/http.ts), so both answer alike.
 */
export async function callTool(
  name: string,
  args: Record<string, unknown>,
  run: (opName: string, input: Record<string, unknown>) => Promise<RuntimeOpResult>,
  logger?: Logger,
): Promise<CallToolResult> {
  const op = OP_BY_TOOL.get(name);
  if (!op) return errorResult(new MaestroError('not_found', `there is no tool '${name}'; call tools/list to see the tools you may use`, 'name'));
  try {
    return successResult(op, await run(op.name, args));
  } catch (err) {
    const error = toMaestroError(err);
    if (error.code === 'internal') logger?.error({ err, tool: name }, 'MCP tool call failed');
    return errorResult(error);
  }
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
 * The MCP server behind `/mcp`, one per role. The stdio bridge (`maestro mcp`) relays to it, so both
 * transports answer alike: there is no second server to diverge.
 *
 * Tools are served through the low-level request handlers rather than `registerTool`, on purpose:
 * - `registerTool` validates arguments before the handler and answers with the SDK's own message; here
 *   every call goes to `dispatch`, i.e. `executeOp`, whose zod validation names the offending field in
 *   the same words the REST API and the CLI use;
 * - a tool hidden from this role is not listed, yet calling it anyway is answered by the server's access
 *   check (which says why) instead of a bare "tool not found".
 * The advertised input and output schemas are the operations' zod schemas converted to JSON Schema.
 */
/**
 * One JSON Schema validator for every server: the SDK otherwise builds a new Ajv instance per server
 * (the HTTP endpoint keeps one server per role, tests build many).
 */
let validator: AjvJsonSchemaValidator | undefined;
const sharedValidator = () => (validator ??= new AjvJsonSchemaValidator());

export function buildMcpServer(opts: BuildMcpServerOptions): McpServer {
  const { role, dispatch } = opts;
  const tools = toolsForRole(role);

  const mcp = new McpServer(
    { name: 'maestro', title: 'Maestro', version: opts.version ?? VERSION },
    { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS[role], jsonSchemaValidator: sharedValidator() },
  );

  mcp.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools }));
  mcp.server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
    callTool(request.params.name, request.params.arguments ?? {}, (opName, input) => dispatch(opName, input, extra.requestId), opts.logger),
  );

  // Both resources are read-only operations, so every transport reads them the same way.
  const readers = {
    manifest: (requestId: RequestId) => dispatch('manifest.get', {}, requestId),
    tasks: (requestId: RequestId) => dispatch('task.tree', {}, requestId),
  };
  const json = (uri: URL, value: RuntimeOpResult) => ({
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
      async (uri, extra) => json(uri, await readResource(() => readers.manifest(extra.requestId))),
    );
  }
  mcp.registerResource(
    'project-tasks',
    TASKS_URI,
    {
      title: 'Project task tree',
      description:
        "The project's tasks as a nested tree of subtasks, with status, priority, dependencies and assignee (up to 1000 tasks: for a larger project, task_tree with a rootId or task_list).",
      mimeType: 'application/json',
    },
    async (uri, extra) => json(uri, await readResource(() => readers.tasks(extra.requestId))),
  );

  return mcp;
}

/** Resource reads have no isError form: failures become protocol errors carrying the same text. */
async function readResource(read: () => Promise<RuntimeOpResult>): Promise<RuntimeOpResult> {
  try {
    return await read();
  } catch (err) {
    throw new Error(errorText(err));
  }
}
