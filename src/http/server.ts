import express, { type NextFunction, type Request, type Response } from 'express';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MaestroError } from '../core/errors.js';
import { executeOp, getOperation } from '../core/operations.js';
import type { MaestroService } from '../core/service.js';
import { createLogger, type Logger } from '../log/logger.js';
import { Authenticator, actorOf } from './auth.js';
import { coerceQuery } from './coerce.js';
import { guardDoor, sendError, serverLimits, type ServerLimits } from './door.js';
import { closeSocketsOfEndedSessions, streamEvents } from './event-stream.js';
import { createRequestGuard, type RequestGuard } from './request-guard.js';
import { ROUTES } from './routes.js';
import { WsRouter } from './ws-router.js';

export { sendError, serverLimits, type ServerLimits };

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

export function createApp(ctx: Omit<HttpContext, 'app'>, guard: RequestGuard, limits = serverLimits()): express.Express {
  const { svc, logger } = ctx;
  const app = express();
  app.disable('x-powered-by');
  guardDoor(app, { auth: ctx.auth, logger, guard, limits });

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
  closeSocketsOfEndedSessions(ws, opts.svc);

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
