/**
 * The front lane (src/http/front.ts): requests for the table's routes are answered without express, and
 * must be answered exactly as express answers them. Checked three ways: its route matcher against
 * express's router on generated paths; the same raw requests sent to the server (front lane) and to its
 * express app alone (a second listener), answers compared; and its JSON body reader against body-parser.
 */
import express from 'express';
import fc from 'fast-check';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerRequestError } from '../src/http/door.js';
import { jsonBodyReader } from '../src/http/json-body.js';
import { RouteMatcher, decodeParams } from '../src/http/route-match.js';
import { ROUTE_TABLE, type AnyRoute } from '../src/http/routes.js';
import { startServer, type RunningServer } from '../src/http/server.js';
import { createLogger } from '../src/log/logger.js';
import { ownerAuth, startTestServer, type TestServer } from './helpers.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS'];

/** The route express's router picks for a request: the first route layer whose path fits and that handles the method. */
function expressRoute(app: express.Express, method: string, path: string): { path: string; method: string; params: Record<string, string> } | undefined {
  const stack = (app as unknown as { router: { stack: any[] } }).router.stack;
  for (const layer of stack) {
    const match = layer.route && layer.match(path);
    if (!match || !layer.route._handlesMethod(method)) continue;
    const own = Object.keys(layer.route.methods).find((m) => m !== '_all')!.toUpperCase();
    return { path: layer.route.path, method: own, params: { ...match.params } };
  }
  return undefined;
}

describe('the route matcher', () => {
  const app = express();
  for (const route of ROUTE_TABLE) app[route.method.toLowerCase() as 'get'](route.path, () => undefined);
  const matcher = new RouteMatcher(ROUTE_TABLE);
  const ours = (method: string, path: string) => {
    const match = matcher.match(method, path);
    return match && { path: match.route.path, method: match.route.method, params: decodeParams(match) };
  };

  it('finds every route of the table by its own path, with the params express finds', () => {
    for (const route of ROUTE_TABLE as readonly AnyRoute[]) {
      const path = route.path.replace(/:([A-Za-z]+)/g, (_m, name: string) => `${name}-1%20x`);
      const found = ours(route.method, path);
      expect(found, `${route.method} ${route.path}`).toEqual(expressRoute(app, route.method, path));
      expect(found?.path).toBe(route.path);
    }
  });

  it('agrees with express on generated paths: case, trailing slashes, empty and encoded segments, every method', () => {
    const literals = [...new Set(ROUTE_TABLE.flatMap((r) => r.path.split('/').filter((s) => s && !s.startsWith(':'))))];
    const segment = fc.oneof(
      fc.constantFrom(...literals),
      fc.constantFrom(...literals).map((s) => s.toUpperCase()),
      fc.constantFrom('x_1', 'ses_1', 'a%20b', '%E2%9C%93', '', 'Tree', 'a.b', '..', '%2F'),
    );
    fc.assert(
      fc.property(fc.constantFrom(...METHODS), fc.array(segment, { minLength: 1, maxLength: 5 }), fc.constantFrom('', '/', '//'), (method, segments, tail) => {
        const path = `/${segments.join('/')}${tail}`;
        expect(ours(method, path), `${method} ${path}`).toEqual(expressRoute(app, method, path));
      }),
      { numRuns: 5000 },
    );
  });

  it('answers HEAD with the GET route and leaves OPTIONS and unknown methods to express', () => {
    expect(matcher.match('HEAD', '/api/tasks/tsk_1')?.route.path).toBe('/api/tasks/:taskId');
    expect(matcher.match('OPTIONS', '/health')).toBeUndefined();
    expect(matcher.match('PUT', '/api/tasks')).toBeUndefined();
  });

  it('refuses a param that is not valid percent-encoding as express did (400), when decoding', () => {
    const match = matcher.match('GET', '/api/tasks/%ZZ')!;
    expect(match.route.path).toBe('/api/tasks/:taskId');
    expect(() => decodeParams(match)).toThrow(expect.objectContaining({ code: 'invalid_input', message: 'the URL is not valid percent-encoding' }));
  });
});

interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Whether the answer's head came only once the whole body had been written. */
  afterRequest: boolean;
}

