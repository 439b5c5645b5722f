/** The one HTTP route table (src/http/routes.ts): every route mounted from it, nothing mounted beside it, and errors in one codec. */
import express from 'express';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MaestroError } from '../src/core/error-codec.js';
import { MaestroClient } from '../src/http/client.js';
import { sendError } from '../src/http/door.js';
import { HTTP_SPECS } from '../src/http/route-table.js';
import { getOperation } from '../src/core/operations.js';
import { HTTP_ROUTES, ROUTE_TABLE, ROUTES, SOCKET_ROUTES, buildPath, isOpRoute, opRequest, socketPath, type AnyRoute, type Route } from '../src/http/routes.js';
import { ownerAuth, requestJson, startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
let owner: { authorization: string };

beforeAll(async () => {
  server = await startTestServer();
  owner = ownerAuth(server.home);
});
afterAll(async () => {
  await server?.dispose();
});

const http = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  requestJson(server.url + path, method, body, headers);

/** A path of the route with every `:param` filled. */
const filled = (route: AnyRoute) => buildPath(route, Object.fromEntries([...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => [m[1]!, 'x_1']))).path;
const label = (route: AnyRoute) => `${route.method} ${route.path}`;

/** The (method, path) pairs of the routes mounted on the app's router. */
function mountedRoutes(app: express.Express): string[] {
  const stack = (app as unknown as { router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> } }).router.stack;
  return stack.flatMap((layer) =>
    layer.route ? Object.keys(layer.route.methods).filter((m) => m !== '_all').map((m) => `${m.toUpperCase()} ${layer.route!.path}`) : [],
  );
}

