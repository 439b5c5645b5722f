/**
 * The operation contract over `maestro mcp` (the built binary on stdio, as Claude Code launches it), one
 * process per caller: the owner (the home's secret), or a session (MAESTRO_SESSION_ID +
 * MAESTRO_SESSION_TOKEN). The cases run concurrently: starting those processes is the slow part. Needs
 * `npm run build`.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll } from 'vitest';
import { startTestServer, type TestServer } from '../helpers.js';
import { MCP_COMMAND, mcpEnv } from '../mcp-support.js';
import { runOpCases } from './cases.js';
import { OWNER, callerKey, decodeToolResult, toolName, type Caller } from './support.js';

let server: TestServer;
const clients = new Map<string, Promise<Client>>();

function clientFor(as: Caller): Promise<Client> {
  const key = callerKey(as);
  let client = clients.get(key);
  if (!client) {
    client = (async () => {
      const identity: Record<string, string> = as.kind === 'session' ? { MAESTRO_SESSION_ID: as.id, MAESTRO_SESSION_TOKEN: as.token } : {};
      const c = new Client({ name: 'maestro-contract', version: '0.0.0' });
      await c.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: MCP_COMMAND,
          env: mcpEnv(server, { ...identity, MAESTRO_LOG_LEVEL: 'error' }),
          stderr: 'pipe',
        }),
      );
      return c;
    })();
    clients.set(key, client);
  }
  return client;
}

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await Promise.all([...clients.values()].map(async (c) => (await c).close().catch(() => undefined)));
  await server?.dispose();
});

runOpCases({
  name: 'MCP stdio (maestro mcp)',
  tokenOf: (id) => server.svc.sessions.token(id),
  concurrent: true,
  timeoutMs: 180_000,
  call: async (op, input, as = OWNER) => {
    const client = await clientFor(as);
    const result = (await client.callTool({ name: toolName(op), arguments: input })) as CallToolResult;
    return decodeToolResult(result, op);
  },
});
