/**
 * Notifications end to end: a real server (supervisor off) with its webhook sender, sessions spawned and
 * reporting through the REST API with their own tokens, and a local HTTP server in the test receiving the
 * webhooks. Signatures are checked here with node:crypto (not the product's own helper), retries are timed,
 * and the CLI runs as the real binary.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notifications } from '../src/notify/index.js';
import { ownerApi, requestJson, runCli, startTestServer, tempHome, waitFor, type TestServer } from './helpers.js';
import { callTool, connectHttp } from './mcp-support.js';

// ---- the receiving end -----------------------------------------------------------------------------------

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/**
 * A webhook receiver: records every request; answers by path: /ok/… 200, /flaky/… 500 the first time then
 * 200, /down/… always 503, /missing/… 404, /moved/… a 302 to /ok/moved-target, /slow/… never.
 */
async function startReceiver() {
  const requests: Received[] = [];
  const seen = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      const path = req.url ?? '/';
      requests.push({ path, headers: req.headers, body, at: Date.now() });
      const n = (seen.get(path) ?? 0) + 1;
      seen.set(path, n);
      if (path.startsWith('/slow/')) return; // never answers: the sender's timeout ends it
      const status = path.startsWith('/flaky/') ? (n === 1 ? 500 : 200) : path.startsWith('/down/') ? 503 : path.startsWith('/missing/') ? 404 : path.startsWith('/moved/') ? 302 : 200;
      res.writeHead(status, status === 302 ? { location: '/ok/moved-target' } : {}).end(status === 200 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    at: (path: string) => requests.filter((r) => r.path === path),
    all: () => requests,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** What a receiver does with the secret it was given: recompute the HMAC of "<timestamp>.<raw body>". */
function signatureOk(secret: string, r: { headers: IncomingHttpHeaders; body: string }): boolean {
  const ts = String(r.headers['x-maestro-timestamp']);
  const expected = `sha256=${createHmac('sha256', secret).update(`${ts}.${r.body}`).digest('hex')}`;
  return r.headers['x-maestro-signature'] === expected;
}

// ---- the server side -------------------------------------------------------------------------------------

const RETRY_BASE_MS = 60;
const TIMEOUT_MS = 400;
let server: TestServer;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let unique = 0;
const uid = (label: string) => `${label}-${process.pid}-${++unique}`;

/** A REST call with a session's token (or none). */
async function asToken(token: string | null, method: string, path: string, body?: unknown) {
  return requestJson(server.url + path, method, body, token ? { authorization: `Bearer ${token}` } : {});
}

async function owner<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await ownerApi<T>(server, method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function project(label: string) {
  return owner<{ id: string; name: string; workingDir: string }>('POST', '/api/projects', { name: uid(label), workingDir: tempHome('maestro-notify-project-') });
}

/** A project, a task and a worker session on it (spawned through the server), with the session's token. */
async function workerOn(label: string) {
  const p = await project(label);
  const task = await owner<{ id: string; title: string }>('POST', '/api/tasks', { project: p.id, title: `Task of ${label}` });
  const spawned = await owner<{ session: { id: string; name: string } }>('POST', '/api/sessions', { project: p.id, taskIds: [task.id], name: uid(`w-${label}`) });
  const token = server.svc.sessions.token(spawned.session.id);
  const report = async (kind: string, message: string) => {
    const res = await asToken(token, 'POST', `/api/reports/${kind}`, { message });
    expect(res.status, res.text).toBe(200);
  };
  return { project: p, task, session: spawned.session, token, report };
}

async function addHook(input: Record<string, unknown>) {
  const res = await ownerApi(server, 'POST', '/api/notify/webhooks', input);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; secret: string; projectId: string | null; url: string; on: string[]; format: string };
}

const idle = () => (server.svc.notifier as Notifications).idle();

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startTestServer({ notify: { retryBaseMs: RETRY_BASE_MS, timeoutMs: TIMEOUT_MS } });
});

afterAll(async () => {
  await server?.dispose();
  await receiver?.close();
});

