import express, { type NextFunction, type Request, type Response } from 'express';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WebSocket } from 'ws';
import { FINISHED_SESSION_STATUSES } from '../core/constants.js';
import { MaestroError, toMaestroError } from '../core/errors.js';
import { executeOp, getOperation } from '../core/operations.js';
import type { MaestroService } from '../core/service.js';
import { createLogger, type Logger } from '../log/logger.js';
import { Authenticator, actorOf } from './auth.js';
import { coerceQuery } from './coerce.js';
import { createRequestGuard, isProtectedPath, type RequestGuard } from './request-guard.js';
import { ROUTES } from './routes.js';
import { sendBounded, WsRouter } from './ws-router.js';

export interface HttpContext {
  app: express.Express;
  ws: WsRouter;
  svc: MaestroService;
  logger: Logger;
  auth: Authenticator;
}

/** Something that adds routes or WebSocket paths (the MCP endpoint, the PTY supervisor's terminals). */
export type HttpExtension = (ctx: HttpContext) => void;

export interface ServerOptions {
  svc: MaestroService;
  host?: string;
  port?: number;
  logger?: Logger;
  extensions?: HttpExtension[];
  /** Folder of the built dashboard; defaults to dist/web beside the compiled server. */
  webRoot?: string;
  limits?: Partial<ServerLimits>;
}

/** How long a client may take; slow or silent ones are cut off instead of holding a connection forever. */
export interface ServerLimits {
  /** Whole request head (slowloris). */
  headersTimeoutMs: number;
  /** Whole request, head and body. */
  requestTimeoutMs: number;
  /** An idle kept-alive connection. */
  keepAliveTimeoutMs: number;
  /** JSON bodies. */
  maxBodyBytes: number;
}

export function serverLimits(overrides: Partial<ServerLimits> = {}, env: NodeJS.ProcessEnv = process.env): ServerLimits {
  const fromEnv = Number(env.MAESTRO_HEADERS_TIMEOUT_MS);
  const headersTimeoutMs = overrides.headersTimeoutMs ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 10_000);
  return {
    headersTimeoutMs,
    requestTimeoutMs: Math.max(overrides.requestTimeoutMs ?? 30_000, headersTimeoutMs),
    keepAliveTimeoutMs: overrides.keepAliveTimeoutMs ?? 5_000,
    maxBodyBytes: overrides.maxBodyBytes ?? 1024 * 1024,
  };
}

export interface RunningServer {
  url: string;
  port: number;
  http: Server;
  ws: WsRouter;
  auth: Authenticator;
  close(): Promise<void>;
}

const CREATED = new Set(['project.create', 'task.create', 'session.spawn', 'template.create']);
/** dist/web of this package, whether this module runs compiled (dist/src/http) or from source (src/http). */
function defaultWebRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'web');
}

/**
 * Answers an error as JSON. Unknown failures are logged with the request id and answered with that id
 * only: their messages may name files or internals. A busy database says when to retry.
 */
export function sendError(res: Response, err: unknown, logger?: Logger): void {
  let error = toMaestroError(err);
  if (error.code === 'internal') {
    const requestId = res.locals.requestId as string | undefined;
    logger?.error({ err, requestId }, 'internal error');
    error = new MaestroError('internal', `internal error (request ${requestId ?? 'unknown'}); see the server log`);
  }
  if (error.code === 'unavailable') res.setHeader('Retry-After', '1');
  if (error.code === 'unauthorized') res.setHeader('WWW-Authenticate', 'Bearer realm="maestro"');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.status(error.httpStatus).json({ error: error.toJSON() });
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH']);
const isJson = (req: Request) => /^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '');

/**
 * The door, in order: a request id; browsers from other origins refused; `/health` and the dashboard's
 * login open; everything under /api, /mcp (and /ws, in ws-router) needs a credential; state changes must
 * be JSON, which no HTML form or "simple" cross-site request can send.
 */
