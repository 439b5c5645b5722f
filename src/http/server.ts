import express, { type NextFunction, type Request, type Response } from 'express';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WebSocket } from 'ws';
import { MaestroError, toMaestroError } from '../core/errors.js';
import { executeOp, getOperation } from '../core/operations.js';
import type { MaestroService } from '../core/service.js';
import { createLogger, type Logger } from '../log/logger.js';
import { actorFromHeaders } from './actor.js';
import { coerceQuery } from './coerce.js';
import { createHostGuard } from './host-guard.js';
import { ROUTES } from './routes.js';
import { WsRouter } from './ws-router.js';

export interface HttpContext {
  app: express.Express;
  ws: WsRouter;
  svc: MaestroService;
  logger: Logger;
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
}

export interface RunningServer {
  url: string;
  port: number;
  http: Server;
  ws: WsRouter;
  close(): Promise<void>;
}

const CREATED = new Set(['project.create', 'task.create', 'session.spawn', 'template.create']);
/** dist/web of this package, whether this module runs compiled (dist/src/http) or from source (src/http). */
function defaultWebRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'web');
}

export function sendError(res: Response, err: unknown, logger?: Logger): void {
  const error = toMaestroError(err);
  if (error.code === 'internal') logger?.error({ err }, 'internal error');
  res.status(error.httpStatus).json({ error: error.toJSON() });
}

export function createApp(ctx: Omit<HttpContext, 'app'>, rejectHost: (req: Request) => string | null): express.Express {
  const { svc, logger } = ctx;
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    const refusal = rejectHost(req);
    if (refusal) res.status(403).json({ error: { code: 'forbidden', message: refusal, field: 'host' } });
    else next();
  });
  app.use(express.json({ limit: '4mb' }));

  app.get('/health', (_req, res) => {
    res.json({ ok: true, name: 'maestro', uptimeSeconds: Math.round(process.uptime()), apiUrl: svc.apiUrl });
  });

  const run = (opName: string, pathFillsInput = true) => async (req: Request, res: Response) => {
    try {
      const op = getOperation(opName);
      if (!op) throw new MaestroError('not_found', `operation '${opName}' does not exist`);
      const fromQuery = req.method === 'GET' || req.method === 'DELETE';
      const base = fromQuery ? coerceQuery(op.input, req.query as Record<string, unknown>) : req.body ?? {};
      if (typeof base !== 'object' || Array.isArray(base)) throw new MaestroError('invalid_input', 'the JSON body must be an object');
      const input = pathFillsInput ? { ...base, ...req.params } : base;
      const result = await executeOp(svc, actorFromHeaders(svc, req.headers), op.name, input);
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
    const status = (err as { status?: number; type?: string }).status;
    if (status === 400 || (err as { type?: string }).type === 'entity.parse.failed') {
      res.status(400).json({ error: { code: 'invalid_input', message: 'the request body is not valid JSON' } });
      return;
    }
    if (status === 413) {
      res.status(413).json({ error: { code: 'invalid_input', message: 'the request body is too large' } });
      return;
    }
    sendError(res, err, logger);
  });
}

function noCacheForHtml(res: Response, path: string): void {
  if (path.endsWith('.html')) res.setHeader('Cache-Control', 'no-cache');
}

/** A client this far behind is dropped; it reconnects and refetches instead of growing our memory. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/** `/ws`: every bus event, serialised once and fanned out to every connected client. */
function streamEvents(ws: WsRouter, svc: MaestroService): void {
  const clients = new Set<WebSocket>();
  const unsubscribe = svc.bus.subscribe((event) => {
    if (clients.size === 0) return;
    const frame = JSON.stringify({ type: 'event', event });
    for (const client of clients) {
      if (client.readyState !== client.OPEN) continue;
      if (client.bufferedAmount > MAX_BUFFERED_BYTES) client.terminate();
      else client.send(frame);
    }
  });
  ws.wss.on('close', unsubscribe);
  ws.register('/ws', (socket) => {
    clients.add(socket);
    socket.send(JSON.stringify({ type: 'hello', apiUrl: svc.apiUrl }));
    const ping = setInterval(() => socket.readyState === socket.OPEN && socket.ping(), 25_000);
    socket.on('close', () => {
      clearInterval(ping);
      clients.delete(socket);
    });
    socket.on('error', () => socket.terminate());
  });
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const logger = opts.logger ?? createLogger('maestro-http');
  const webRoot = opts.webRoot ?? defaultWebRoot();
  const placeholder = express();
  const http = createServer(placeholder);
  const rejectHost = createHostGuard(opts.host ?? '127.0.0.1');
  const ws = new WsRouter(http, rejectHost);
  const app = createApp({ svc: opts.svc, ws, logger }, rejectHost);
  for (const extend of opts.extensions ?? []) extend({ app, ws, svc: opts.svc, logger });
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
    close: () =>
      new Promise<void>((resolve) => {
        ws.close();
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}
