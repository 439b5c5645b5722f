/**
 * The operation contract over MCP Streamable HTTP: the real server's `/mcp`, with the SDK client and
 * transport, one client per caller (bearer owner secret or session token).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll } from 'vitest';
import { readSecret } from '../../src/security/secret.js';
import { startTestServer, type TestServer } from '../helpers.js';
import { runOpCases } from './cases.js';
import { OWNER, callerKey, decodeToolResult, toolName, type Caller } from './support.js';

let server: TestServer;
const clients = new Map<string, Promise<Client>>();

function clientFor(as: Caller): Promise<Client> {
  const key = callerKey(as);
  let client = clients.get(key);
  if (!client) {
    client = (async () => {
      const bearer = as.kind === 'owner' ? readSecret(server.home) : as.token;
      const c = new Client({ name: 'maestro-contract', version: '0.0.0' });
      await c.connect(
        new StreamableHTTPClientTransport(new URL('/mcp', server.url), { requestInit: { headers: { authorization: `Bearer ${bearer}` } } }),
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
  name: 'MCP Streamable HTTP',
  tokenOf: (id) => server.svc.sessions.token(id),
  call: async (op, input, as = OWNER) => {
    const client = await clientFor(as);
    const result = (await client.callTool({ name: toolName(op), arguments: input })) as CallToolResult;
    return decodeToolResult(result, op);
  },
});