/** One request written as given (headers, body chunks with pauses between): what came back. */
function raw(port: number, method: string, path: string, headers: Record<string, string | number> = {}, chunks: Array<string | Buffer> = [], pauseMs = 0): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let written = false;
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const afterRequest = written;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, afterRequest }));
    });
    req.on('error', reject);
    void (async () => {
      for (const [i, chunk] of chunks.entries()) {
        req.write(chunk);
        if (i === chunks.length - 1) written = true;
        if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
      }
      written = true;
      req.end();
    })();
  });
}

/** What a client can see of an answer, request ids and dates aside. */
const visible = (a: RawAnswer) => ({
  status: a.status,
  body: a.body,
  ...Object.fromEntries(
    ['content-type', 'content-length', 'etag', 'allow', 'www-authenticate', 'retry-after', 'set-cookie', 'cache-control', 'transfer-encoding'].map((h) => [h, a.headers[h]]),
  ),
  requestId: /^[0-9a-f]{12}$/.test(String(a.headers['x-request-id'] ?? '')),
});

const listen = (listener: RequestListener): Promise<Server> =>
  new Promise((resolve) => {
    const server = createServer(listener);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });

describe('the front lane answers as express does', () => {
  let server: TestServer;
  let expressOnly: Server;
  let front: number;
  let viaExpress: number;
  let owner: Record<string, string>;
  let taskId: string;

  beforeAll(async () => {
    server = await startTestServer();
    owner = ownerAuth(server.home);
    expressOnly = await listen(server.server.app);
    front = server.server.port;
    viaExpress = (expressOnly.address() as AddressInfo).port;
    const json = { ...owner, 'content-type': 'application/json' };
    await raw(front, 'POST', '/api/projects', json, [JSON.stringify({ name: 'front', workingDir: server.home })]);
    taskId = JSON.parse((await raw(front, 'POST', '/api/tasks', json, [JSON.stringify({ project: 'front', title: 'one' })])).body).id;
  });
  afterAll(async () => {
    expressOnly?.close();
    await server?.dispose();
  });

  const same = async (method: string, path: string, headers: Record<string, string | number> = {}, chunks: Array<string | Buffer> = []) => {
    const viaFront = await raw(front, method, path, headers, chunks);
    const viaApp = await raw(viaExpress, method, path, headers, chunks);
    expect(visible(viaFront), `${method} ${path}`).toEqual(visible(viaApp));
    return viaFront;
  };

  it('the same status, headers and body for reads, refusals and errors of every kind', async () => {
    const json = () => ({ ...owner, 'content-type': 'application/json' });
    const cases: Array<[string, string, Record<string, string | number>, Array<string | Buffer>]> = [
      ['GET', '/health', {}, []],
      ['HEAD', '/health', {}, []],
      ['OPTIONS', '/health', {}, []],
      ['POST', '/health', {}, []],
      ['GET', '/api/tasks', {}, []],
      ['GET', '/api/tasks?project=front&status=todo,done', owner, []],
      ['GET', `/api/tasks/${taskId}`, owner, []],
      ['HEAD', `/api/tasks/${taskId}`, owner, []],
      ['GET', `/API/Tasks/${taskId}/`, owner, []],
      ['GET', `/api/tasks/${taskId}`, { ...owner, 'if-none-match': '"1"' }, []],
      ['GET', `/api/tasks/${taskId}`, { ...owner, 'if-none-match': '"1"', 'cache-control': 'no-cache' }, []],
      ['GET', `/api/tasks/${taskId}`, { ...owner, 'if-none-match': '"7"' }, []],
      ['GET', '/api/tasks/%ZZ', owner, []],
      ['GET', '/api/tasks/%ZZ', {}, []],
      ['GET', '/api/tasks/tsk_missing', owner, []],
      ['PUT', '/api/tasks', owner, []],
      ['OPTIONS', '/api/tasks', owner, []],
      ['DELETE', '/api/sessions/ses_1', owner, []],
      ['GET', '/api/nothing-here', owner, []],
      ['POST', '/api/tasks', json(), ['{"project": "front",']],
      ['POST', '/api/tasks', json(), ['"a string"']],
      ['POST', '/api/tasks', json(), ['  [1]']],
      ['POST', '/api/tasks', json(), ['']],
      ['POST', '/api/tasks', json(), ['\ufeff{"project":"front"}']],
      ['POST', '/api/tasks', { ...owner, 'content-type': 'text/plain' }, ['{}']],
      ['POST', '/api/tasks', { ...owner, 'content-type': 'application/json; charset=latin1' }, ['{}']],
      ['POST', '/api/tasks', { ...owner, 'content-type': 'application/json; charset=UTF-8' }, ['{"project":"front"}']],
      ['POST', '/api/tasks', { ...owner, 'content-type': 'application/json', 'content-encoding': 'gzip' }, [gzipSync('{"project":"front"}')]],
      ['POST', '/api/tasks', { ...owner, 'content-type': 'application/json', 'content-encoding': 'snappy' }, ['{}']],
      ['POST', '/api/tasks', { ...json(), 'content-length': 2 * 1024 * 1024 }, ['{}'.padEnd(2 * 1024 * 1024)]],
      ['POST', '/api/tasks', { ...json(), 'transfer-encoding': 'chunked' }, Array.from({ length: 20 }, () => ' '.repeat(64 * 1024))],
      ['PATCH', `/api/tasks/${taskId}`, { ...json(), 'if-match': 'nonsense' }, ['{}']],
      ['POST', '/api/auth/login', { 'content-type': 'application/json' }, [JSON.stringify({ token: 'x'.repeat(5000) })]],
      ['POST', '/api/auth/login', { 'content-type': 'application/json' }, ['{"token":"wrong"}']],
      ['POST', '/api/auth/logout', { 'content-type': 'application/json' }, ['{}']],
      ['POST', '/api/ops/task.get', json(), [JSON.stringify({ taskId })]],
      ['POST', '/api/ops/no.such.op', json(), ['{}']],
      ['GET', '/mcp', owner, []],
      ['POST', '/mcp', json(), ['{}']],
      ['GET', '/api/tasks', { ...owner, origin: 'http://evil.example' }, []],
      ['GET', '/api/tasks', { ...owner, 'sec-fetch-site': 'cross-site' }, []],
      ['GET', '/api/tasks', { ...owner, host: 'rebound.example' }, []],
      ['GET', '/api/tasks', { authorization: 'Bearer not-a-token' }, []],
      ['GET', '/api/tasks', { authorization: 'Basic abc' }, []],
      ['GET', '/api/whoami', { ...owner, 'x-maestro-session': 'ses_nobody' }, []],
    ];
    const statuses: number[] = [];
    for (const [method, path, headers, chunks] of cases) statuses.push((await same(method, path, headers, chunks)).status);
    // The cases reach every kind of answer (so that agreeing is not agreeing on one 401).
    for (const status of [200, 204, 304, 400, 401, 403, 404, 405, 406, 413, 415]) expect(statuses, String(status)).toContain(status);
  });

  it('answers JSON as express did: charset, length, entity ETag, no body for HEAD, a 12-hex-digit request id', async () => {
    const got = await raw(front, 'GET', `/api/tasks/${taskId}`, owner);
    expect(got.status).toBe(200);
    expect(got.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(got.headers['content-length'])).toBe(Buffer.byteLength(got.body));
    expect(got.headers.etag).toBe('"1"');
    const head = await raw(front, 'HEAD', `/api/tasks/${taskId}`, owner);
    expect([head.status, head.body, head.headers['content-length']]).toEqual([200, '', got.headers['content-length']]);
    const ids = new Set(await Promise.all(Array.from({ length: 600 }, async () => (await raw(front, 'GET', '/health')).headers['x-request-id'])));
    expect(ids.size).toBe(600);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{12}$/);
  });

  it('takes a body sent slowly in pieces, and refuses one larger than the limit only once it has been sent', async () => {
    const body = JSON.stringify({ project: 'front', title: 'slow' });
    const pieces = [body.slice(0, 5), body.slice(5, 20), body.slice(20)];
    const slow = await raw(front, 'POST', '/api/tasks', { ...owner, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, pieces, 150);
    expect([slow.status, JSON.parse(slow.body).title]).toEqual([201, 'slow']);
    const large = await raw(front, 'POST', '/api/tasks', { ...owner, 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, Array.from({ length: 6 }, () => ' '.repeat(256 * 1024)), 50);
    expect([large.status, JSON.parse(large.body).error.message, large.afterRequest]).toEqual([413, 'the request body is too large', true]);
    // Declared too large up front: refused without reading it, still once it has been sent.
    const declared = await raw(front, 'POST', '/api/tasks', { ...owner, 'content-type': 'application/json', 'content-length': 3 * 256 * 1024 * 2 }, Array.from({ length: 6 }, () => ' '.repeat(256 * 1024)), 50);
    expect([declared.status, JSON.parse(declared.body).error.message, declared.afterRequest]).toEqual([413, 'the request body is too large', true]);
  });
});

describe('a body that never ends', () => {
  let server: TestServer;
  let limited: RunningServer;

  beforeAll(async () => {
    server = await startTestServer();
    limited = await startServer({ svc: server.svc, port: 0, logger: createLogger('front-test', 'silent'), limits: { headersTimeoutMs: 500, requestTimeoutMs: 1000 } });
  });
  afterAll(async () => {
    await limited?.close();
    await server?.dispose();
  });

  it('is cut off by the request timeout with a JSON 408, on a route of the table', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port: limited.port,
        method: 'POST',
        path: '/api/tasks',
        headers: { ...ownerAuth(server.home), 'content-type': 'application/json', 'content-length': 100 },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += String(d)));
        res.on('end', () => resolve(`${res.statusCode} ${text}`));
      });
      req.on('error', reject);
      req.write('{"project":'); // and nothing more
    });
    expect(answer).toMatch(/^408 /);
    expect(JSON.parse(answer.slice(4)).error).toMatchObject({ code: 'invalid_input', message: 'the request took too long' });
  });
});