describe('the route table', () => {
  it('declares each route once, with schemas for every HTTP-only route', () => {
    expect(new Set(ROUTE_TABLE.map(label)).size).toBe(ROUTE_TABLE.length);
    expect(Object.keys(HTTP_SPECS).sort()).toEqual(HTTP_ROUTES.map((r) => r.name).sort());
    expect(ROUTE_TABLE.length).toBe(ROUTES.length + HTTP_ROUTES.length);
  });

  it('mounts every route of the table, and no /api or /health route beside it', () => {
    const mounted = mountedRoutes(server.server.app);
    const table = ROUTE_TABLE.map(label);
    for (const route of table) expect(mounted, route).toContain(route);
    const api = mounted.filter((r) => / \/(api|health|mcp)(\/|$)/.test(r));
    expect(api.filter((r) => !table.includes(r))).toEqual([]);
    // The MCP endpoint too (src/mcp/http.ts sets the handlers of its routes): nothing but the dashboard's fallback beside the table.
    expect(mounted.filter((r) => r.endsWith(' /mcp')).sort()).toEqual(['DELETE /mcp', 'GET /mcp', 'POST /mcp']);
    expect(mounted.filter((r) => !table.includes(r))).toEqual(['GET /{*path}'].filter((r) => mounted.includes(r)));
  });

  it('marks as selfDefault exactly the path params their operation may go without', () => {
    for (const route of ROUTES as readonly Route[]) {
      const op = getOperation(route.op)!;
      const shape = (op.input as unknown as { shape: Record<string, { safeParse(v: unknown): { success: boolean } }> }).shape;
      const params = [...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);
      const optional = params.filter((p) => shape[p]!.safeParse(undefined).success);
      expect(route.selfDefault ?? [], route.op).toEqual(optional);
    }
    expect(opRequest('session.info', { sessionId: 'ses_1', timelineLimit: 5 })).toEqual({ method: 'GET', path: '/api/sessions/ses_1?timelineLimit=5' });
    expect(opRequest('session.info', { timelineLimit: 5 })).toEqual({ method: 'POST', path: '/api/ops/session.info', body: { timelineLimit: 5 } });
    expect(opRequest('session.info', { sessionId: undefined })).toEqual({ method: 'POST', path: '/api/ops/session.info', body: {} });
  });

  it('a session calling session.info with no id over REST gets itself', async () => {
    const project = (await http('POST', '/api/projects', { name: 'self-info', workingDir: server.home }, owner)).json;
    const { session } = await server.svc.spawn({ projectId: project.id, taskIds: [], name: 'me' });
    const asSession = new MaestroClient({ baseUrl: server.url, token: server.svc.sessions.token(session.id) });
    const info = await asSession.call('session.info');
    expect(info.session.id).toBe(session.id);
    expect((await asSession.call('session.info', { timelineLimit: 1 })).session.id).toBe(session.id);
    // The owner has no session of its own: the server says which field is missing.
    const asOwner = new MaestroClient({ baseUrl: server.url, secret: owner.authorization.slice('Bearer '.length) });
    const err = await asOwner.call('session.info').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MaestroError);
    expect((err as MaestroError).toJSON()).toMatchObject({ code: 'invalid_input', field: 'sessionId' });
    expect((await asOwner.call('session.info', { sessionId: session.id })).session.id).toBe(session.id);
  });

  it('answers 401 on every route that needs a credential, and the open ones without one', async () => {
    for (const route of ROUTE_TABLE) {
      const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
      const res = await http(route.method, filled(route), body);
      if (!isOpRoute(route) && route.access === 'open') {
        expect(res.status, label(route)).not.toBe(404);
        // sign-in without the secret is refused for the token, not for a missing credential
        if (res.status === 401) expect(res.json.error.field, label(route)).toBe('token');
      } else {
        expect(res.status, label(route)).toBe(401);
        expect(res.json.error, label(route)).toMatchObject({ code: 'unauthorized', field: 'authorization' });
      }
    }
  });

  it('answers 201 for creates and 204 for empty answers, as the table says', async () => {
    const project = (await http('POST', '/api/projects', { name: 'created', workingDir: server.home }, owner)).json;
    const task = (await http('POST', '/api/tasks', { project: project.id, title: 't' }, owner)).json;
    const holder = (await http('POST', '/api/sessions', { project: project.id, taskIds: [] }, owner)).json; // leases (issue 12)
    const inputs: Record<string, unknown> = {
      'project.create': { name: 'created-2', workingDir: server.home },
      'task.create': { project: project.id, title: 'another' },
      'session.spawn': { project: project.id, taskIds: [task.id] },
      'template.create': { name: 'tpl-created', agentCommand: 'sh' },
      // refused (the session has no worktree), yet a create: the refusal must not come back as 201
      'merge_queue.add': { sessionIds: ['ses_none'] },
      'notify.add': { url: 'http://127.0.0.1:9/created', on: ['blocked'] }, // notifications (issue 12)
      'lease.acquire': { paths: ['created/**'], sessionId: holder.session.id }, // leases (issue 12)
      'message.send': { to: holder.session.id, subject: 'created', body: 'a message' }, // messages (issue 12)
    };
    const creates = ROUTES.filter((r) => r.status === 201);
    expect(creates.map((r) => r.op).sort()).toEqual(Object.keys(inputs).sort());
    for (const route of creates) {
      const res = await http(route.method, route.path, inputs[route.op], owner);
      if (route.op === 'merge_queue.add') expect([res.status, res.json?.error?.code]).toEqual([404, 'not_found']);
      else expect([res.status, route.op, res.json?.error]).toEqual([201, route.op, undefined]);
    }
    expect(ROUTES.filter((r) => r.status !== 201 && r.status !== 200)).toEqual([]);
    const secret = owner.authorization.slice('Bearer '.length);
    const login = await http('POST', '/api/auth/login', { token: secret });
    expect([login.status, login.text]).toEqual([204, '']);
    const logout = await http('POST', '/api/auth/logout', {});
    expect([logout.status, logout.text]).toEqual([204, '']);
    expect(HTTP_ROUTES.filter((r) => r.status === 204).map((r) => r.name).sort()).toEqual(['auth.login', 'auth.logout']);
  });
});

