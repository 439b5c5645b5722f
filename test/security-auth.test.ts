/**
 * Authentication and authorisation from the outside: every door of the server (REST routes, the
 * generic /api/ops door, terminal routes, /mcp, /ws, /ws/terminal) is tried with credentials that must
 * not work and with a real session's token against resources of other sessions. Refusals must leave
 * the stored state untouched; positive controls (the owner secret, a live token) keep the refusals honest.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSecret } from '../src/security/secret.js';
import { waitFor } from './helpers.js';
import { FAST_TIMING } from './pty-support.js';
import {
  MCP_HEADERS,
  bearer,
  endpoints,
  mcpRequest,
  openWs,
  rawRequest,
  seedWorld,
  stateOf,
  type SecurityWorld,
} from './security-support.js';

/** Credentials that must all be refused with 401, whatever the door. */
const BAD_CREDENTIALS: Array<[string, (w: SecurityWorld) => Record<string, string>]> = [
  ['no credential', () => ({})],
  ['a wrong token', () => bearer(randomBytes(32).toString('base64url'))],
  ['the owner secret with one character changed', (w) => bearer(w.secret.slice(0, -1) + (w.secret.endsWith('A') ? 'B' : 'A'))],
  ['X-Maestro-Session alone', (w) => ({ 'x-maestro-session': w.sessions.worker.id })],
  ["a stopped session's token", (w) => bearer(w.tokens.stopped)],
];

const refusalProblem = (status: number, json: any, headers: Record<string, unknown>): string | null => {
  if (status !== 401) return `status ${status}`;
  if (json?.error?.code !== 'unauthorized') return `body ${JSON.stringify(json)}`;
  if (!/^Bearer realm="maestro"/i.test(String(headers['www-authenticate'] ?? ''))) return 'no WWW-Authenticate: Bearer realm="maestro"';
  return null;
};

