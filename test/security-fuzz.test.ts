/**
 * Fuzz: over 10,000 malformed requests and frames against a real `maestro serve` process (supervisor
 * on, one live terminal), mostly as the owner so the garbage gets past the door into the operations,
 * routes, MCP endpoint and terminal sockets. Seeded (FUZZ_SEED=n to replay a run). Afterwards the process
 * must be alive and answering, no answer may have been a 5xx other than 503, the database must pass
 * integrity_check and what was stored before must read back unchanged. Needs the build (bin/maestro.js).
 */
import Database from 'better-sqlite3';
import { request, Agent } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { OPERATIONS } from '../src/core/operations.js';
import { ROUTES } from '../src/http/routes.js';
import { startServeProcess, type ServeProcess } from '../scripts/bench-slow-clients.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_129);
const CONCURRENCY = 16;

/** mulberry32: small, seedable, good enough to pick garbage. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const chance = (p: number) => next() < p;
  // No C-b: typed into a terminal it is tmux's prefix key, and the fuzz must not drive tmux itself.
  const ALPHABET = ['a', 'Z', '0', ' ', '"', '\\', '/', '%', '\r', '\n', '\t', '\x00', '\x1b', '\x7f', 'é', '名', '\u202e', '\ud83d\ude00', '\ufeff', '{', '}'];
  const str = (max = 40) => Array.from({ length: int(max) }, () => pick(ALPHABET)).join('');
  return { next, int, pick, chance, str };
}
const R = prng(SEED);

let srv: ServeProcess;
let liveId = '';
const pool = { project: 'playground', projectId: '', tasks: [] as string[], victim: '' };
let sentinels: Array<{ id: string; body: unknown }> = [];
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

// ---- results ------------------------------------------------------------------------------------------
let sent = 0;
const bad: string[] = [];
/** HTTP statuses seen, to show the fuzz got past validation into the operations (2xx) and not only refused. */
const statuses = new Map<number, number>();
const note = (what: string, problem: string) => bad.length < 40 && bad.push(`${problem}: ${what.slice(0, 200)}`);

interface Req {
  method: string;
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  auth?: boolean;
  /** The server may reset the connection instead of answering (oversized bodies). */
  mayReset?: boolean;
}

/** One request; checks the answer is < 500 (or 503) and carries X-Request-Id. Returns the status (0: none). */
function send(r: Req): Promise<number> {
  const headers: Record<string, string> = { ...(r.auth === false ? {} : { authorization: `Bearer ${srv.secret}` }), ...r.headers };
  if (r.body !== undefined) headers['content-length'] = String(Buffer.byteLength(r.body));
  const what = `${r.method} ${r.path} ${JSON.stringify(headers).slice(0, 80)} ${String(r.body ?? '').slice(0, 80)}`;
  return new Promise((resolve) => {
    let req;
    try {
      req = request({ host: '127.0.0.1', port: srv.port, method: r.method, path: r.path, headers, agent: r.mayReset ? false : agent, timeout: 15_000 }, (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status >= 500 && status !== 503) note(what, `HTTP ${status}`);
          if (!res.headers['x-request-id']) note(what, `no X-Request-Id on ${status}`);
          resolve(status);
        });
        res.on('error', () => resolve(0));
      });
    } catch {
      resolve(-1); // node:http refused to send it (invalid header): not a request at all
      return;
    }
    sent++;
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => {
      // a kept-alive socket the server closed just as we reused it: not an answer, send again
      if (req.reusedSocket && (err as NodeJS.ErrnoException).code === 'ECONNRESET') {
        sent--;
        resolve(send(r));
        return;
      }
      if (!r.mayReset) note(what, `no answer (${err.message})`);
      resolve(0);
    });
    req.end(r.body);
  });
}

/** Runs `count` jobs made by `make(i)` with CONCURRENCY in flight. */
async function parallel(count: number, make: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < count) await make(next++);
  }));
}

// ---- generators ---------------------------------------------------------------------------------------
const ENUMS = ['todo', 'done', 'in_progress', 'high', 'critical', 'worker', 'orchestrator', 'queue', 'simple', 'running', 'stopped'];
const BAD_SEGMENTS = ['%ff', '%', '%%', '%c0%af', '%e0%a4%a', 'a%2fb', '..', '%2e%2e', '%00', 'ses_nope', 'x'.repeat(3000), '%F0%9F%98'];