/** The HTTP status a WebSocket upgrade at this path gets (101 when the handshake is accepted). */
function upgradeStatus(path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(server.url);
    const req = httpRequest({
      host: url.hostname,
      port: url.port,
      path,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the socket routes of the table', () => {
  it('every socket of the table refuses an upgrade without a credential (401); the events socket opens with one', async () => {
    for (const route of SOCKET_ROUTES) {
      const path = socketPath(route.name, { sessionId: 'ses_x' });
      expect(await upgradeStatus(path), path).toBe(401);
    }
    expect(await upgradeStatus(socketPath('events'), owner)).toBe(101);
  });

  it('a socket path off the table is not found, even for the owner', async () => {
    expect(await upgradeStatus('/ws/elsewhere', owner)).toBe(404);
  });

  it('builds socket paths from the table: params filled, the rest as query, a missing param named', () => {
    expect(socketPath('terminal', { sessionId: 'ses 1', cols: 80 })).toBe('/ws/terminal/ses%201?cols=80');
    expect(() => socketPath('terminal')).toThrow(expect.objectContaining({ code: 'invalid_input', field: 'sessionId' }));
  });
});

describe('one error codec', () => {
  it('MaestroError.fromJSON rebuilds real 400, 404 and 409 answers, code and field, as the client throws them', async () => {
    await http('POST', '/api/projects', { name: 'codec', workingDir: server.home }, owner);
    const cases: Array<[string, string, unknown, number, string]> = [
      ['POST', '/api/tasks', { project: 'codec', title: 'x', priority: 'urgent' }, 400, 'priority'],
      ['GET', '/api/tasks/tsk_missing', undefined, 404, 'taskId'],
      ['POST', '/api/projects', { name: 'codec', workingDir: server.home }, 409, 'name'],
    ];
    const client = new MaestroClient({ baseUrl: server.url, secret: owner.authorization.slice('Bearer '.length) });
    for (const [method, path, body, status, field] of cases) {
      const res = await http(method, path, body, owner);
      expect(res.status, path).toBe(status);
      const error = MaestroError.fromJSON(res.json);
      expect(error).toBeInstanceOf(MaestroError);
      expect(error.httpStatus).toBe(status);
      expect(error.field).toBe(field);
      expect(error.toJSON()).toEqual(res.json.error);
      const thrown = await client.request(method, path, body).catch((e: unknown) => e);
      expect(thrown).toBeInstanceOf(MaestroError);
      expect((thrown as MaestroError).toJSON()).toEqual(res.json.error);
    }
  });

  it('a missing path parameter is the caller\'s invalid_input naming it, before any request', async () => {
    // Nothing listens on port 9: a request would fail as `unavailable`.
    const client = new MaestroClient({ baseUrl: 'http://127.0.0.1:9' });
    const op = await client.call('task.get', {} as never).catch((e: unknown) => e);
    expect(op).toBeInstanceOf(MaestroError);
    expect((op as MaestroError).toJSON()).toEqual({ code: 'invalid_input', message: 'taskId is required', field: 'taskId' });
    const route = await client.screen('').catch((e: unknown) => e);
    expect((route as MaestroError).toJSON()).toMatchObject({ code: 'invalid_input', field: 'sessionId' });
  });

  it('keeps the cause: an unreachable server is `unavailable` caused by the socket error', async () => {
    const err = (await new MaestroClient({ baseUrl: 'http://127.0.0.1:9' }).call('whoami').catch((e: unknown) => e)) as MaestroError;
    expect(err.code).toBe('unavailable');
    expect((err.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    expect(err.toJSON().cause).toMatch(/ECONNREFUSED/);
  });

  it('sendError says only "internal error" for an internal failure, and keeps the cause of the others', async () => {
    const logged: unknown[] = [];
    const logger = { error: (obj: unknown) => logged.push(obj) } as never;
    const app = express();
    app.get('/internal', (_req, res) => sendError(res, new Error('EACCES: /home/someone/.maestro/secret', { cause: new Error('deep') }), logger));
    app.get('/conflict', (_req, res) => sendError(res, new MaestroError('conflict', 'busy', 'name', { cause: new Error('git failed'), current: 3 }), logger));
    const listening = app.listen(0, '127.0.0.1');
    await new Promise((r) => listening.once('listening', r));
    try {
      const base = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
      const internal = await fetch(`${base}/internal`);
      expect(internal.status).toBe(500);
      expect(await internal.json()).toEqual({ error: { code: 'internal', message: 'internal error' } });
      expect(logged).toHaveLength(1);
      const conflict = await fetch(`${base}/conflict`);
      expect(conflict.status).toBe(409);
      expect(await conflict.json()).toEqual({ error: { code: 'conflict', message: 'busy', field: 'name', current: 3, cause: 'git failed' } });
    } finally {
      listening.close();
    }
  });

  it('the client adds the request id to an internal error, so the server log can be searched', async () => {
    const app = express();
    app.get('/api/whoami', (_req, res) => {
      res.setHeader('X-Request-Id', 'abc123');
      sendError(res, new Error('boom'));
    });
    const listening = app.listen(0, '127.0.0.1');
    await new Promise((r) => listening.once('listening', r));
    try {
      const client = new MaestroClient({ baseUrl: `http://127.0.0.1:${(listening.address() as AddressInfo).port}` });
      const err = (await client.call('whoami').catch((e: unknown) => e)) as MaestroError;
      expect(err.code).toBe('internal');
      expect(err.message).toBe('internal error (request abc123; see the server log)');
    } finally {
      listening.close();
    }
  });
});
