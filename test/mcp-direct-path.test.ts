/**
 * Plain tools/call requests are answered by the HTTP endpoint itself, without the SDK's server (src/mcp/
 * http.ts, plain-request.ts). That is only right if it answers exactly as the SDK path would: every
 * request here goes to two endpoints of one service, one with the direct path and one without, and their
 * answers must be equal, for callers of every role, for refusals, and for the odd messages the plain
 * checks leave to the SDK. The checks themselves must accept nothing the SDK's schemas refuse.
 */
import { CallToolRequestSchema, JSONRPCRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { USER, type Actor } from '../src/core/access.js';
import type { Session } from '../src/core/types.js';
import { McpHttpEndpoint } from '../src/mcp/http.js';
import { plainRequest, plainToolCall } from '../src/mcp/plain-request.js';
import type { TestServer } from './helpers.js';
import { type Seed, useSeededServer } from './mcp-support.js';

let server: TestServer;
let s: Seed;

useSeededServer((fixture) => {
  ({ server, s } = fixture);
});

const HEADERS: IncomingHttpHeaders = { accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };
const asSession = (session: Session): Actor => ({ kind: 'session', session: { id: session.id, role: session.role, projectId: session.projectId, status: session.status } });
const call = (id: unknown, name: unknown, args?: unknown, extra: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, ...(args === undefined ? {} : { arguments: args }), ...extra },
});

/** The same message through both paths, as the same caller: the answers (status and body). */
async function bothPaths(body: unknown, caller: Actor) {
  const direct = new McpHttpEndpoint(server.svc);
  const viaSdk = new McpHttpEndpoint(server.svc, undefined, {}, false);
  const [a, b] = [await direct.answer(structuredClone(body), HEADERS, caller), await viaSdk.answer(structuredClone(body), HEADERS, caller)];
  return { direct: a, viaSdk: b, directServers: direct.serversBuilt };
}

describe('the direct path answers as the SDK server does', () => {
  const cases: Array<[string, () => unknown, () => Actor]> = [
    ['a read as the owner', () => call(1, 'task_get', { taskId: s.a.id }), () => USER],
    ['a read as a worker, string id', () => call('req-7', 'task_get', { taskId: s.a.id }), () => asSession(s.worker)],
    ['whoami as a worker', () => call(2, 'whoami', {}), () => asSession(s.worker)],
    ['no arguments at all', () => call(3, 'whoami'), () => asSession(s.orchestrator)],
    ['a required argument missing', () => call(4, 'task_get', {}), () => USER],
    ['an argument of the wrong type', () => call(5, 'task_list', { project: s.projectId, limit: 'many' }), () => USER],
    ['an unknown argument', () => call(6, 'task_get', { taskId: s.a.id, nonsense: true }), () => USER],
    ['a task that does not exist', () => call(7, 'task_get', { taskId: 'tsk_nope' }), () => USER],
    ['a tool that does not exist', () => call(8, 'no_such_tool', {}), () => USER],
    ['a tool hidden from workers', () => call(9, 'session_spawn', { taskIds: [s.b.id] }), () => asSession(s.worker)],
    ['a worker updating a task not its own', () => call(10, 'task_update', { taskId: s.b.id, title: 'mine now' }), () => asSession(s.worker)],
    ['a list page', () => call(11, 'task_list', { project: s.projectId, limit: 1 }), () => USER],
    // Left to the SDK by the plain checks: each must be answered the same way, by the same code.
    ['_meta in params', () => call(12, 'task_get', { taskId: s.a.id }, { _meta: { progressToken: 'p1' } }), () => USER],
    ['a task-augmented call', () => call(13, 'task_get', { taskId: s.a.id }, { task: { ttl: 1000 } }), () => USER],
    ['arguments null', () => call(14, 'task_get', null), () => USER],
    ['arguments an array', () => call(15, 'task_get', [s.a.id]), () => USER],
    ['a name that is not a string', () => call(16, 42, {}), () => USER],
    ['a fractional id', () => call(1.5, 'whoami', {}), () => USER],
    ['an id past 2^53', () => call(2 ** 60, 'whoami', {}), () => USER],
    ['a null id', () => call(null, 'whoami', {}), () => USER],
    ['a key JSON-RPC does not have', () => ({ ...call(17, 'whoami', {}), extra: 1 }), () => USER],
    ['jsonrpc 1.0', () => ({ ...call(18, 'whoami', {}), jsonrpc: '1.0' }), () => USER],
    ['tools/list', () => ({ jsonrpc: '2.0', id: 19, method: 'tools/list' }), () => asSession(s.worker)],
    ['a batch of a call and a list', () => [call(20, 'task_get', { taskId: s.a.id }), { jsonrpc: '2.0', id: 21, method: 'tools/list' }], () => USER],
    ['a batch with a notification', () => [call(22, 'whoami', {}), { jsonrpc: '2.0', method: 'notifications/initialized' }], () => USER],
    ['a notification alone', () => ({ jsonrpc: '2.0', method: 'notifications/initialized' }), () => USER],
    ['an unknown method', () => ({ jsonrpc: '2.0', id: 23, method: 'tools/nope', params: {} }), () => USER],
  ];
  it.each(cases)('%s', async (_name, body, caller) => {
    const { direct, viaSdk } = await bothPaths(body(), caller());
    expect(direct).toEqual(viaSdk);
    expect(direct).toBeDefined();
  });

  it('really takes the direct path for a plain call, and the SDK server for the rest', async () => {
    const plain = await bothPaths(call(1, 'task_get', { taskId: s.a.id }), USER);
    expect(plain.directServers).toBe(0);
    expect((plain.direct!.body as { result: { structuredContent: { id: string } } }).result.structuredContent.id).toBe(s.a.id);
    for (const odd of [call(2, 'task_get', { taskId: s.a.id }, { _meta: { progressToken: 1 } }), { jsonrpc: '2.0', id: 3, method: 'tools/list' }])
      expect((await bothPaths(odd, USER)).directServers).toBe(1);
  });

  it('writes once per call, as the SDK path does', async () => {
    const before = server.svc.tasks.list({ projectId: s.projectId }).length;
    const direct = new McpHttpEndpoint(server.svc);
    const answer = await direct.answer(call(1, 'task_create', { project: s.projectId, title: 'made directly' }), HEADERS, USER);
    const created = (answer!.body as { result: { structuredContent: { id: string; title: string } } }).result.structuredContent;
    expect(created.title).toBe('made directly');
    expect(server.svc.tasks.get(created.id).title).toBe('made directly');
    expect(server.svc.tasks.list({ projectId: s.projectId }).length).toBe(before + 1);
  });
});