function junk(depth = 0): unknown {
  switch (R.int(depth > 2 ? 6 : 9)) {
    case 0: return R.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, 4294967296, -0]);
    case 1: return R.chance(0.5);
    case 2: return null;
    case 3: return R.str(R.pick([5, 50, 500]));
    case 4: return R.pick(['', ' ', '__proto__', 'constructor', '../../etc/passwd', 'tsk_', 'ses_x', '%ff', '\u0000', 'x'.repeat(R.pick([600, 5000, 120_000]))]);
    case 5: return R.pick(ENUMS);
    case 6: return Array.from({ length: R.int(4) }, () => junk(depth + 1));
    case 7: return Object.fromEntries(Array.from({ length: R.int(4) }, () => [R.pick(['a', '__proto__', 'constructor', 'prototype', R.str(8)]), junk(depth + 1)]));
    default: return [Array.from({ length: R.int(600) }, () => R.str(3))];
  }
}

/** A plausible value for a field (so some requests validate and run), or junk. */
function valueFor(field: string): unknown {
  if (R.chance(0.5)) return junk();
  if (['taskId', 'parentId', 'rootId'].includes(field)) return R.pick([...pool.tasks, 'tsk_nope']);
  if (['taskIds', 'dependencies'].includes(field)) return Array.from({ length: R.int(4) }, () => R.pick(pool.tasks));
  if (['sessionId', 'assignee', 'parentSessionId'].includes(field)) return R.pick([pool.victim, 'ses_nope']);
  if (field === 'project') return R.pick([pool.project, pool.projectId, 'nope']);
  if (['status', 'priority', 'role', 'strategy'].includes(field)) return R.chance(0.5) ? R.pick(ENUMS) : [R.pick(ENUMS)];
  if (['ready', 'ansi'].includes(field)) return R.chance(0.5);
  if (['limit', 'afterId', 'timelineLimit'].includes(field)) return R.pick([1, 0, -5, 10_001, 3.5]);
  return R.str(60);
}

const OPS = OPERATIONS.map((op) => ({ name: op.name, tool: op.tool, fields: Object.keys((op.input as unknown as { shape: object }).shape) }));

/** A body for an operation. Commands to run are never valid strings: the fuzz must not start programs. */
function opBody(op: (typeof OPS)[number]): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of op.fields) if (R.chance(0.6)) body[f] = valueFor(f);
  if (R.chance(0.1)) body[R.str(6)] = junk();
  if (op.fields.includes('agentCommand')) body.agentCommand = R.pick([42, null, ['sh'], { cmd: 'sh' }, true]);
  return body;
}

const contentType = () =>
  R.chance(0.85) ? 'application/json' : R.pick(['text/plain', 'application/json; charset=utf-16', 'application/jsonx', 'multipart/form-data; boundary=x', '', 'APPLICATION/JSON']);

function restRequest(): Req {
  const route = R.pick(ROUTES);
  const path = route.path.replace(/:([A-Za-z]+)/g, (_m, name: string) => (R.chance(0.5) ? R.pick(BAD_SEGMENTS) : encodeURIComponent(String(valueFor(name)))));
  if (route.method === 'GET' || route.method === 'DELETE') {
    const pairs = Array.from({ length: R.int(5) }, () => `${R.pick(['status', 'ready', 'project', 'status[]', 'a[b][c]', 'limit', '%ff', '__proto__[x]'])}=${R.pick(BAD_SEGMENTS.slice(0, 9).concat(['todo', 'maybe', '1e999', '']))}`);
    return { method: route.method, path: path + (pairs.length ? `?${pairs.join('&')}` : '') };
  }
  const op = OPS.find((o) => o.name === route.op)!;
  return { method: route.method, path, body: JSON.stringify(opBody(op)), headers: { 'content-type': contentType() } };
}

const BROKEN_JSON = ['{', '{"title":', '{"a":1,}', "{'a':1}", 'null', '[]', '"x"', '42', '\ufeff{}', '{"__proto__":{"polluted":true},"title":"p"}', '{"constructor":{"prototype":{"polluted":true}}}', '{"title":"\\ud800"}', '{"a":1e999}', '{"title":"a","title":"b"}', '['.repeat(20_000), '{"a":'.repeat(20_000), 'NaN', ''];
function brokenBody(): string | Buffer {
  return R.chance(0.15) ? Buffer.from(Array.from({ length: 1 + R.int(300) }, () => R.int(256))) : R.pick(BROKEN_JSON);
}

