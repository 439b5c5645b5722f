import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { send } from '../src/http/client.js';
import { ownerAuth, startTestServer, waitFor, type TestServer } from './helpers.js';

let server: TestServer;
const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const contentType: Record<string, string> = body !== undefined ? { 'content-type': 'application/json' } : {};
  // As the owner unless the test gives its own credential.
  const credential = headers.authorization !== undefined || headers['x-maestro-session'] !== undefined ? {} : ownerAuth(server.home);
  const res = await send(server.url + path, method, { ...credential, ...contentType, ...headers }, payload, 10_000);
  const text = res.text;
  return { status: res.status, body: text ? JSON.parse(text) : null };
};

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.dispose();
});

describe('REST API', () => {
  it('serves health and the whole task lifecycle', async () => {
    expect((await api('GET', '/health', undefined, { authorization: 'Bearer nothing-needed' })).body).toEqual({ ok: true });
    const project = await api('POST', '/api/projects', { name: 'web', workingDir: server.home });
    expect(project.status).toBe(201);
    const a = await api('POST', '/api/tasks', { project: 'web', title: 'A', priority: 'high' });
    expect(a.status).toBe(201);
    const b = await api('POST', '/api/tasks', { project: 'web', title: 'B', dependencies: [a.body.id] });
    const list = await api('GET', '/api/tasks?project=web&status=todo&ready=true');
    expect(list.body.tasks.map((t: any) => t.title)).toEqual(['A']);
    const patched = await api('PATCH', `/api/tasks/${b.body.id}`, { priority: 'critical', title: 'B2' });
    expect(patched.body).toMatchObject({ priority: 'critical', title: 'B2' });
    const done = await api('POST', `/api/tasks/${a.body.id}/complete`, {});
    expect(done.body.status).toBe('done');
    const tree = await api('GET', '/api/tasks/tree?project=web');
    expect(tree.body.map((n: any) => n.title)).toEqual(['A', 'B2']);
    const viaOps = await api('POST', '/api/ops/task_get', { taskId: b.body.id });
    expect(viaOps.body.ready).toBe(true);
    const status = await api('GET', '/api/status');
    expect(status.body.tasks).toMatchObject({ total: 2, byStatus: { done: 1, todo: 1 } });
  });

  it('keeps a numeric-looking project name a string in query parameters', async () => {
    await api('POST', '/api/projects', { name: '2024', workingDir: server.home });
    await api('POST', '/api/tasks', { project: '2024', title: 'yearly' });
    const list = await api('GET', '/api/tasks?project=2024');
    expect(list.status).toBe(200);
    expect(list.body.tasks.map((t: any) => t.title)).toEqual(['yearly']);
  });

  it('answers bad input with 4xx JSON {error:{code,message,field}} and stores nothing', async () => {
    const before = (await api('GET', '/api/tasks?project=web')).body.tasks.length;
    const cases: Array<[string, string, unknown, number, string, string | undefined]> = [
      ['POST', '/api/tasks', { project: 'web' }, 400, 'invalid_input', 'title'],
      ['POST', '/api/tasks', { project: 'web', title: 'x', priority: 'urgent' }, 400, 'invalid_input', 'priority'],
      ['POST', '/api/tasks', { project: 'nope', title: 'x' }, 404, 'not_found', 'project'],
      ['POST', '/api/tasks', '{"title": broken', 400, 'invalid_input', undefined],
      ['POST', '/api/tasks', '[1,2]', 400, 'invalid_input', undefined],
      ['GET', '/api/tasks/tsk_missing', undefined, 404, 'not_found', 'taskId'],
      ['GET', '/api/tasks?project=web&ready=maybe', undefined, 400, 'invalid_input', 'ready'],
      ['GET', '/api/tasks?project=web&status=todo,sleeping', undefined, 400, 'invalid_input', 'status.1'],
      ['GET', '/api/nothing-here', undefined, 404, 'not_found', undefined],
      ['POST', '/api/ops/no_such_tool', {}, 404, 'not_found', undefined],
      ['POST', '/api/reports/progress', { message: 'hi' }, 400, 'invalid_input', 'sessionId'],
    ];
    for (const [method, path, body, status, code, field] of cases) {
      const res = await api(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(status);
      expect(res.body.error.code, `${method} ${path}`).toBe(code);
      expect(typeof res.body.error.message).toBe('string');
      if (field) expect(res.body.error.field, `${method} ${path}`).toBe(field);
    }
    expect((await api('GET', '/api/tasks?project=web')).body.tasks.length).toBe(before);
  });

  it('identifies sessions by bearer token or header and enforces their role', async () => {
    const task = (await api('POST', '/api/tasks', { project: 'web', title: 'mine' })).body;
    const other = (await api('POST', '/api/tasks', { project: 'web', title: 'theirs' })).body;
    const spawned = await api('POST', '/api/sessions', { project: 'web', taskIds: [task.id] });
    expect(spawned.status).toBe(201);
    const id = spawned.body.session.id;
    const token = server.svc.sessions.token(id);
    const who = await api('GET', '/api/whoami', undefined, { authorization: `Bearer ${token}` });
    expect(who.body).toMatchObject({ kind: 'session', session: { id, role: 'worker' } });
    // The owner may act as a session by naming it; a session id alone proves nothing.
    const byHeader = await api('GET', '/api/whoami', undefined, { ...ownerAuth(server.home), 'x-maestro-session': id });
    expect(byHeader.body.session.id).toBe(id);
    const idAlone = await api('GET', '/api/whoami', undefined, { 'x-maestro-session': id });
    expect(idAlone.status).toBe(401);
    const bad = await api('GET', '/api/whoami', undefined, { authorization: 'Bearer nope' });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('unauthorized');
    const denied = await api('POST', '/api/sessions', { taskIds: [other.id] }, { authorization: `Bearer ${token}` });
    expect(denied.status).toBe(403);
    const notMine = await api('POST', `/api/tasks/${other.id}/complete`, {}, { authorization: `Bearer ${token}` });
    expect(notMine.status).toBe(403);
    expect(notMine.body.error.field).toBe('taskId');
    const report = await api('POST', '/api/reports/progress', { message: 'working' }, { authorization: `Bearer ${token}` });
    expect(report.body.task.status).toBe('in_progress');
    const info = await api('GET', `/api/sessions/${id}`);
    expect(info.body.lastReport.message).toBe('working');
  });

  it('streams every bus event over /ws', async () => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws`, { headers: ownerAuth(server.home) });
    const messages: any[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(String(data))));
    await waitFor(() => messages.some((m) => m.type === 'hello'));
    const created = (await api('POST', '/api/tasks', { project: 'web', title: 'live' })).body;
    await api('PATCH', `/api/tasks/${created.id}`, { status: 'in_progress' });
    const events = await waitFor(() => {
      const forTask = messages.filter((m) => m.type === 'event' && m.event.task?.id === created.id);
      return forTask.length >= 2 ? forTask : null;
    });
    expect(events.map((m) => m.event.type)).toEqual(['task.created', 'task.updated']);
    expect(events[1].event.task.status).toBe('in_progress');
    ws.close();
  });

  it('refuses foreign Host and Origin headers (DNS rebinding) on HTTP and WebSocket', async () => {
    const foreignHost = await api('GET', '/api/projects', undefined, { host: 'evil.example:3000' });
    expect(foreignHost.status).toBe(403);
    expect(foreignHost.body.error).toMatchObject({ code: 'forbidden', field: 'host' });
    const foreignOrigin = await api('POST', '/api/projects', { name: 'x', workingDir: '/tmp' }, { origin: 'http://evil.example' });
    expect(foreignOrigin.status).toBe(403);
    const sameOrigin = await api('GET', '/api/projects', undefined, { origin: server.url });
    expect(sameOrigin.status).toBe(200);
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws`, { headers: { ...ownerAuth(server.home), origin: 'http://evil.example' } });
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(403);
  });

  it('keeps all data across a server restart', async () => {
    const before = (await api('GET', '/api/tasks?project=web')).body;
    server = await server.restart();
    const after = (await api('GET', '/api/tasks?project=web')).body;
    expect(after).toEqual(before);
    const sessions = (await api('GET', '/api/sessions')).body;
    expect(sessions.length).toBeGreaterThan(0);
  });
});
