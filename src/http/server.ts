import express, { type NextFunction, type Request, type Response } from 'express';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MaestroError } from '../core/errors.js';
import type { MaestroService } from '../core/service.js';
import { createLogger, type Logger } from '../log/logger.js';
import { Authenticator } from './auth.js';
import { answerClientError, answerRequestError, bodyReaders, doorHandlers, openDoor, readBody, requireCredential, requireJson, sendError, serverLimits, type BodyReaders, type ServerLimits } from './door.js';
import { closeSocketsOfEndedSessions, streamEvents } from './event-stream.js';
import { frontLane } from './front.js';
import { FairTurns } from './turns.js';
import { mountRoutes, opDoor } from './mount.js';
import { createRequestGuard, type RequestGuard } from './request-guard.js';
import { RouteMatcher } from './route-match.js';
import { RouteHandlers } from './route-table.js';
import { taskExportHandler } from './task-export.js';
import { taskTreeStreamHandler } from './task-tree.js';
import { ROUTE_TABLE, isOpRoute } from './routes.js';
import { WsRouter } from './ws-router.js';

export { sendError, serverLimits, type ServerLimits };

export interface HttpContext {
  app: express.Express;
  ws: WsRouter;
  svc: MaestroService;
  logger: Logger;
  auth: Authenticator;
  /** Handlers of the table's HTTP-only routes (routes.ts): an extension sets those it serves. */
  routes: RouteHandlers;
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
  /** The express app: every route is mounted on it too, and it answers what the front lane passes on (tests inspect its routes). */
  app: express.Express;
  close(): Promise<void>;
}

/** dist/web of this package, whether this module runs compiled (dist/src/http) or from source (src/http). */
function defaultWebRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'web');
}

const isOpen = (route: (typeof ROUTE_TABLE)[number]) => !isOpRoute(route) && route.access === 'open';

/**
 * The app up to the extensions: the door, the open routes of the table (health, sign-in), the credential
 * check. The routes that need a credential are mounted by `mountProtected`, once extensions have set
 * their handlers, in the table's order.
 */
export function createApp(ctx: Omit<HttpContext, 'app'>, guard: RequestGuard, readers: BodyReaders): express.Express {
  const { svc, logger, auth, routes } = ctx;
  const app = express();
  app.disable('x-powered-by');
  // JSON answers carry no hash of their body (sendJson in door.ts, for the front lane's answers too).
  app.set('etag', false);
  doorHandlers(routes, auth);
  routes.set('op.call', opDoor(svc));
  routes.set('task.export', taskExportHandler(svc));
  routes.set('task.tree.stream', taskTreeStreamHandler(svc));
  openDoor(app, { logger, guard });
  mountRoutes(app, ROUTE_TABLE.filter(isOpen), { svc, logger, handlers: routes }, [requireJson, readBody(() => readers.open)]);
  requireCredential(app, { auth, logger, readers });
  return app;
}

function mountProtected(app: express.Express, ctx: Omit<HttpContext, 'app'>): void {
  mountRoutes(app, ROUTE_TABLE.filter((r) => !isOpen(r)), { svc: ctx.svc, logger: ctx.logger, handlers: ctx.routes });
}

/** Finishes the app: dashboard files, JSON 404s and error handling come after every extension's routes. */
function finishApp(app: express.Express, webRoot: string, logger: Logger): void {
  app.use('/api', (req, res) => {
    sendError(res, new MaestroError('not_found', `no route for ${req.method} ${req.originalUrl}`));
  });
  if (existsSync(webRoot)) {
    app.use(express.static(webRoot, { index: 'index.html', maxAge: '1h', setHeaders: noCacheForHtml }));
    app.get('/{*path}', (_req, res) => res.sendFile('index.html', { root: webRoot, headers: { 'Cache-Control': 'no-cache' } }));
  } else {
    app.get('/', (_req, res) => {
      res.type('text/plain').send('Maestro is running. The dashboard is not built: run `npm run build`.');
    });
  }
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => answerRequestError(res, err, logger));
}

function noCacheForHtml(res: Response, path: string): void {
  if (path.endsWith('.html')) res.setHeader('Cache-Control', 'no-cache');
}

/**
 * Connections the kernel holds for us until they are accepted (capped by net.core.somaxconn, 4096 here).
 * Node's 511 overflowed under a burst of 1,000 hook and CLI connections: the ones past it were dropped and
 * retried by the client's TCP a second or more later.
 */
const LISTEN_BACKLOG = 4096;

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
  const ctx = { svc: opts.svc, ws, logger, auth, routes: new RouteHandlers() };
  const readers = bodyReaders(limits);
  const app = createApp(ctx, guard, readers);
  for (const extend of opts.extensions ?? []) extend({ app, ...ctx });
  mountProtected(app, ctx);
  finishApp(app, webRoot, logger);
  const mount = { svc: opts.svc, logger, handlers: ctx.routes };
  http.removeAllListeners('request');
  // The table's routes are answered by the front lane (front.ts); every other request by the express app.
  const turns = new FairTurns(limits.turnBudgetMs, (err) => logger.error({ err }, 'request failed'));
  // Short turns would each commit their few writes: while requests wait, a batch spans turns instead.
  opts.svc.store.holdCommitsWhile(() => turns.queued > 0);
  http.on('request', frontLane(app, { turns, matcher: new RouteMatcher(ROUTE_TABLE), guard, auth, logger, readers, mount }));
  http.on('clientError', answerClientError);

  streamEvents(ws, opts.svc);
  closeSocketsOfEndedSessions(ws, opts.svc);

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen({ port: opts.port ?? 3000, host: opts.host ?? '127.0.0.1', backlog: LISTEN_BACKLOG }, () => {
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
    app,
    close: () =>
      new Promise<void>((resolve) => {
        ws.close();
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}