function mcpBody(): string {
  const op = R.pick(OPS);
  const call = () => ({
    jsonrpc: R.chance(0.85) ? '2.0' : junk(),
    ...(R.chance(0.9) ? { id: R.chance(0.7) ? R.int(1000) : junk() } : {}),
    method: R.pick(['tools/call', 'tools/call', 'tools/list', 'initialize', 'resources/read', 'resources/list', 'prompts/get', 'ping', R.str(12)]),
    params: R.chance(0.8) ? { name: R.chance(0.9) ? op.tool : junk(), arguments: R.chance(0.9) ? opBody(op) : junk(), uri: R.pick(['maestro://session/manifest', 'maestro://project/tasks', R.str(20)]) } : junk(),
  });
  return R.chance(0.1) ? JSON.stringify([call(), call()]) : R.chance(0.05) ? R.pick(BROKEN_JSON) : JSON.stringify(call());
}

/** Raw bytes for one TCP connection: broken request lines, encodings, headers, framing. */
function rawGarbage(): Buffer | string {
  if (R.chance(0.1)) return Buffer.from(Array.from({ length: 1 + R.int(2000) }, () => R.int(256)));
  const auth = R.chance(0.6) ? `Authorization: Bearer ${srv.secret}\r\n` : '';
  const path = R.pick(['/', '*', '/api/tasks/%ff', '/api/sessions/%ff/input', '/ws/terminal/%ff', '/ws/terminal/%', `/ws/terminal/${liveId}`, '/ws', '/mcp', 'http://evil.example/', `/${'a'.repeat(70_000)}`, '/%', '/\x7f', '/api/../../etc/passwd', '/health']);
  const line = `${R.pick(['GET', 'POST', 'PUT', 'G\x00T', 'PROPFIND', 'get', '', 'CONNECT', R.str(6)])} ${path} ${R.pick(['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', 'HTTP/1.1x', ''])}\r\n`;
  const headers = [
    R.pick([`Host: 127.0.0.1:${srv.port}\r\n`, '', 'Host: evil.example\r\n', `Host: a\r\nHost: b\r\n`, `Host: ${'h'.repeat(20_000)}\r\n`]),
    auth,
    R.chance(0.4) ? 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n' + R.pick(['Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n', 'Sec-WebSocket-Key: !!\r\n', '']) : '',
    R.pick(['', 'Content-Length: 5\r\nContent-Length: 7\r\n', 'Content-Length: -1\r\n', 'Content-Length: abc\r\n', 'Content-Length: 99999999999999\r\n', 'Transfer-Encoding: chunked\r\nContent-Length: 3\r\n', 'Transfer-Encoding: chunked\r\n', 'Transfer-Encoding: chunked, identity\r\n']),
    R.pick(['', 'Bad Header: x\r\n', 'X-Nul: a\x00b\r\n', 'X-Fold: a\r\n  folded\r\n', ':empty-name\r\n', 'Content-Type: application/json\r\n', 'Origin: null\r\n', `Cookie: maestro_auth_${srv.port}=${R.str(30)}\r\n`]),
    R.chance(0.05) ? Array.from({ length: R.pick([500, 2500]) }, (_, i) => `X-H${i}: v\r\n`).join('') : '',
  ].join('');
  const body = R.pick(['', '{"title":"x"}', 'zz\r\nhello\r\n0\r\n\r\n', '5\r\nhello\r\n0\r\n\r\n', R.str(100)]);
  return line + headers + (R.chance(0.9) ? '\r\n' : '') + body;
}

/** One raw connection: the garbage, then our end; a status line, if any, must be < 500 (or 503). */
function sendRaw(payload: Buffer | string): Promise<void> {
  sent++;
  return new Promise((resolve) => {
    const socket = connect(srv.port, '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => socket.destroy(), 5000);
    socket.on('data', (d) => (answer += String(d).slice(0, 100)));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 0);
      if (status >= 500 && status !== 503) note(JSON.stringify(String(payload).slice(0, 150)), `raw HTTP ${status}`);
      resolve();
    });
    socket.end(payload);
  });
}

