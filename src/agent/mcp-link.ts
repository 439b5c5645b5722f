import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

interface McpServerConfig {
  command: string;
  args?: string[];
  env?: Record<string, string>;
}

/** Talks to Maestro the way Claude Code does: the MCP server named in the session's MCP config, on stdio. */
export class McpLink {
  private constructor(
    private readonly client: Client,
    private readonly retryMs: number,
    private readonly say: (line: string) => void,
  ) {}

  static async open(configPath: string, opts: { retryMs: number; say: (line: string) => void }): Promise<McpLink> {
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
    return new McpLink(client, opts.retryMs, opts.say);
  }

  /** Calls a tool and returns its parsed JSON; retries while the server is unreachable (e.g. restarting). */
  async call<T = any>(tool: string, args: Record<string, unknown> = {}): Promise<T> {
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
      if (!isError) return JSON.parse(text) as T;
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