function guardDoor(app: express.Express, ctx: Omit<HttpContext, 'app'>, guard: RequestGuard, limits: ServerLimits): void {
  const { auth, logger } = ctx;
  app.use((req, res, next) => {
    const requestId = randomBytes(6).toString('hex');
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    const refusal = guard(req, isProtectedPath(req.path));
    if (refusal) sendError(res, refusal, logger);
    else next();
  });

  app.get('/health', (_req, res) => {
    // Open to anyone who can connect, so it says nothing but that the server answers.
    res.json({ ok: true });
  });

  const requireJson = (req: Request, res: Response, next: NextFunction) => {
    if (STATE_CHANGING.has(req.method) && !isJson(req))
      res.status(415).json({ error: { code: 'invalid_input', message: 'the request body must be JSON (Content-Type: application/json)', field: 'content-type' } });
    else next();
  };
  app.post('/api/auth/login', requireJson, express.json({ limit: '4kb' }), (req, res) => {
    try {
      const cookie = auth.login((req.body as { token?: unknown } | undefined)?.token);
      res.setHeader('Set-Cookie', auth.setCookie(cookie));
      res.setHeader('Cache-Control', 'no-store');
      res.status(204).end();
    } catch (err) {
      sendError(res, err, logger);
    }
  });
  app.post('/api/auth/logout', requireJson, (_req, res) => {
    res.setHeader('Set-Cookie', auth.setCookie(null));
    res.status(204).end();
  });

  app.use((req, res, next) => {
    if (!isProtectedPath(req.path)) return next();
    try {
      res.locals.actor = auth.authenticate(req.headers);
    } catch (err) {
      sendError(res, err, logger);
      return;
    }
    requireJson(req, res, next);
  });
  app.use(express.json({ limit: limits.maxBodyBytes }));

  app.post('/api/auth/rotate', (_req, res) => {
    try {
      if (actorOf(res).kind !== 'user') throw new MaestroError('forbidden', 'only the owner may rotate the secret');
      auth.rotate();
      res.json({ rotated: true });
    } catch (err) {
      sendError(res, err, logger);
    }
  });
}

export function createApp(ctx: Omit<HttpContext, 'app'>, guard: RequestGuard, limits = serverLimits()): express.Express {
  const { svc, logger } = ctx;
  const app = express();
  app.disable('x-powered-by');
  guardDoor(app, ctx, guard, limits);

  const run = (opName: string, pathFillsInput = true) => async (req: Request, res: Response) => {
    try {
      const op = getOperation(opName);
      if (!op) throw new MaestroError('not_found', `operation '${opName}' does not exist`);
      const fromQuery = req.method === 'GET' || req.method === 'DELETE';
      const base = fromQuery ? coerceQuery(op.input, req.query as Record<string, unknown>) : req.body ?? {};
      if (typeof base !== 'object' || Array.isArray(base)) throw new MaestroError('invalid_input', 'the JSON body must be an object');
      const input = pathFillsInput ? { ...base, ...req.params } : base;
      const result = await executeOp(svc, actorOf(res), op.name, input);
      res.status(CREATED.has(op.name) ? 201 : 200).json(result ?? null);
    } catch (err) {
      sendError(res, err, logger);
    }
  };

  for (const route of ROUTES) {
    const method = route.method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete';
    app[method](route.path, run(route.op));
  }
  // One generic door for programmatic callers (the stdio MCP bridge): POST /api/ops/task_create {…}
  app.post('/api/ops/:name', (req, res) => run(req.params.name, false)(req, res));

  return app;
}