// ---- the run -------------------------------------------------------------------------------------------
beforeAll(async () => {
  srv = await startServeProcess({ MAESTRO_AGENT_CMD: 'true', MAESTRO_LOG_LEVEL: 'silent' });
  const workingDir = srv.home;
  const vault = await srv.api('POST', '/api/projects', { name: 'vault', workingDir });
  const play = await srv.api('POST', '/api/projects', { name: 'playground', workingDir });
  expect([vault.status, play.status]).toEqual([201, 201]);
  pool.projectId = play.json.id;
  // What must survive untouched: tasks the fuzz never learns the ids of, with subtasks and dependencies.
  const made: string[] = [];
  for (let i = 0; i < 30; i++) {
    const t = await srv.api('POST', '/api/tasks', { project: 'vault', title: `sentinel ${i} ✓`, description: `keep me ${i}`, priority: 'high', ...(i % 3 === 1 ? { parentId: made[i - 1] } : {}), ...(i % 3 === 2 ? { dependencies: [made[i - 2]] } : {}) });
    expect(t.status).toBe(201);
    made.push(t.json.id);
  }
  for (let i = 0; i < 10; i++) pool.tasks.push((await srv.api('POST', '/api/tasks', { project: 'playground', title: `play ${i}` })).json.id);
  // The live terminal: echoes lines, ignores the signals typed control keys raise, never runs what it reads.
  const agentCommand = `sh -c 'trap "" INT QUIT TSTP HUP; while :; do read l || sleep 0.1; echo "got:$l"; done'`;
  liveId = (await srv.api('POST', '/api/sessions', { project: 'playground', agentCommand, name: 'live' })).json.session.id;
  pool.victim = (await srv.api('POST', '/api/sessions', { project: 'playground', agentCommand: 'sleep 600', name: 'victim' })).json.session.id;
  for (let i = 0; i < 100 && !(await srv.api('GET', `/api/sessions/${liveId}/screen`)).json?.live; i++) await new Promise((r) => setTimeout(r, 100));
  sentinels = await Promise.all(made.map(async (id) => ({ id, body: (await srv.api('GET', `/api/tasks/${id}`)).json })));
}, 60_000);

afterAll(async () => {
  agent.destroy();
  await srv?.stop();
});

it(`survives ${'>'}10,000 malformed requests and frames (seed ${SEED})`, async () => {
  const started = Date.now();
  await parallel(3500, () => { const op = R.pick(OPS); return send({ method: 'POST', path: `/api/ops/${R.chance(0.5) ? op.name : op.tool}`, body: JSON.stringify(opBody(op)), headers: { 'content-type': contentType() } }); });
  await parallel(1500, () => send(restRequest()));
  await parallel(300, () => send({ method: 'POST', path: `/api/sessions/${R.pick([pool.victim, ...BAD_SEGMENTS])}/input`, body: JSON.stringify({ data: R.chance(0.7) ? R.str(200) : junk() }), headers: { 'content-type': 'application/json' } }));
  // no credential, or a wrong one: always 401 (the door answers before anything else runs)
  let not401 = 0;
  const wrongCredentials: Record<string, string>[] = [
    {},
    { authorization: 'Bearer wrong' },
    { authorization: `Basic ${srv.secret}` },
    { authorization: `Bearer ${srv.secret}x` },
    { 'x-maestro-session': pool.victim },
    { cookie: `maestro_auth_${srv.port}=${srv.secret}` }, // the secret is not the cookie value
  ];
  const doors = ['/api/sessions', '/api/tasks', '/api/ops/task_create', '/mcp', `/api/sessions/${pool.victim}/input`, '/api/auth/rotate'];
  await parallel(500, async () => {
    const headers = { 'content-type': 'application/json', ...R.pick(wrongCredentials) };
    if ((await send({ auth: false, method: R.pick(['GET', 'POST']), path: R.pick(doors), body: '{}', headers })) !== 401) not401++;
  });
  await parallel(800, () => send({ method: 'POST', path: `/api/ops/${R.pick(OPS).tool}`, body: brokenBody(), headers: { 'content-type': contentType() } }));
  // oversized: a 1 MiB JSON limit means 413 (or the connection cut while we are still sending)
  const big = (n: number) => JSON.stringify({ title: 'x', description: 'd'.repeat(n) });
  const oversized: number[] = [];
  await parallel(12, async (i) => oversized.push(await send({ method: 'POST', path: '/api/tasks', body: big(i < 10 ? 1.5 * 1024 * 1024 : 8 * 1024 * 1024), headers: { 'content-type': 'application/json' }, mayReset: true })));
  await parallel(900, () => send({ method: 'POST', path: '/mcp', body: mcpBody(), headers: { 'content-type': contentType(), accept: R.chance(0.9) ? 'application/json, text/event-stream' : R.pick(['text/html', '*/*', '']) } }));
  await parallel(1500, () => sendRaw(rawGarbage()));
  const ws = await fuzzSockets();
  console.log(`fuzz seed ${SEED}: ${sent} requests and frames in ${((Date.now() - started) / 1000).toFixed(1)} s; oversized answers ${[...new Set(oversized)].join('/')}`);
  console.log(`HTTP statuses: ${[...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s} x${n}`).join(', ')}`);

  expect(sent).toBeGreaterThanOrEqual(10_000);
  const ok = [...statuses].filter(([s]) => s >= 200 && s < 300).reduce((n, [, c]) => n + c, 0);
  expect(ok, 'requests that validated and ran').toBeGreaterThan(300);
  expect(statuses.get(400) ?? 0, 'requests refused as invalid input').toBeGreaterThan(1000);
  expect(bad, 'answers that broke the contract').toEqual([]);
  expect(not401, 'requests without a valid credential that were not answered 401').toBe(0);
  expect(oversized.every((s) => s === 413 || s === 0)).toBe(true);
  expect(oversized.filter((s) => s === 413).length).toBeGreaterThan(0);
  expect(ws.badCloses, 'terminal/event sockets closed with an unexpected code').toEqual([]);
  expect(ws.hugeCloses, 'frames over 1 MiB close the socket with 1009').toEqual(Array(ws.hugeCloses.length).fill(1009));

  // afterwards: alive, answering, the database sound and the sentinels unchanged
  expect(srv.alive(), srv.stderr()).toBe(true);
  const health = await fetch(`${srv.url}/health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ ok: true });
  const db = new Database(join(srv.home, 'data', 'maestro.db'), { readonly: true, fileMustExist: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  } finally {
    db.close();
  }
  for (const s of sentinels) expect((await srv.api('GET', `/api/tasks/${s.id}`)).json).toEqual(s.body);
  expect(((await srv.api('GET', '/api/tasks?project=vault')).json as { tasks: unknown[] }).tasks.length).toBe(30);
}, 180_000);