describe('the JSON body reader', () => {
  /** The same request read by body-parser and by jsonBodyReader, each behind a tiny server, answered the same way. */
  let parsers: Server;
  let readers: Server;
  const logger = createLogger('front-test', 'silent');
  const LIMIT = 1000;

  beforeAll(async () => {
    const parse = express.json({ limit: LIMIT });
    const reply = (res: import('node:http').ServerResponse, err: unknown, body: unknown) => {
      if (err) answerRequestError(Object.assign(res, { locals: {} }), err, logger);
      else res.end(JSON.stringify({ body: body === undefined ? '(none)' : body }));
    };
    parsers = await listen((req, res) => parse(req as express.Request, res as express.Response, (err?: unknown) => reply(res, err, (req as { body?: unknown }).body)));
    const read = jsonBodyReader(LIMIT);
    readers = await listen((req, res) =>
      read(req, res).then(
        (body) => reply(res, null, body),
        (err: unknown) => reply(res, err, undefined),
      ),
    );
  });
  afterAll(() => {
    parsers?.close();
    readers?.close();
  });

  it('reads and refuses generated bodies exactly as body-parser does', async () => {
    const port = (s: Server) => (s.address() as AddressInfo).port;
    const text = fc.oneof(
      fc.json().map((j) => j.slice(0, 1200)),
      fc.string({ maxLength: 40 }),
      fc.constantFrom('', ' ', '{', '{}', '[]', '\ufeff{"a":1}', ' \n\t{"a":[1,2]}', 'null', '"x"', '1', '{"a":1}'.padEnd(LIMIT + 1)),
    );
    const type = fc.constantFrom(undefined, 'application/json', 'Application/JSON', 'application/json; charset=utf-8', 'application/json;charset=UTF-8', 'application/json; charset=utf-16le', 'text/plain', 'application/json; x');
    const framing = fc.constantFrom('length', 'chunked', 'none');
    await fc.assert(
      fc.asyncProperty(text, type, framing, async (body, contentType, how) => {
        const headers: Record<string, string | number> = {};
        if (contentType) headers['content-type'] = contentType;
        if (how === 'length') headers['content-length'] = Buffer.byteLength(body);
        if (how === 'chunked') headers['transfer-encoding'] = 'chunked';
        const chunks = how === 'none' ? [] : [body];
        const a = await raw(port(parsers), 'POST', '/', headers, chunks);
        const b = await raw(port(readers), 'POST', '/', headers, chunks);
        expect([b.status, b.body], `${JSON.stringify(body).slice(0, 80)} as ${contentType} (${how})`).toEqual([a.status, a.body]);
      }),
      { numRuns: 400 },
    );
  });
});