describe('a server without the supervisor', () => {
  let w: SecurityWorld;
  beforeAll(async () => {
    w = await seedWorld();
  });
  afterAll(async () => {
    await w?.dispose();
  });

  for (const [name, credential] of BAD_CREDENTIALS) {
    it(`${name}: 401 on every REST route, op, terminal route and MCP call, and nothing changes`, async () => {
      const before = stateOf(w.svc);
      const problems: string[] = [];
      for (const e of endpoints(w)) {
        const res = await rawRequest(w.url, { method: e.method, path: e.path, body: e.body, headers: { ...e.headers, ...credential(w) } });
        const problem = refusalProblem(res.status, res.json, res.headers);
        if (problem) problems.push(`${e.label}: ${problem}`);
      }
      expect(problems).toEqual([]);
      expect(stateOf(w.svc)).toBe(before);
    });

    it(`${name}: the /ws and /ws/terminal upgrades get an HTTP 401`, async () => {
      for (const path of ['/ws', `/ws/terminal/${w.sessions.target.id}`]) {
        const outcome = await openWs(w.url, path, credential(w));
        if (outcome.opened) outcome.ws.terminate();
        expect(outcome.opened ? 'upgraded' : outcome.status, path).toBe(401);
      }
    });
  }

  it('positive controls: a live worker token, the owner secret, and the owner acting as a session', async () => {
    const asWorker = await rawRequest(w.url, { path: '/api/whoami', headers: bearer(w.tokens.worker) });
    expect(asWorker.status).toBe(200);
    expect(asWorker.json).toMatchObject({ kind: 'session', session: { id: w.sessions.worker.id, role: 'worker' } });
    const owner = await rawRequest(w.url, { path: '/api/whoami', headers: bearer(w.secret) });
    expect(owner.json).toMatchObject({ kind: 'user' });
    const ownerAs = await rawRequest(w.url, { path: '/api/whoami', headers: { ...bearer(w.secret), 'x-maestro-session': w.sessions.worker.id } });
    expect(ownerAs.json).toMatchObject({ kind: 'session', session: { id: w.sessions.worker.id } });
    const events = await openWs(w.url, '/ws', bearer(w.secret));
    expect(events.opened).toBe(true);
    if (events.opened) {
      await waitFor(() => events.frames.some((f) => f.type === 'hello'), 5000, 'hello frame');
      events.ws.close();
    }
    const mcp = await rawRequest(w.url, { method: 'POST', path: '/mcp', body: mcpRequest('tools/list'), headers: { ...MCP_HEADERS, ...bearer(w.tokens.worker) } });
    expect(mcp.status).toBe(200);
    const tools: string[] = mcp.json.result.tools.map((t: any) => t.name);
    expect(tools).toContain('whoami');
    expect(tools).not.toContain('session_stop'); // a worker's tool set
  });

  it("a session's token cannot reach what its role does not allow (403/404), and nothing changes", async () => {
    const { sessions: s, tasks: t, tokens } = w;
    const attacks: Array<[string, keyof SecurityWorld['tokens'], string, string, unknown?]> = [
      ['worker stops the orchestrator', 'worker', 'POST', `/api/sessions/${s.orchestrator.id}/stop`, {}],
      ['worker stops its sibling', 'otherWorker', 'POST', `/api/sessions/${s.worker.id}/stop`, {}],
      ['worker stops the orchestrator via ops', 'worker', 'POST', '/api/ops/session_stop', { sessionId: s.orchestrator.id }],
      ['orchestrator stops a session it did not spawn', 'orchestrator', 'POST', `/api/sessions/${s.loner.id}/stop`, {}],
      ["worker reads another worker's session", 'worker', 'GET', `/api/sessions/${s.otherWorker.id}`],
      ["worker reads another worker's timeline", 'worker', 'GET', `/api/sessions/${s.otherWorker.id}/timeline`],
      ["worker reads another worker's manifest", 'worker', 'GET', `/api/manifest?sessionId=${s.otherWorker.id}`],
      ["worker rewrites another worker's manifest", 'worker', 'POST', '/api/manifest', { sessionId: s.otherWorker.id }],
      ["worker lists another session's queue", 'worker', 'GET', `/api/queue?sessionId=${s.queue.id}`],
      ["worker starts another session's queue", 'worker', 'POST', '/api/queue/start', { sessionId: s.queue.id }],
      ["worker renames another worker's task", 'worker', 'PATCH', `/api/tasks/${t.b.id}`, { title: 'hijacked' }],
      ["worker completes another worker's task", 'worker', 'POST', `/api/tasks/${t.b.id}/complete`, {}],
      ['worker reports as another worker', 'worker', 'POST', '/api/reports/progress', { sessionId: s.otherWorker.id, message: 'x' }],
      ["worker reports another worker's task done", 'worker', 'POST', '/api/reports/complete', { taskId: t.b.id, message: 'x' }],
      ['worker creates a top-level task', 'worker', 'POST', '/api/tasks', { project: w.project.id, title: 'x' }],
      ['worker lists sessions', 'worker', 'GET', '/api/sessions'],
      ['worker spawns a session', 'worker', 'POST', '/api/sessions', { taskIds: [] }],
      ['worker creates a project', 'worker', 'POST', '/api/projects', { name: 'evil', workingDir: w.workdir }],
      ['orchestrator renames the project', 'orchestrator', 'PATCH', `/api/projects/${w.project.id}`, { name: 'evil' }],
      ['orchestrator deletes its project', 'orchestrator', 'DELETE', `/api/projects/${w.project.id}`],
      ['worker deletes another project', 'worker', 'DELETE', `/api/projects/${w.otherProject.id}`],
      ['orchestrator creates a template', 'orchestrator', 'POST', '/api/templates', { name: 'evil', agentCommand: 'sh -c id' }],
      ['worker reads a task of another project', 'worker', 'GET', `/api/tasks/${t.foreign.id}`],
      ['orchestrator reads a session of another project', 'orchestrator', 'GET', `/api/sessions/${s.foreign.id}`],
      ['orchestrator spawns into another project', 'orchestrator', 'POST', '/api/sessions', { project: w.otherProject.id, taskIds: [] }],
      ['orchestrator queues a task of another project', 'orchestrator', 'POST', '/api/queue/add', { sessionId: s.queue.id, taskIds: [t.foreign.id] }],
    ];
    const before = stateOf(w.svc);
    const problems: string[] = [];
    for (const [what, who, method, path, body] of attacks) {
      const res = await rawRequest(w.url, { method, path, body, headers: bearer(tokens[who]) });
      if (![403, 404].includes(res.status) || !['forbidden', 'not_found'].includes(res.json?.error?.code)) problems.push(`${what}: ${res.status} ${res.body.slice(0, 160)}`);
    }
    // A token names its session; X-Maestro-Session cannot swap in another one.
    const swapped = await rawRequest(w.url, { path: '/api/whoami', headers: { ...bearer(tokens.worker), 'x-maestro-session': s.otherWorker.id } });
    if (![401, 403].includes(swapped.status)) problems.push(`token + X-Maestro-Session of another session: ${swapped.status} ${swapped.body.slice(0, 160)}`);
    // Over MCP the worker has no session_stop; calling it anyway must fail.
    const mcp = await rawRequest(w.url, {
      method: 'POST',
      path: '/mcp',
      body: mcpRequest('tools/call', { name: 'session_stop', arguments: { sessionId: s.orchestrator.id } }),
      headers: { ...MCP_HEADERS, ...bearer(tokens.worker) },
    });
    if (!(mcp.json?.result?.isError === true || mcp.json?.error)) problems.push(`MCP session_stop by a worker: ${mcp.status} ${mcp.body.slice(0, 160)}`);
    expect(problems).toEqual([]);
    expect(stateOf(w.svc)).toBe(before);
    expect(w.svc.sessions.get(s.orchestrator.id).status).not.toBe('stopped');

    // Positive controls: the same kind of calls within one's rights succeed.
    const ownChild = await rawRequest(w.url, { method: 'POST', path: `/api/sessions/${s.child.id}/stop`, body: {}, headers: bearer(tokens.orchestrator) });
    expect(ownChild.status).toBe(200);
    expect(w.svc.sessions.get(s.child.id).status).toBe('stopped');
    const ownTask = await rawRequest(w.url, { method: 'PATCH', path: `/api/tasks/${t.a.id}`, body: { priority: 'high' }, headers: bearer(tokens.worker) });
    expect(ownTask.status).toBe(200);
  });

  it('a session token neither signs a browser in as the owner nor rotates the secret', async () => {
    const login = (token: string) => rawRequest(w.url, { method: 'POST', path: '/api/auth/login', body: { token } });
    for (const token of [w.tokens.worker, w.tokens.orchestrator, w.tokens.stopped]) {
      const res = await login(token);
      expect(res.status).toBe(401);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect((await rawRequest(w.url, { method: 'POST', path: '/api/auth/rotate', body: {} })).status).toBe(401);
    expect((await rawRequest(w.url, { method: 'POST', path: '/api/auth/rotate', body: {}, headers: bearer(w.tokens.orchestrator) })).status).toBe(403);
    expect(readSecret(w.home)).toBe(w.secret);
    // Positive control: the owner secret gets a cookie that works.
    const owner = await login(w.secret);
    expect(owner.status).toBe(204);
    const cookie = String(owner.headers['set-cookie']?.[0] ?? '');
    expect(cookie).toMatch(new RegExp(`^maestro_auth_${new URL(w.url).port}=.+HttpOnly.*SameSite=Strict`, 'i'));
    const who = await rawRequest(w.url, { path: '/api/whoami', headers: { cookie: cookie.split(';')[0]! } });
    expect(who.json).toMatchObject({ kind: 'user' });
  });

  it("the /ws event stream does not show a worker other sessions' reports or other projects' tasks", async () => {
    const watch = async (headers: Record<string, string>) => {
      const socket = await openWs(w.url, '/ws', headers);
      if (socket.opened) await waitFor(() => socket.frames.some((f) => f.type === 'hello'), 5000, 'hello');
      return socket;
    };
    const owner = await watch(bearer(w.secret));
    const worker = await watch(bearer(w.tokens.worker));
    w.svc.report(w.sessions.otherWorker.id, 'progress', 'sibling-private-report');
    w.svc.tasks.create({ projectId: w.otherProject.id, title: 'other-project-private-task' });
    // Positive control: the owner's stream carries both events, so the worker's would have by now too.
    if (!owner.opened) throw new Error('the owner was refused /ws');
    await waitFor(() => owner.frames.filter((f) => /private/.test(JSON.stringify(f))).length >= 2, 5000, 'both events on the owner stream');
    await new Promise((r) => setTimeout(r, 100));
    owner.ws.close();
    if (!worker.opened) return; // refusing session tokens on /ws is fine
    worker.ws.close();
    expect(worker.frames.map((f) => JSON.stringify(f)).filter((f) => /private/.test(f))).toEqual([]);
  });

  it('only the owner sets agentCommand: an orchestrator gets 403 field agentCommand, and no session appears', async () => {
    const count = () => w.svc.sessions.list().length;
    const before = count();
    const spawn = { taskIds: [], agentCommand: 'sh -c "id > /tmp/maestro-pwned"' };
    const rest = await rawRequest(w.url, { method: 'POST', path: '/api/sessions', body: spawn, headers: bearer(w.tokens.orchestrator) });
    expect(rest.status).toBe(403);
    expect(rest.json.error).toMatchObject({ code: 'forbidden', field: 'agentCommand' });
    const ops = await rawRequest(w.url, { method: 'POST', path: '/api/ops/session_spawn', body: spawn, headers: bearer(w.tokens.orchestrator) });
    expect(ops.status).toBe(403);
    expect(ops.json.error).toMatchObject({ code: 'forbidden', field: 'agentCommand' });
    const mcp = await rawRequest(w.url, {
      method: 'POST',
      path: '/mcp',
      body: mcpRequest('tools/call', { name: 'session_spawn', arguments: spawn }),
      headers: { ...MCP_HEADERS, ...bearer(w.tokens.orchestrator) },
    });
    expect(mcp.json?.result?.isError === true || mcp.json?.error !== undefined).toBe(true);
    expect(count()).toBe(before);
    // Positive control: without agentCommand the orchestrator may spawn.
    const plain = await rawRequest(w.url, { method: 'POST', path: '/api/sessions', body: { taskIds: [] }, headers: bearer(w.tokens.orchestrator) });
    expect(plain.status).toBe(201);
  });

  // Last: the owner's pass changes the world (stops the target, completes the free task, …).
  it('positive control: the owner secret opens every door (never 401/403, never 5xx)', async () => {
    const problems: string[] = [];
    for (const e of endpoints(w)) {
      const res = await rawRequest(w.url, { method: e.method, path: e.path, body: e.body, headers: { ...e.headers, ...bearer(w.secret) } });
      if ([401, 403].includes(res.status) || res.status >= 500) problems.push(`${e.label}: ${res.status} ${res.body.slice(0, 160)}`);
    }
    expect(problems).toEqual([]);
  });
});

describe('terminals of live agents (supervisor on)', () => {
  let w: SecurityWorld;
  const screenOf = (id: string) => w.server.supervisor!.screen(id);
  beforeAll(async () => {
    w = await seedWorld({ supervisor: true, supervisorTiming: FAST_TIMING });
    await waitFor(() => w.server.supervisor!.isLive(w.sessions.otherWorker.id), 10_000, 'the victim agent to run');
  });
  afterAll(async () => {
    await w?.dispose();
  });

  it('nobody but the owner, the session itself or its orchestrator types into or reads a terminal', async () => {
    const victim = w.sessions.otherWorker.id;
    const problems: string[] = [];
    const input = (headers: Record<string, string>, data: string, id = victim) =>
      rawRequest(w.url, { method: 'POST', path: `/api/sessions/${id}/input`, body: { data }, headers });
    for (const [name, credential] of BAD_CREDENTIALS) {
      const typed = await input(credential(w), `attack-${name.length}\r`);
      if (typed.status !== 401) problems.push(`${name}: input ${typed.status}`);
      for (const route of ['screen', 'recording']) {
        const read = await rawRequest(w.url, { path: `/api/sessions/${victim}/${route}`, headers: credential(w) });
        if (read.status !== 401) problems.push(`${name}: ${route} ${read.status}`);
      }
      const socket = await openWs(w.url, `/ws/terminal/${victim}`, credential(w));
      if (socket.opened) socket.ws.terminate();
      if (socket.opened || socket.status !== 401) problems.push(`${name}: terminal socket ${socket.opened ? 'upgraded' : socket.status}`);
    }
    // A worker's token against its sibling's terminal; an orchestrator's against a session it did not spawn.
    for (const [who, target] of [['worker', victim], ['orchestrator', w.sessions.loner.id]] as const) {
      const typed = await input(bearer(w.tokens[who]), 'attack-token\r', target);
      if (![403, 404].includes(typed.status)) problems.push(`${who} types into ${target}: ${typed.status}`);
      const socket = await openWs(w.url, `/ws/terminal/${target}`, bearer(w.tokens[who]));
      if (socket.opened) {
        // Refusing after the upgrade is acceptable only if nothing of the terminal is sent and typing does nothing.
        socket.ws.send(JSON.stringify({ type: 'input', data: 'attack-socket\r' }));
        await socket.closed;
        if (socket.frames.some((f) => f.type === 'snapshot' || f.type === 'output')) problems.push(`${who} got ${target}'s terminal over the socket`);
      } else if (![403, 404].includes(socket.status)) problems.push(`${who} terminal socket on ${target}: ${socket.status}`);
    }
    for (const route of ['screen', 'recording']) {
      const read = await rawRequest(w.url, { path: `/api/sessions/${victim}/${route}`, headers: bearer(w.tokens.worker) });
      if (![403, 404].includes(read.status)) problems.push(`worker reads sibling's ${route}: ${read.status}`);
    }
    expect(problems).toEqual([]);

    // Positive controls: the owner's keys arrive (so earlier keys would have arrived too, input is in order);
    // the orchestrator reads its child's screen; a worker types into its own terminal.
    for (const id of [victim, w.sessions.loner.id]) {
      expect((await input(bearer(w.secret), 'owner-mark\r', id)).status).toBe(200);
      const screen = await waitFor(async () => ((await screenOf(id)).includes('owner-mark') ? screenOf(id) : null), 10_000, 'owner-mark on screen');
      expect(screen).not.toContain('attack');
    }
    expect((await rawRequest(w.url, { path: `/api/sessions/${victim}/screen`, headers: bearer(w.tokens.orchestrator) })).status).toBe(200);
    expect((await input(bearer(w.tokens.worker), 'self-mark\r', w.sessions.worker.id)).status).toBe(200);
    await waitFor(async () => (await screenOf(w.sessions.worker.id)).includes('self-mark'), 10_000, 'self-mark on screen');
  });

  it("an orchestrator cannot choose the agent command through the spawned session's environment (MAESTRO_AGENT_CMD)", async () => {
    const marker = join(w.home, 'pwned-by-env');
    const res = await rawRequest(w.url, {
      method: 'POST',
      path: '/api/sessions',
      body: { taskIds: [], env: { MAESTRO_AGENT_CMD: `sh -c 'touch ${marker}; cat'` } },
      headers: bearer(w.tokens.orchestrator),
    });
    // Refusing the spawn is fine; accepting it (or failing to launch) is fine only if the command it names never runs.
    expect([201, 400, 403, 422]).toContain(res.status);
    const deadline = Date.now() + 3000;
    while (res.status === 201 && Date.now() < deadline && !existsSync(marker)) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(marker)).toBe(false);
  });
});