/** Sockets on /ws and the live terminal get junk frames; they may close, but only with a protocol code. */
async function fuzzSockets(): Promise<{ badCloses: string[]; hugeCloses: number[] }> {
  const open = (path: string) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`${srv.url.replace('http', 'ws')}${path}`, { headers: { authorization: `Bearer ${srv.secret}` } });
      ws.on('open', () => resolve(ws));
      ws.on('error', reject);
    });
  const closed = (ws: WebSocket) => new Promise<number>((r) => (ws.readyState === ws.CLOSED ? r(-1) : ws.once('close', (code) => r(code))));
  const frame = (): string | Buffer => {
    switch (R.int(6)) {
      case 0: return Buffer.from(Array.from({ length: R.int(500) }, () => R.int(256)));
      case 1: return R.pick(BROKEN_JSON);
      case 2: return JSON.stringify({ type: junk(), data: junk(), cols: junk(), rows: junk() });
      case 3: return JSON.stringify({ type: 'resize', cols: R.pick([1e308, -1, 0, 2 ** 31, 0.5, 99_999, 80]), rows: R.pick([1e308, -1, 0, 2 ** 31, 0.5, 99_999, 24]) });
      case 4: return JSON.stringify({ type: 'input', data: R.chance(0.9) ? R.str(100) : 'y'.repeat(70_000) });
      default: return JSON.stringify({ type: R.str(10) });
    }
  };
  const badCloses: string[] = [];
  const paths = Array.from({ length: 24 }, (_, i) => (i % 2 ? '/ws' : `/ws/terminal/${liveId}`));
  await Promise.all(paths.map(async (path) => {
    const ws = await open(path);
    ws.on('error', () => undefined);
    const done = closed(ws);
    for (let i = 0; i < 130 && ws.readyState === ws.OPEN; i++) {
      const f = frame();
      // resizes make tmux redraw: keep them few so the run stays short
      if (typeof f === 'string' && f.includes('"resize"') && !R.chance(0.2)) continue;
      sent++;
      ws.send(f, { binary: Buffer.isBuffer(f) });
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 300));
    if (ws.readyState === ws.OPEN) ws.close(1000);
    const code = await done;
    if (![1000, 1005].includes(code)) badCloses.push(`${path}: ${code}`);
  }));
  // frames over the 1 MiB limit: the server closes with 1009 (message too big)
  const hugeCloses = await Promise.all(['/ws', `/ws/terminal/${liveId}`, '/ws', `/ws/terminal/${liveId}`].map(async (path, i) => {
    const ws = await open(path);
    ws.on('error', () => undefined);
    const done = closed(ws);
    sent++;
    ws.send(i % 2 ? Buffer.alloc(1.5 * 1024 * 1024, 1) : JSON.stringify({ type: 'input', data: 'z'.repeat(1.5 * 1024 * 1024) }));
    return Promise.race([done, new Promise<number>((r) => setTimeout(() => r(-2), 5000))]);
  }));
  return { badCloses, hugeCloses };
}
