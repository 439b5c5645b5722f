/**
 * The HTTP endpoint keeps one MCP server per role and answers every caller through it (src/mcp/http.ts):
 * what is reused, and what must never be: the caller's identity, checked again on every request.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { describe, expect, it } from 'vitest';
import { USER, type Actor } from '../src/core/access.js';
import { Admission } from '../src/mcp/admission.js';
import { McpExchange } from '../src/mcp/exchange.js';
import { McpHttpEndpoint, mcpEndpointOf } from '../src/mcp/http.js';
import { buildMcpServer, operationsForRole } from '../src/mcp/server.js';
import { readSecret } from '../src/security/secret.js';
import { startTestServer, type TestServer } from './helpers.js';
import { as, callTool, connectHttp, connectStdio, ok, type Seed, useSeededServer } from './mcp-support.js';

let server: TestServer;
let s: Seed;
let endpoint: McpHttpEndpoint;

useSeededServer((fixture) => {
  ({ server, s } = fixture);
  endpoint = mcpEndpointOf(server.svc)!;
});

const rpc = (headers: Record<string, string>, body: unknown) =>
  fetch(`${server.url}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${readSecret(server.home)}`,
      ...headers,
    },
    body: JSON.stringify(body),
  });

const toolsCall = (id: number | string, name: string, args: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
});

async function closeAll(clients: Client[]): Promise<void> {
  await Promise.all(clients.map((c) => c.close()));
}

describe('one MCP server per role, reused', () => {
  it('builds no server per call: many calls of many clients leave one server per role used', async () => {
    const builtBefore = endpoint.serversBuilt;
    const clients = [await connectHttp(server, as(s, s.worker)), await connectHttp(server, as(s, s.otherWorker)), await connectHttp(server)];
    try {
      for (let i = 0; i < 30; i++) await Promise.all(clients.map((c) => ok(c, 'whoami')));
      // worker and owner ('user'): at most those two roles were new to this endpoint
      expect(endpoint.serversBuilt - builtBefore).toBeLessThanOrEqual(2);
      expect(endpoint.serversBuilt).toBeLessThanOrEqual(3);
      for (let i = 0; i < 30; i++) await ok(clients[0]!, 'whoami');
      const built = endpoint.serversBuilt;
      await ok(clients[2]!, 'task_list', {});
      expect(endpoint.serversBuilt).toBe(built);
    } finally {
      await closeAll(clients);
    }
  });

  it('never mixes callers: 200 parallel calls from 20 sessions each get their own identity', async () => {
    const sessions = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => (await server.svc.spawn({ projectId: s.projectId, taskIds: [], name: `crowd-${i}` })).session),
    );
    const clients = await Promise.all(sessions.map((session) => connectHttp(server, { session, token: server.svc.sessions.token(session.id) })));
    try {
      // Every SDK client numbers its requests from 0, so the same JSON-RPC ids are in flight for all 20 at once.
      const calls = sessions.flatMap((session, i) => Array.from({ length: 10 }, () => ok(clients[i]!, 'whoami').then((me) => ({ expected: session.id, me }))));
      const answers = await Promise.all(calls);
      expect(answers).toHaveLength(200);
      for (const { expected, me } of answers) {
        expect(me.kind).toBe('session');
        expect(me.session.id).toBe(expected);
      }
      expect(endpoint.admission.queued).toBe(0);
    } finally {
      await closeAll(clients);
    }
  });

  it('answers two callers using the same JSON-RPC id at once each with their own answer, under their own id', async () => {
    const [mine, theirs] = await Promise.all([
      rpc({ authorization: `Bearer ${s.tokens[s.worker.id]}` }, toolsCall(7, 'whoami')),
      rpc({ authorization: `Bearer ${s.tokens[s.otherWorker.id]}` }, toolsCall(7, 'whoami')),
    ]);
    const [a, b] = await Promise.all([mine.json(), theirs.json()]);
    expect(a.id).toBe(7);
    expect(b.id).toBe(7);
    expect(a.result.structuredContent.session.id).toBe(s.worker.id);
    expect(b.result.structuredContent.session.id).toBe(s.otherWorker.id);
  });

  it("shows each role its own tools, whoever called before, and refuses a hidden tool saying why", async () => {
    const owner = await connectHttp(server);
    const worker = await connectHttp(server, as(s, s.worker));
    const orchestrator = await connectHttp(server, as(s, s.orchestrator));
    try {
      for (let round = 0; round < 2; round++) {
        const [mine, lead, all] = await Promise.all([worker.listTools(), orchestrator.listTools(), owner.listTools()]);
        expect(mine.tools.map((t) => t.name).sort()).toEqual(operationsForRole('worker').map((o) => o.tool).sort());
        expect(lead.tools.map((t) => t.name).sort()).toEqual(operationsForRole('orchestrator').map((o) => o.tool).sort());
        expect(all.tools.map((t) => t.name).sort()).toEqual(operationsForRole('user').map((o) => o.tool).sort());
      }
      const hidden = operationsForRole('orchestrator').find((o) => !operationsForRole('worker').includes(o))!;
      const refused = await callTool(worker, hidden.tool, {});
      expect(refused.isError).toBe(true);
      expect(refused.structured.error.code).toBe('forbidden');
    } finally {
      await closeAll([owner, worker, orchestrator]);
    }
  });
});

describe('the credential is checked on every request of a kept client', () => {
  it("refuses an ended session's token on the very next call of a client that worked a moment before", async () => {
    const { session } = await server.svc.spawn({ projectId: s.projectId, taskIds: [], name: 'revoked' });
    const client = await connectHttp(server, { session, token: server.svc.sessions.token(session.id) });
    try {
      expect((await ok(client, 'whoami')).session.id).toBe(session.id);
      await server.svc.stopSession(session.id);
      await expect(client.callTool({ name: 'whoami', arguments: {} })).rejects.toMatchObject({ code: 401, message: expect.stringMatching(/has ended \(stopped\)/) });
    } finally {
      await client.close();
    }
  });

  it('refuses a finished (completed) session on the next call, through the same kept server', async () => {
    const { session } = await server.svc.spawn({ projectId: s.projectId, taskIds: [], name: 'finishing' });
    const client = await connectHttp(server, { session, token: server.svc.sessions.token(session.id) });
    try {
      expect((await ok(client, 'whoami')).session.id).toBe(session.id);
      const built = endpoint.serversBuilt;
      server.svc.sessions.setStatus(session.id, 'completed');
      await expect(client.callTool({ name: 'whoami', arguments: {} })).rejects.toMatchObject({ code: 401, message: expect.stringMatching(/has ended \(completed\)/) });
      // Other workers keep using the very same server.
      const other = await connectHttp(server, as(s, s.worker));
      try {
        expect((await ok(other, 'whoami')).session.id).toBe(s.worker.id);
      } finally {
        await other.close();
      }
      expect(endpoint.serversBuilt).toBe(built);
    } finally {
      await client.close();
    }
  });

  it("refuses the owner's old secret on the next call once it is rotated", async () => {
    const own = await startTestServer();
    try {
      const client = await connectHttp(own);
      try {
        await ok(client, 'whoami');
        own.server.auth.rotate();
        await expect(client.callTool({ name: 'whoami', arguments: {} })).rejects.toMatchObject({ code: 401, message: expect.stringMatching(/unknown token/) });
      } finally {
        await client.close();
      }
    } finally {
      await own.dispose();
    }
  });
});

describe('the transport rules of Streamable HTTP, in JSON mode', () => {
  it('answers a batch with an array, each answer under its own id', async () => {
    const res = await rpc({}, [toolsCall('a', 'whoami'), { jsonrpc: '2.0', id: 'b', method: 'ping' }]);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.map((m: { id: string }) => m.id).sort()).toEqual(['a', 'b']);
    expect(body.find((m: { id: string }) => m.id === 'a').result.structuredContent.kind).toBe('user');
  });

  it('accepts notifications alone with 202 and no body', async () => {
    const res = await rpc({}, { jsonrpc: '2.0', method: 'notifications/initialized' });
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
  });

  it('refuses what is not JSON-RPC, a bad protocol version, a wrong Accept, and an initialize in a batch', async () => {
    const cases: Array<[Record<string, string>, unknown, number, number]> = [
      [{}, { hello: 'world' }, 400, -32700],
      [{}, [{ jsonrpc: '2.0', id: 1, method: 'ping' }, 42], 400, -32700],
      [{ 'mcp-protocol-version': '1999-01-01' }, { jsonrpc: '2.0', id: 1, method: 'ping' }, 400, -32000],
      [{ accept: 'application/json' }, { jsonrpc: '2.0', id: 1, method: 'ping' }, 406, -32000],
      [
        {},
        [
          { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '0' } } },
          { jsonrpc: '2.0', id: 2, method: 'ping' },
        ],
        400,
        -32600,
      ],
      [{}, Array.from({ length: 101 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'ping' })), 400, -32600],
    ];
    for (const [headers, body, status, code] of cases) {
      const res = await rpc(headers, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(await res.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code } });
    }
  });

  it('answers an unknown method with a JSON-RPC error under the request id, and a missing field as isError naming it', async () => {
    const unknown = await (await rpc({}, { jsonrpc: '2.0', id: 3, method: 'no/such' })).json();
    expect(unknown).toMatchObject({ id: 3, error: { code: -32601 } });
    const missing = await (await rpc({}, toolsCall(4, 'task_get', {}))).json();
    expect(missing.id).toBe(4);
    expect(missing.result.isError).toBe(true);
    expect(missing.result.structuredContent.error).toMatchObject({ code: 'invalid_input', field: 'taskId' });
  });
});

describe('the stdio bridge', () => {
  it('keeps one connection to the server for its calls instead of opening one per call', async () => {
    let connections = 0;
    const count = () => connections++;
    server.server.http.on('connection', count);
    const client = await connectStdio(server, as(s, s.worker));
    try {
      for (let i = 0; i < 20; i++) expect((await ok(client, 'whoami')).session.id).toBe(s.worker.id);
      // 21 calls (whoami at start, then 20), sequential: one kept-alive socket serves them all (a new one
      // only if the server's idle timeout closed it on a very slow machine).
      expect(connections).toBeLessThanOrEqual(3);
    } finally {
      server.server.http.off('connection', count);
      await client.close();
    }
  });
});

describe('admission of MCP requests', () => {
  const headers = { accept: 'application/json, text/event-stream' };
  const create = (title: string) => toolsCall(1, 'task_create', { project: s.projectId, title });

  it('refuses with 503 once too many wait, and answers those that got in', async () => {
    const own = new McpHttpEndpoint(server.svc, undefined, { perTurn: 1, concurrent: 1, maxQueued: 2 });
    const [first, second, third] = [own.answer(create('admitted 1'), headers, USER), own.answer(create('admitted 2'), headers, USER), own.answer(create('refused'), headers, USER)];
    expect(await third).toMatchObject({ status: 503, retryAfter: 1, body: { error: { code: -32000, message: expect.stringMatching(/busy/) } } });
    for (const admitted of [await first, await second]) {
      expect(admitted?.status).toBe(200);
      expect((admitted?.body as { result: { isError?: boolean } }).result.isError).toBeUndefined();
    }
    const titles = server.svc.tasks.list({ projectId: s.projectId }).map((t) => t.title);
    expect(titles).toEqual(expect.arrayContaining(['admitted 1', 'admitted 2']));
    expect(titles).not.toContain('refused');
  });

  it('does not run a request whose client hung up while it waited', async () => {
    const own = new McpHttpEndpoint(server.svc);
    expect(await own.answer(create('nobody waits for me'), headers, USER, () => true)).toBeUndefined();
    expect(server.svc.tasks.list({ projectId: s.projectId }).map((t) => t.title)).not.toContain('nobody waits for me');
  });
});

describe('McpExchange', () => {
  it('keeps overlapping requests of two callers with the same JSON-RPC id apart, and answers each under its id', async () => {
    const exchange = new McpExchange();
    const waiting: Array<() => void> = [];
    // An operation that is still running when the other caller's request comes in.
    const server = buildMcpServer({
      role: 'user',
      dispatch: async (_op, _input, requestId) => {
        const caller = exchange.callerOf(requestId);
        await new Promise<void>((resolve) => waiting.push(resolve));
        return { who: caller.kind === 'user' ? 'owner' : caller.session.id } as never;
      },
    });
    await server.connect(exchange);
    const worker: Actor = { kind: 'session', session: s.worker };
    const call = { jsonrpc: '2.0' as const, id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } };
    const first = exchange.request(call, worker);
    const second = exchange.request(call, USER);
    while (waiting.length < 2) await new Promise((r) => setImmediate(r));
    expect(exchange.inFlight).toBe(2);
    for (const release of waiting.reverse()) release();
    const [a, b] = (await Promise.all([first, second])) as unknown as Array<{ id: number; result: { structuredContent: { who: string } } }>;
    expect([a.id, b.id]).toEqual([1, 1]);
    expect(a.result.structuredContent.who).toBe(s.worker.id);
    expect(b.result.structuredContent.who).toBe('owner');
    expect(exchange.inFlight).toBe(0);
    await server.close();
  });
});

describe('Admission', () => {
  it('runs at most its limit at once and starts the others in arrival order', async () => {
    const gate = new Admission({ perTurn: 2, concurrent: 2 });
    const started: number[] = [];
    const release: Array<() => void> = [];
    let running = 0;
    let peak = 0;
    const tasks = Array.from({ length: 6 }, (_, i) =>
      gate.run(async () => {
        started.push(i);
        peak = Math.max(peak, ++running);
        await new Promise<void>((r) => release.push(r));
        running--;
        return i;
      }),
    );
    const waitFor = async (n: number) => {
      while (started.length < n) await new Promise((r) => setImmediate(r));
    };
    for (let done = 0; done < 6; done++) {
      await waitFor(Math.min(6, done + 2));
      expect(gate.queued).toBe(Math.max(0, 6 - done - 2));
      release.shift()!();
    }
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
  });

  it('starts no task where it is submitted, and at most perTurn per turn of the event loop', async () => {
    const gate = new Admission({ perTurn: 2, concurrent: 10 });
    const started: number[] = [];
    // Tasks that finish at once, as an MCP call on SQLite does: only the pacing by turns can hold them.
    const all = Promise.all(Array.from({ length: 5 }, (_, i) => gate.run(async () => void started.push(i))));
    expect(started).toEqual([]);
    const seen: number[] = [];
    for (let turn = 0; turn < 3; turn++) {
      await new Promise((r) => setImmediate(r)); // queued after the gate's turn: runs once that turn's tasks have
      seen.push(started.length);
    }
    expect(seen).toEqual([2, 4, 5]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    await all;
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new Admission({ perTurn: 0, concurrent: 4 })).toThrow(/perTurn must be a positive integer/);
    expect(() => new Admission({ perTurn: 2, concurrent: 1.5 })).toThrow(/concurrent must be a positive integer/);
  });
});