describe('the plain checks accept nothing the SDK refuses', () => {
  /** Values of every JSON kind and a few edge cases, to build messages from. */
  const values: unknown[] = [
    undefined, null, true, 0, -0, 1, -7, 1.5, 2 ** 53, 2 ** 53 - 1, Number.MAX_VALUE, '', 'x', '2.0', 'tools/call',
    [], [1], {}, { a: 1 }, { _meta: {} }, { _meta: { progressToken: {} } }, { name: 'whoami' }, { name: 'whoami', arguments: {} },
    { name: 'whoami', arguments: null }, { name: 'whoami', arguments: [] }, { name: 'whoami', arguments: { x: 1 } }, { name: 1 },
    { name: 'whoami', task: {} }, { name: 'whoami', arguments: {}, other: 1 }, JSON.parse('{"__proto__": {"x": 1}, "name": "whoami"}'),
  ];
  /** For each key: absent, a good value, or any of `values` (a deterministic generator, the same every run). */
  let state = 1;
  const random = (n: number) => ((state = (state * 48271) % 2147483647) % n);
  const good: Record<string, unknown> = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } };

  it('a plain request always passes JSONRPCRequestSchema, and a plain tool call CallToolRequestSchema', () => {
    let plain = 0;
    let toolCalls = 0;
    for (let n = 0; n < 20_000; n++) {
      const message: Record<string, unknown> = {};
      for (const key of ['jsonrpc', 'id', 'method', 'params', 'extra']) {
        const roll = random(key === 'extra' ? 8 : 4);
        const value = roll === 0 ? undefined : roll === 1 ? values[random(values.length)] : good[key];
        if (value !== undefined) message[key] = value;
      }
      const request = plainRequest(JSON.parse(JSON.stringify(message)));
      if (!request) continue;
      plain++;
      expect(JSONRPCRequestSchema.safeParse(request).success, JSON.stringify(message)).toBe(true);
      if (plainToolCall(request)) {
        toolCalls++;
        expect(CallToolRequestSchema.safeParse(request).success, JSON.stringify(message)).toBe(true);
      }
    }
    // The generator reaches both kinds often enough for this to mean something.
    expect(plain).toBeGreaterThan(500);
    expect(toolCalls).toBeGreaterThan(50);
  });

  it('refuses what it should leave to the SDK', () => {
    const base = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } };
    expect(plainRequest(base)).toBeDefined();
    expect(plainToolCall(plainRequest(base)!)).toEqual({ name: 'whoami', args: {} });
    for (const odd of [
      { ...base, id: 1.5 },
      { ...base, id: null },
      { ...base, id: 2 ** 60 },
      { ...base, jsonrpc: '1.0' },
      { ...base, extra: true },
      { ...base, params: [] },
      { ...base, params: { ...base.params, _meta: {} } },
      { ...base, method: 7 },
      [base],
      'text',
      null,
    ])
      expect(plainRequest(odd), JSON.stringify(odd)).toBeUndefined();
    for (const params of [{ name: 'whoami', arguments: null }, { name: 'whoami', arguments: [] }, { name: 'whoami', task: {} }, { name: 3 }, {}])
      expect(plainToolCall({ ...base, params } as never), JSON.stringify(params)).toBeUndefined();
    expect(plainToolCall({ ...base, method: 'tools/list' } as never)).toBeUndefined();
  });
});