describe('webhooks: sessions reporting produce signed notifications', () => {
  it('needs_input, blocked, error and complete each give exactly one delivery with session, task, question and link; project vs global', async () => {
    const w = await workerOn('flow');
    const other = await project('other');
    const globalPath = `/ok/${uid('global')}`;
    const projectPath = `/ok/${uid('project')}`;
    const otherPath = `/ok/${uid('other')}`;
    const global = await addHook({ url: receiver.base + globalPath, on: ['needs_input', 'blocked', 'error', 'completed'] });
    const own = await addHook({ url: receiver.base + projectPath, on: ['needs_input'], project: w.project.name });
    await addHook({ url: receiver.base + otherPath, on: ['needs_input', 'blocked', 'error', 'completed'], project: other.id });
    expect(global.projectId).toBeNull();
    expect(own.projectId).toBe(w.project.id);
    expect(global.secret).toMatch(/^[0-9a-f]{64}$/);

    await w.report('needs_input', 'Which database: Postgres or SQLite?');
    await w.report('needs_input', 'Which database: Postgres or SQLite? (asking again)'); // no new transition
    await w.report('progress', 'going with SQLite');
    await w.report('blocked', 'waiting for the API key');
    await w.report('error', 'the build crashed: out of memory');
    await w.report('complete', 'all done');
    await waitFor(() => receiver.at(globalPath).length >= 4, 10_000, '4 global deliveries');
    await idle();

    const got = receiver.at(globalPath);
    expect(got.map((r) => r.headers['x-maestro-event'])).toEqual(['needs_input', 'blocked', 'error', 'completed']);
    const bodies = got.map((r) => JSON.parse(r.body));
    for (const [i, r] of got.entries()) {
      expect(signatureOk(global.secret, r), 'signature').toBe(true);
      // A changed body (or a wrong secret) fails the same check.
      expect(signatureOk(global.secret, { ...r, body: r.body.replace('"event"', '"evenT"') })).toBe(false);
      expect(signatureOk('0'.repeat(64), r)).toBe(false);
      expect(Math.abs(Number(r.headers['x-maestro-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
      expect(r.headers['x-maestro-delivery']).toMatch(/^whd_/);
      expect(r.headers['content-type']).toBe('application/json');
      const b = bodies[i];
      expect(b.project).toEqual({ id: w.project.id, name: w.project.name });
      expect(b.session).toMatchObject({ id: w.session.id, name: w.session.name, role: 'worker' });
      expect(b.task).toEqual({ id: w.task.id, title: w.task.title });
      expect(b.link).toBe(`${server.url}/sessions/${w.session.id}`);
      expect(Number.isNaN(Date.parse(b.time))).toBe(false);
    }
    expect(bodies.map((b) => [b.event, b.message, b.session.status])).toEqual([
      ['needs_input', 'Which database: Postgres or SQLite?', 'needs_input'],
      ['blocked', 'waiting for the API key', 'blocked'],
      ['error', 'the build crashed: out of memory', 'blocked'],
      ['completed', 'all done', 'completed'],
    ]);
    // The project's own webhook got its one event; another project's got nothing.
    expect(receiver.at(projectPath).map((r) => JSON.parse(r.body).event)).toEqual(['needs_input']);
    expect(signatureOk(own.secret, receiver.at(projectPath)[0]!)).toBe(true);
    expect(receiver.at(otherPath)).toHaveLength(0);

    // notify.list: secrets masked, the last delivery of each, matching what the receiver saw.
    const listed = await owner<any[]>('GET', '/api/notify/webhooks');
    const g = listed.find((h) => h.id === global.id);
    expect(g.secret).toBe(`…${global.secret.slice(-4)}`);
    expect(JSON.stringify(listed)).not.toContain(global.secret);
    expect(g.lastDelivery).toMatchObject({ event: 'completed', status: 'delivered', attempts: 1, httpStatus: 200, error: null, sessionId: w.session.id });
    expect(g.lastDelivery.id).toBe(got[3]!.headers['x-maestro-delivery']);
    // Filtered by project: its own and the global ones only.
    const forProject = await owner<any[]>('GET', `/api/notify/webhooks?project=${encodeURIComponent(w.project.name)}`);
    expect(forProject.every((h) => h.projectId === null || h.projectId === w.project.id)).toBe(true);
    expect(forProject.map((h) => h.id)).toEqual(expect.arrayContaining([global.id, own.id]));
  });

  it('a failed session (its agent exited) is an error notification with the exit code', async () => {
    const w = await workerOn('exit');
    const path = `/ok/${uid('exit')}`;
    const hook = await addHook({ url: receiver.base + path, on: ['error'], project: w.project.id });
    server.svc.sessions.setStatus(w.session.id, 'failed', { exitCode: 3 });
    await waitFor(() => receiver.at(path).length >= 1, 10_000, 'the error delivery');
    await idle();
    const [r] = receiver.at(path);
    expect(receiver.at(path)).toHaveLength(1);
    expect(signatureOk(hook.secret, r!)).toBe(true);
    const b = JSON.parse(r!.body);
    expect(b).toMatchObject({ event: 'error', message: 'the agent exited with code 3', session: { id: w.session.id, status: 'failed' }, task: { id: w.task.id } });
  });

  it('retries a 500 then succeeds; a 404 and a redirect are not retried; a dead receiver gets 5 attempts with doubling waits', async () => {
    const w = await workerOn('retry');
    const flaky = `/flaky/${uid('f')}`;
    const missing = `/missing/${uid('m')}`;
    const moved = `/moved/${uid('r')}`;
    const down = `/down/${uid('d')}`;
    const hooks = {
      flaky: await addHook({ url: receiver.base + flaky, on: ['needs_input'], project: w.project.id }),
      missing: await addHook({ url: receiver.base + missing, on: ['needs_input'], project: w.project.id }),
      moved: await addHook({ url: receiver.base + moved, on: ['needs_input'], project: w.project.id }),
      down: await addHook({ url: receiver.base + down, on: ['needs_input'], project: w.project.id }),
    };
    const started = Date.now();
    await w.report('needs_input', 'retry me?');
    await waitFor(() => receiver.at(down).length >= 5, 15_000, '5 attempts at the dead receiver');
    await idle();

    expect(receiver.at(flaky)).toHaveLength(2);
    expect(receiver.at(missing)).toHaveLength(1);
    expect(receiver.at(moved)).toHaveLength(1);
    expect(receiver.at('/ok/moved-target')).toHaveLength(0);
    expect(receiver.at(down)).toHaveLength(5);
    // Every attempt signed, with the same delivery id; each is signed afresh.
    for (const r of [...receiver.at(flaky), ...receiver.at(down)]) expect(signatureOk(r.path === flaky ? hooks.flaky.secret : hooks.down.secret, r)).toBe(true);
    expect(new Set(receiver.at(down).map((r) => r.headers['x-maestro-delivery'])).size).toBe(1);
    // Exponential backoff: waits of about base, 2 base, 4 base, 8 base.
    const at = receiver.at(down).map((r) => r.at);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    gaps.forEach((gap, i) => expect(gap, `wait before attempt ${i + 2}`).toBeGreaterThanOrEqual(RETRY_BASE_MS * 2 ** i - 5));
    expect(gaps[3]!).toBeGreaterThan(gaps[0]! * 3);
    expect(receiver.at(flaky)[1]!.at - receiver.at(flaky)[0]!.at).toBeGreaterThanOrEqual(RETRY_BASE_MS - 5);
    expect(Date.now() - started).toBeLessThan(10_000);

    const listed = new Map((await owner<any[]>('GET', `/api/notify/webhooks?project=${w.project.id}`)).map((h) => [h.id, h.lastDelivery]));
    expect(listed.get(hooks.flaky.id)).toMatchObject({ status: 'delivered', attempts: 2, httpStatus: 200, error: null });
    expect(listed.get(hooks.missing.id)).toMatchObject({ status: 'failed', attempts: 1, httpStatus: 404 });
    expect(listed.get(hooks.moved.id)).toMatchObject({ status: 'failed', attempts: 1, httpStatus: 302 });
    expect(listed.get(hooks.moved.id).error).toContain('redirect');
    expect(listed.get(hooks.down.id)).toMatchObject({ status: 'failed', attempts: 5, httpStatus: 503 });
  });

  it('a receiver that never answers times out, and is retried like a network error', async () => {
    const w = await workerOn('timeout');
    const slow = `/slow/${uid('s')}`;
    const hook = await addHook({ url: receiver.base + slow, on: ['blocked'], project: w.project.id });
    const t0 = Date.now();
    await w.report('blocked', 'nobody answers');
    // The operation itself is not held up by the receiver.
    expect(Date.now() - t0).toBeLessThan(TIMEOUT_MS);
    await waitFor(() => receiver.at(slow).length >= 5, 15_000, '5 timed-out attempts');
    await idle();
    expect(receiver.at(slow)).toHaveLength(5);
    const last = (await owner<any[]>('GET', `/api/notify/webhooks?project=${w.project.id}`)).find((h) => h.id === hook.id).lastDelivery;
    expect(last).toMatchObject({ status: 'failed', attempts: 5, httpStatus: null, error: `timed out after ${TIMEOUT_MS} ms` });
  });

  it('Slack, Discord and ntfy shapes', async () => {
    const w = await workerOn('formats');
    const paths = { slack: `/ok/${uid('slack')}`, discord: `/ok/${uid('discord')}`, ntfy: `/ok/${uid('ntfy')}` };
    const hooks = Object.fromEntries(
      await Promise.all(
        Object.entries(paths).map(async ([format, path]) => [format, await addHook({ url: receiver.base + path, on: ['blocked'], format, project: w.project.id })] as const),
      ),
    );
    await w.report('blocked', 'need the staging database password');
    await waitFor(() => Object.values(paths).every((p) => receiver.at(p).length === 1), 10_000, 'one delivery per format');
    const link = `${server.url}/sessions/${w.session.id}`;

    const slack = receiver.at(paths.slack)[0]!;
    expect(signatureOk(hooks.slack!.secret, slack)).toBe(true);
    const s = JSON.parse(slack.body);
    expect(Object.keys(s).sort()).toEqual(['blocks', 'text']);
    expect(s.text).toContain('need the staging database password');
    expect(s.text).toContain(link);
    expect(s.blocks[0]).toMatchObject({ type: 'section', text: { type: 'mrkdwn' } });
    expect(JSON.stringify(s.blocks)).toContain(w.task.title);
    expect(JSON.stringify(s.blocks)).toContain(`<${link}|`);

    const discord = receiver.at(paths.discord)[0]!;
    expect(signatureOk(hooks.discord!.secret, discord)).toBe(true);
    const d = JSON.parse(discord.body);
    expect(d.content).toContain(w.session.name);
    expect(d.embeds).toHaveLength(1);
    expect(d.embeds[0]).toMatchObject({ description: 'need the staging database password', url: link });
    expect(d.embeds[0].fields.map((f: any) => f.name)).toEqual(['Project', 'Session', 'Task']);
    expect(typeof d.embeds[0].color).toBe('number');

    const ntfy = receiver.at(paths.ntfy)[0]!;
    expect(signatureOk(hooks.ntfy!.secret, ntfy)).toBe(true);
    expect(ntfy.headers['content-type']).toContain('text/plain');
    expect(ntfy.body.split('\n')[0]).toBe('need the staging database password');
    expect(ntfy.body).toContain(w.task.title);
    expect(ntfy.headers.title).toContain(w.session.name);
    expect(ntfy.headers.priority).toBe('high');
    expect(ntfy.headers.tags).toBeTruthy();
    expect(ntfy.headers.click).toBe(link);
    expect(ntfy.headers['x-maestro-event']).toBe('blocked');
  });
});

describe('webhooks: who may configure them, and bad input', () => {
  it('no credential: 401; a session calling notify_add (REST or MCP) is forbidden', async () => {
    for (const [method, path] of [
      ['GET', '/api/notify/webhooks'],
      ['POST', '/api/notify/webhooks'],
      ['POST', '/api/notify/webhooks/whk_x/test'],
    ] as const) {
      const res = await asToken(null, method, path, method === 'POST' ? { url: 'http://127.0.0.1/x', on: ['blocked'] } : undefined);
      expect(res.status, `${method} ${path}`).toBe(401);
    }
    const w = await workerOn('forbidden');
    const rest = await asToken(w.token, 'POST', '/api/notify/webhooks', { url: `${receiver.base}/ok/nope`, on: ['blocked'] });
    expect(rest.status).toBe(403);
    expect(rest.json.error.code).toBe('forbidden');
    expect((await asToken(w.token, 'GET', '/api/notify/webhooks')).status).toBe(403);
    const mcp = await connectHttp(server, { token: w.token });
    try {
      const tools = (await mcp.listTools()).tools.map((t) => t.name);
      expect(tools).not.toContain('notify_add');
      const outcome = await callTool(mcp, 'notify_add', { url: `${receiver.base}/ok/nope`, on: ['blocked'] });
      expect(outcome.isError).toBe(true);
    } finally {
      await mcp.close();
    }
    const owners = await connectHttp(server);
    try {
      expect((await owners.listTools()).tools.map((t) => t.name)).toEqual(expect.arrayContaining(['notify_add', 'notify_list', 'notify_remove', 'notify_test']));
    } finally {
      await owners.close();
    }
    expect(receiver.all().some((r) => r.path === '/ok/nope')).toBe(false);
    expect((await owner<any[]>('GET', '/api/notify/webhooks')).some((h) => h.url.endsWith('/ok/nope'))).toBe(false);
  });

  it('a bad url, event, format, secret or project is refused naming the field, and nothing is stored', async () => {
    const before = (await owner<any[]>('GET', '/api/notify/webhooks')).length;
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ url: 'ftp://example.com/hook', on: ['blocked'] }, 400, 'url'],
      [{ url: 'not a url', on: ['blocked'] }, 400, 'url'],
      [{ url: `http://x/${'a'.repeat(2000)}`, on: ['blocked'] }, 400, 'url'],
      [{ url: 'http://127.0.0.1/h', on: ['blocked', 'sleeping'] }, 400, 'on.1'],
      [{ url: 'http://127.0.0.1/h', on: [] }, 400, 'on'],
      [{ url: 'http://127.0.0.1/h' }, 400, 'on'],
      [{ url: 'http://127.0.0.1/h', on: ['blocked'], format: 'xml' }, 400, 'format'],
      [{ url: 'http://127.0.0.1/h', on: ['blocked'], secret: 'short' }, 400, 'secret'],
      [{ url: 'http://127.0.0.1/h', on: ['blocked'], project: 'no-such-project' }, 404, 'project'],
    ];
    for (const [input, status, field] of cases) {
      const res = await ownerApi<any>(server, 'POST', '/api/notify/webhooks', input);
      expect({ status: res.status, field: res.body.error?.field }, JSON.stringify(input).slice(0, 80)).toEqual({ status, field });
    }
    expect(await owner<any[]>('GET', '/api/notify/webhooks')).toHaveLength(before);
    const missing = await ownerApi<any>(server, 'DELETE', '/api/notify/webhooks/whk_missing');
    expect(missing.status).toBe(404);
    expect(missing.body.error.field).toBe('webhookId');
  });

  it('notify_test to a closed port fails quickly with the reason; to a live receiver it is delivered and signed', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const dead = await addHook({ url: `http://127.0.0.1:${closed}/hook`, on: ['completed'] });
    const t0 = Date.now();
    const failed = await owner<any>('POST', `/api/notify/webhooks/${dead.id}/test`, {});
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(failed).toMatchObject({ webhookId: dead.id, event: 'test', status: 'failed', attempts: 1, httpStatus: null, sessionId: null });
    expect(failed.error).toContain('ECONNREFUSED');

    const path = `/ok/${uid('test')}`;
    const live = await addHook({ url: receiver.base + path, on: ['completed'], secret: 'a-secret-of-my-own-choosing' });
    expect(live.secret).toBe('a-secret-of-my-own-choosing');
    const delivered = await owner<any>('POST', `/api/notify/webhooks/${live.id}/test`, {});
    expect(delivered).toMatchObject({ status: 'delivered', attempts: 1, httpStatus: 200, error: null });
    const [r] = receiver.at(path);
    expect(signatureOk('a-secret-of-my-own-choosing', r!)).toBe(true);
    expect(r!.headers['x-maestro-delivery']).toBe(delivered.id);
    expect(JSON.parse(r!.body)).toMatchObject({ event: 'test', session: null, task: null, link: server.url });

    for (const id of [dead.id, live.id]) expect((await owner<any>('DELETE', `/api/notify/webhooks/${id}`)).id).toBe(id);
    expect((await owner<any[]>('GET', '/api/notify/webhooks')).map((h) => h.id)).not.toContain(live.id);
  });
});

