import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { OpInput, OpResult, OperationName, ToolName } from '../core/operations.js';
import type { HookRunner } from './hooks.js';
import type { TranscriptWriter } from './transcript.js';

interface McpServerConfig {
  command: string;
  args?: string[];
  env?: Record<string, string>;
}

/** Each MCP tool name and the operation it runs: `task_create` → `task.create`. */
type OpOfTool = { [N in OperationName as ToolName<N>]: N };
export type McpToolName = keyof OpOfTool;
/** The arguments of tool T (its operation's input): optional when every field is. */
export type ToolArgs<T extends McpToolName> = {} extends OpInput<OpOfTool[T]> ? [args?: OpInput<OpOfTool[T]>] : [args: OpInput<OpOfTool[T]>];
/** What tool T answers: its operation's result (the text content carries it bare, as JSON). */
export type ToolResult<T extends McpToolName> = OpResult<OpOfTool[T]>;

/** Talks to Maestro the way Claude Code does: the MCP server named in the session's MCP config, on stdio. */
export class McpLink {
  private constructor(
    private readonly client: Client,
    private readonly retryMs: number,
    private readonly say: (line: string) => void,
    private readonly hooks: HookRunner | null,
    private readonly transcript: TranscriptWriter | null,
  ) {}

  static async open(
    configPath: string,
    opts: { retryMs: number; say: (line: string) => void; hooks: HookRunner | null; transcript?: TranscriptWriter | null },
  ): Promise<McpLink> {
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as { mcpServers: Record<string, McpServerConfig> };
    const server = config.mcpServers.maestro ?? Object.values(config.mcpServers)[0];
    if (!server) throw new Error(`no MCP server in ${configPath}`);
    const transport = new StdioClientTransport({
      command: server.command,
      args: server.args ?? [],
      env: { ...(process.env as Record<string, string>), MAESTRO_LOG_LEVEL: 'warn', ...server.env },
      stderr: 'pipe', // keep the MCP server's logs off the agent's screen
    });
    const client = new Client({ name: 'maestro-scripted-agent', version: '0.0.0' });
    await client.connect(transport);
    return new McpLink(client, opts.retryMs, opts.say, opts.hooks, opts.transcript ?? null);
  }

  /**
   * Calls a tool and returns its parsed JSON, between the PreToolUse and PostToolUse hooks Claude Code
   * would fire for it (tool `mcp__maestro__<name>`); the call and its result go into the transcript.
   */
  async call<T extends McpToolName>(tool: T, ...[input]: ToolArgs<T>): Promise<ToolResult<T>> {
    const args: Record<string, unknown> = { ...input };
    const use = { tool_name: `mcp__maestro__${tool}`, tool_input: args, tool_use_id: `toolu_${randomUUID().replace(/-/g, '').slice(0, 24)}` };
    this.transcript?.toolUse(use.tool_name, args, use.tool_use_id);
    await this.hooks?.fire('PreToolUse', use, use.tool_name);
    let result: ToolResult<T>;
    try {
      result = await this.callOnce<ToolResult<T>>(tool, args);
    } catch (err) {
      this.transcript?.toolResult(use.tool_use_id, err instanceof Error ? err.message : String(err), true);
      throw err;
    }
    this.transcript?.toolResult(use.tool_use_id, JSON.stringify(result));
    await this.hooks?.fire('PostToolUse', { ...use, tool_response: result }, use.tool_name);
    return result;
  }

  /**
   * Calls a tool and returns its parsed JSON, as the result type its caller names (the tool's: see
   * `call`); retries while the server is unreachable (e.g. restarting).
   */
  private async callOnce<R>(tool: string, args: Record<string, unknown>): Promise<R> {
    const deadline = Date.now() + this.retryMs;
    for (;;) {
      let text: string;
      let isError: boolean;
      try {
        const result = (await this.client.callTool({ name: tool, arguments: args })) as {
          isError?: boolean;
          content: Array<{ type: string; text?: string }>;
        };
        text = result.content.find((c) => c.type === 'text')?.text ?? 'null';
        isError = result.isError === true;
      } catch (err) {
        text = err instanceof Error ? err.message : String(err);
        isError = true;
      }
      if (!isError) return JSON.parse(text) as R;
      if (UNREACHABLE.test(text) && Date.now() < deadline) {
        this.say(`  (${tool}: server unreachable, retrying)`);
        await new Promise((r) => setTimeout(r, 250));
        continue;
      }
      throw new Error(`${tool} failed: ${text}`);
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

const UNREACHABLE = /cannot reach|unavailable|ECONNREFUSED|ECONNRESET|fetch failed|socket|other side closed/i;
