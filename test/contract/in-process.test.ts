/**
 * The operation contract in-process (no build, no sockets): `executeOp` on a real MaestroService, and the
 * MCP server of src/mcp/server.ts with the real SDK client over an in-memory transport pair, one server
 * per caller whose dispatch is executeOp as that caller.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll } from 'vitest';
import { executeOp } from '../../src/core/operations.js';
import { MaestroService } from '../../src/core/service.js';
import { buildMcpServer } from '../../src/mcp/server.js';
import { runOpCases } from './cases.js';
import { OWNER, actorFor, callerKey, decodeToolResult, inProcessCall, toolName, type Caller } from './support.js';

const home = mkdtempSync(join(tmpdir(), 'maestro-contract-inproc-'));
const svc = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:3999' });

const clients = new Map<string, Promise<{ client: Client; close(): Promise<void> }>>();

/** One MCP server (the caller's role, dispatching to executeOp as the caller) and its SDK client. */
function mcpFor(as: Caller) {
  const key = callerKey(as);
  let entry = clients.get(key);
  if (!entry) {
    entry = (async () => {
      const actor = actorFor(svc, as);
      const server = buildMcpServer({
        role: actor.kind === 'user' ? 'user' : actor.session.role,
        dispatch: (opName, input) => executeOp(svc, actor, opName, input),
      });
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await server.connect(serverSide);
      const client = new Client({ name: 'maestro-contract', version: '0.0.0' });
      await client.connect(clientSide);
      return {
        client,
        close: async () => {
          await client.close();
          await server.close();
        },
      };
    })();
    clients.set(key, entry);
  }
  return entry;
}

afterAll(async () => {
  for (const entry of clients.values()) await (await entry).close();
  svc.close();
  rmSync(home, { recursive: true, force: true });
});

const tokenOf = (id: string) => svc.sessions.token(id);

runOpCases({ name: 'executeOp', call: inProcessCall(svc), tokenOf });

runOpCases({
  name: 'MCP in memory',
  tokenOf,
  call: async (op, input, as = OWNER) => {
    const { client } = await mcpFor(as);
    const result = (await client.callTool({ name: toolName(op), arguments: input })) as CallToolResult;
    return decodeToolResult(result, op);
  },
});