/** Finishes the app: dashboard files, JSON 404s and error handling come after every extension's routes. */
function finishApp(app: express.Express, webRoot: string, logger: Logger): void {
  app.use('/api', (req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: `no route for ${req.method} ${req.originalUrl}` } });
  });
  if (existsSync(webRoot)) {
    app.use(express.static(webRoot, { index: 'index.html', maxAge: '1h', setHeaders: noCacheForHtml }));
    app.get('/{*path}', (_req, res) => res.sendFile('index.html', { root: webRoot, headers: { 'Cache-Control': 'no-cache' } }));
  } else {
    app.get('/', (_req, res) => {
      res.type('text/plain').send('Maestro is running. The dashboard is not built: run `npm run build`.');
    });
  }
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const { status, type, expose, message } = err as { status?: number; type?: string; expose?: boolean; message?: string };
    const answer = (code: number, text: string) => res.status(code).json({ error: { code: 'invalid_input', message: text } });
    if (type === 'entity.parse.failed') answer(400, 'the request body is not valid JSON');
    else if (err instanceof URIError) answer(400, 'the URL is not valid percent-encoding');
    else if (status === 413) answer(413, 'the request body is too large');
    else if (typeof status === 'number' && status >= 400 && status < 500) answer(status, expose && message ? message : 'bad request');
    else sendError(res, err, logger);
  });
}

function noCacheForHtml(res: Response, path: string): void {
  if (path.endsWith('.html')) res.setHeader('Cache-Control', 'no-cache');
}

/**
 * `/ws`: every bus event, serialised once and fanned out to every connected client. It spans every
 * project and session, so it is the owner's alone; sessions get their state through their tools.
 */
function streamEvents(ws: WsRouter, svc: MaestroService): void {
  const clients = new Set<WebSocket>();
  const unsubscribe = svc.bus.subscribe((event) => {
    // Sockets opened with a session's token close when that session ends.
    if (event.type === 'session.updated' && FINISHED_SESSION_STATUSES.includes(event.session.status)) ws.endSession(event.session.id);
    if (clients.size === 0) return;
    const frame = Buffer.from(JSON.stringify({ type: 'event', event }));
    // A client that falls behind is dropped; it reconnects and refetches instead of growing our memory.
    for (const client of clients) sendBounded(client, frame);
  });
  ws.wss.on('close', unsubscribe);
  ws.register(
    '/ws',
    (socket) => {
      clients.add(socket);
      socket.send(JSON.stringify({ type: 'hello' }));
      // The stream only talks; whatever a client sends is ignored (and bounded by the frame limit).
      const ping = setInterval(() => socket.readyState === socket.OPEN && socket.ping(), 25_000);
      socket.on('close', () => {
        clearInterval(ping);
        clients.delete(socket);
      });
      socket.on('error', () => socket.terminate());
    },
    { ownerOnly: true },
  );
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const logger = opts.logger ?? createLogger('maestro-http');
  const webRoot = opts.webRoot ?? defaultWebRoot();
  const limits = serverLimits(opts.limits);
  const placeholder = express();
  const http = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often those timeouts are enforced (Node's default, 30 s, would let a slowloris sit that much longer).
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    placeholder,
  );
  const guard = createRequestGuard(opts.host ?? '127.0.0.1');
  const auth = new Authenticator(opts.svc, opts.svc.paths.home, () => (http.address() as AddressInfo | null)?.port ?? opts.port ?? 0);
  const ws = new WsRouter(http, { guard: (req) => guard(req, true), authenticate: (req) => auth.authenticate(req.headers) }, logger);
  const ctx = { svc: opts.svc, ws, logger, auth };
  const app = createApp(ctx, guard, limits);
  for (const extend of opts.extensions ?? []) extend({ app, ...ctx });
  finishApp(app, webRoot, logger);
  http.removeAllListeners('request');
  http.on('request', app);

  streamEvents(ws, opts.svc);

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 3000, opts.host ?? '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
  const address = http.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  // Agents are told this URL (manifest, MAESTRO_API_URL); with port 0 it is known only now.
  opts.svc.apiUrl = url;
  logger.info({ url }, 'maestro listening');
  return {
    url,
    port: address.port,
    http,
    ws,
    auth,
    close: () =>
      new Promise<void>((resolve) => {
        ws.close();
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}
