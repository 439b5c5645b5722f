/**
 * The operation contract over a real MCP connection to a real server: one SDK client per caller (made by
 * `connect`), the cases' calls sent as tools/call and decoded as any MCP client would. Shared by the
 * Streamable HTTP and the stdio transports, which differ only in how a client connects.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll } from 'vitest';
import { startTestServer, type TestServer } from '../helpers.js';
import { runOpCases } from './cases.js';
import { OWNER, callerKey, decodeToolResult, toolName, type Caller, type OpTransport } from './support.js';

export function runMcpOpCases(opts: Omit<OpTransport, 'call' | 'tokenOf'> & { transportFor(server: TestServer, as: Caller): Transport }): void {
  let server: TestServer;
  const clients = new Map<string, Promise<Client>>();

  const clientFor = (as: Caller): Promise<Client> => {
    const key = callerKey(as);
    let client = clients.get(key);
    if (!client) {
      client = (async () => {
        const c = new Client({ name: 'maestro-contract', version: '0.0.0' });
        await c.connect(opts.transportFor(server, as));
        return c;
      })();
      clients.set(key, client);
    }
    return client;
  };

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await Promise.all([...clients.values()].map(async (c) => (await c).close().catch(() => undefined)));
    await server?.dispose();
  });

  const { transportFor: _t, ...transport } = opts;
  runOpCases({
    ...transport,
    tokenOf: (id) => server.svc.sessions.token(id),
    call: async (op, input, as = OWNER) => {
      const client = await clientFor(as);
      const result = (await client.callTool({ name: toolName(op), arguments: input })) as CallToolResult;
      return decodeToolResult(result, op);
    },
  });
}