describe('maestro notify (the real binary)', () => {
  it('add, list, test, remove; a bad --on names the flag', async () => {
    const env = { MAESTRO_API_URL: server.url, MAESTRO_HOME: server.home };
    const p = await project('cli');
    const path = `/ok/${uid('cli')}`;
    const added = await runCli(['notify', 'add', receiver.base + path, '--on', 'needs_input,completed', '--project', p.name, '--format', 'slack', '--json'], env);
    expect(added.code, added.stderr).toBe(0);
    const hook = added.json();
    expect(hook).toMatchObject({ url: receiver.base + path, on: ['needs_input', 'completed'], format: 'slack', projectId: p.id, lastDelivery: null });
    expect(hook.secret).toMatch(/^[0-9a-f]{64}$/);

    const human = await runCli(['notify', 'add', `${receiver.base}/ok/${uid('cli-global')}`, '--on', 'blocked'], env);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^added whk_\w+ /);
    expect(human.stdout).toContain('every project (global)');
    expect(human.stdout).toMatch(/secret:\s+[0-9a-f]{64}/);

    const listed = await runCli(['notify', 'list', '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    const mine = listed.json<any[]>().find((h) => h.id === hook.id);
    expect(mine.secret).toBe(`…${hook.secret.slice(-4)}`);

    const tested = await runCli(['notify', 'test', hook.id], env);
    expect(tested.code, tested.stderr).toBe(0);
    expect(tested.stdout).toMatch(/^delivered: test delivered \(1 attempt, HTTP 200\)/);
    const [r] = receiver.at(path);
    expect(signatureOk(hook.secret, r!)).toBe(true);
    expect(Object.keys(JSON.parse(r!.body)).sort()).toEqual(['blocks', 'text']);

    const table = await runCli(['notify', 'list'], env);
    expect(table.stdout).toContain(hook.id);
    expect(table.stdout).toContain('test delivered');

    // Inside a project's directory a webhook is that project's; --global makes it every project's.
    const here = await runCli(['notify', 'add', `${receiver.base}/ok/${uid('cli-here')}`, '--on', 'blocked', '--json'], env, undefined, p.workingDir);
    expect(here.json().projectId).toBe(p.id);
    const global = await runCli(['notify', 'add', `${receiver.base}/ok/${uid('cli-g')}`, '--on', 'blocked', '--global', '--json'], env, undefined, p.workingDir);
    expect(global.json().projectId).toBeNull();
    const both = await runCli(['notify', 'add', `${receiver.base}/ok/x`, '--on', 'blocked', '--global', '--project', p.name], env);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--project or --global/);
    const listedHere = (await runCli(['notify', 'list', '--json'], env, undefined, p.workingDir)).json<any[]>();
    expect(listedHere.every((h) => h.projectId === null || h.projectId === p.id)).toBe(true);
    expect(listedHere.map((h) => h.id)).toEqual(expect.arrayContaining([here.json().id, global.json().id]));

    const bad = await runCli(['notify', 'add', 'http://127.0.0.1/x', '--on', 'blocked,nope'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--on');
    const badUrl = await runCli(['notify', 'add', 'gopher://x', '--on', 'blocked', '--json'], env);
    expect(badUrl.code).toBe(2);
    expect(badUrl.json().error).toMatchObject({ code: 'invalid_input', field: 'url' });

    const removed = await runCli(['notify', 'remove', hook.id], env);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain(`removed ${hook.id}`);
    const again = await runCli(['notify', 'remove', hook.id], env);
    expect(again.code).toBe(1);
  });
});
