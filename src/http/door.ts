import express, { type NextFunction, type Request, type Response } from 'express';
import { randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { MaestroError, toMaestroError } from '../core/errors.js';
import type { Logger } from '../log/logger.js';
import type { Authenticator } from './auth.js';
import type { RouteHandlers } from './route-table.js';
import { isProtectedPath, type RequestGuard } from './request-guard.js';
import { routeFor } from './routes.js';

/*
 * What every HTTP request passes before any route: its id, the origin check, the credential check, the
 * JSON rule and the limits; and how errors are answered.
 */

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

/**
 * The one way every HTTP error is answered: `{ error: <MaestroError wire form> }` with the code's status
 * (or `status`, for the few refusals HTTP has its own number for: 413, 415). Unknown failures are logged
 * with the request id and answered as a bare `internal error`: their messages and causes may name files or
 * internals (the id is in the X-Request-Id header). A busy database says when to retry.
 */
export function sendError(res: Response, err: unknown, logger?: Logger, status?: number): void {
  let error = toMaestroError(err);
  if (error.code === 'internal') {
    logger?.error({ err, requestId: res.locals.requestId as string | undefined }, 'internal error');
    error = new MaestroError('internal', 'internal error');
  }
  if (error.code === 'unavailable') res.setHeader('Retry-After', '1');
  if (error.code === 'unauthorized') res.setHeader('WWW-Authenticate', 'Bearer realm="maestro"');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.status(status ?? error.httpStatus).json({ error: error.toJSON() });
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH']);
const isJson = (req: Request) => /^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '');

/** State changes must be JSON, which no HTML form or "simple" cross-site request can send. */
export function requireJson(req: Request, res: Response, next: NextFunction): void {
  if (STATE_CHANGING.has(req.method) && !isJson(req))
    sendError(res, new MaestroError('invalid_input', 'the request body must be JSON (Content-Type: application/json)', 'content-type'), undefined, 415);
  else next();
}

/**
 * A request Node refuses before express sees it (a head or URL too large, a malformed or too slow request)
 * is answered like every other refusal, JSON with a request id, instead of Node's bare status line. The
 * statuses are Node's own: 431 for a head too large, 408 for a request too slow, else 400.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'the request head (headers or URL) is too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'the request took too long']
        : [400, 'the request is not valid HTTP'];
  const body = JSON.stringify({ error: new MaestroError('invalid_input', message).toJSON() });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${randomBytes(6).toString('hex')}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The door, first: a request id, and browsers from other origins refused. */
export function openDoor(app: express.Express, door: { logger: Logger; guard: RequestGuard }): void {
  app.use((req, res, next) => {
    const requestId = randomBytes(6).toString('hex');
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    const refusal = door.guard(req, isProtectedPath(req.path));
    if (refusal) sendError(res, refusal, door.logger);
    else next();
  });
}

/**
 * The door, second (after the open routes: health, sign-in): everything under /api, /mcp (and /ws, in
 * ws-router) needs a credential, and state changes must be JSON.
 */
export function requireCredential(app: express.Express, door: { auth: Authenticator; logger: Logger; limits: ServerLimits }): void {
  app.use((req, res, next) => {
    if (!isProtectedPath(req.path)) return next();
    try {
      res.locals.actor = door.auth.authenticate(req.headers);
    } catch (err) {
      sendError(res, err, door.logger);
      return;
    }
    requireJson(req, res, next);
  });
  const json = express.json({ limit: door.limits.maxBodyBytes });
  // Task import sends whole files (100k tasks: tens of MB): a larger limit on its route, for the owner only.
  const bulk = express.json({ limit: Math.max(IMPORT_MAX_BODY_BYTES, door.limits.maxBodyBytes) });
  app.use((req, res, next) => {
    const owner = (res.locals.actor as { kind?: string } | undefined)?.kind === 'user';
    (owner && req.method === 'POST' && req.path === IMPORT_PATH ? bulk : json)(req, res, next);
  });
}

/** The task import route (from the route table) and how large a file it takes. */
const IMPORT_PATH = routeFor('task.import')!.path;
export const IMPORT_MAX_BODY_BYTES = 256 * 1024 * 1024;

/** The handlers of the door's own routes of the table: health, sign-in and out, a new secret. */
export function doorHandlers(handlers: RouteHandlers, auth: Authenticator): void {
  // Open to anyone who can connect, so it says nothing but that the server answers.
  handlers.set('health', () => ({ ok: true }));
  handlers.set('auth.login', ({ body }, ctx) => {
    ctx.setHeader('Set-Cookie', auth.setCookie(auth.login(body.token)));
    ctx.setHeader('Cache-Control', 'no-store');
  });
  handlers.set('auth.logout', (_input, ctx) => ctx.setHeader('Set-Cookie', auth.setCookie(null)));
  handlers.set('auth.rotate', (_input, ctx) => {
    if (ctx.actor().kind !== 'user') throw new MaestroError('forbidden', 'only the owner may rotate the secret');
    auth.rotate();
    return { rotated: true };
  });
}
