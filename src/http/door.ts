import express, { type NextFunction, type Request, type Response } from 'express';
import { randomBytes } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Actor } from '../core/access.js';
import { MaestroError, toMaestroError } from '../core/errors.js';
import type { Logger } from '../log/logger.js';
import type { Authenticator } from './auth.js';
import { jsonBodyReader, type JsonBodyReader } from './json-body.js';
import type { RouteHandlers } from './route-table.js';
import { isProtectedPath, type RequestGuard } from './request-guard.js';
import { routeFor } from './routes.js';
import { turnBudgetFromEnv } from './turns.js';

/*
 * What every HTTP request passes before any route: its id, the origin check, the credential check, the
 * JSON rule and the limits; and how answers and errors are written. Both ways a request is served use
 * these: the front lane (front.ts) for the table's routes, express for everything else.
 */

/** What the door learns about a request, kept on its response: its id, and the caller once proved. */
export interface DoorLocals {
  requestId?: string;
  actor?: Actor;
}

/** A response the door has seen (express's responses have `locals` too). */
export type DoorResponse = ServerResponse & { locals: DoorLocals };

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
  /** Request work per turn of the event loop before the loop polls again (turns.ts); null: no slicing. */
  turnBudgetMs: number | null;
}

export function serverLimits(overrides: Partial<ServerLimits> = {}, env: NodeJS.ProcessEnv = process.env): ServerLimits {
  const fromEnv = Number(env.MAESTRO_HEADERS_TIMEOUT_MS);
  const headersTimeoutMs = overrides.headersTimeoutMs ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 10_000);
  return {
    headersTimeoutMs,
    requestTimeoutMs: Math.max(overrides.requestTimeoutMs ?? 30_000, headersTimeoutMs),
    keepAliveTimeoutMs: overrides.keepAliveTimeoutMs ?? 5_000,
    maxBodyBytes: overrides.maxBodyBytes ?? 1024 * 1024,
    turnBudgetMs: overrides.turnBudgetMs !== undefined ? overrides.turnBudgetMs : turnBudgetFromEnv(env.MAESTRO_TURN_BUDGET_MS),
  };
}

/**
 * The one way every HTTP error is answered: `{ error: <MaestroError wire form> }` with the code's status
 * (or `status`, for the few refusals HTTP has its own number for: 413, 415). Unknown failures are logged
 * with the request id and answered as a bare `internal error`: their messages and causes may name files or
 * internals (the id is in the X-Request-Id header). A busy database says when to retry.
 */
export function sendError(res: ServerResponse & { locals?: DoorLocals }, err: unknown, logger?: Logger, status?: number): void {
  const error = publicError(err, logger, res.locals?.requestId);
  if (error.code === 'unavailable') res.setHeader('Retry-After', '1');
  if (error.code === 'unauthorized') res.setHeader('WWW-Authenticate', 'Bearer realm="maestro"');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status ?? error.httpStatus, { error: error.toJSON() });
}

/** The error as a client may see it: an internal one is logged with the request id and becomes a bare `internal error`. */
export function publicError(err: unknown, logger: Logger | undefined, requestId: string | undefined): MaestroError {
  const error = toMaestroError(err);
  if (error.code !== 'internal') return error;
  logger?.error({ err, requestId }, 'internal error');
  return new MaestroError('internal', 'internal error');
}

/**
 * A JSON answer, with the headers express's `res.json` wrote (Content-Type with its charset, Content-Length),
 * in one write. No weak ETag of the body is computed: only an entity's own `ETag: "<version>"` (set before)
 * is sent, and a GET whose If-None-Match names it is answered 304 as before.
 */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const req = res.req as IncomingMessage | undefined;
  const method = req?.method;
  if ((method === 'GET' || method === 'HEAD') && ((status >= 200 && status < 300) || status === 304) && isFresh(req!, res.getHeader('ETag'))) {
    res.removeHeader('Content-Type');
    res.removeHeader('Content-Length');
    res.writeHead(304).end();
    return;
  }
  const text = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  if (method === 'HEAD') res.end();
  else res.end(text);
}

const NO_CACHE = /(?:^|,)\s*?no-cache\s*?(?:,|$)/;

/** The `fresh` test express made before every answer, for answers that carry no Last-Modified (none here do). */
function isFresh(req: IncomingMessage, etag: unknown): boolean {
  const noneMatch = req.headers['if-none-match'];
  if (!noneMatch) return false;
  const cacheControl = req.headers['cache-control'];
  if (cacheControl && NO_CACHE.test(cacheControl)) return false;
  if (noneMatch === '*') return true;
  if (typeof etag !== 'string' || !etag) return false;
  return noneMatch.split(',').some((token) => {
    const match = token.trim();
    return match === etag || match === `W/${etag}` || `W/${match}` === etag;
  });
}

/** Request ids: 12 hex digits each, cut from one random draw per 512 requests instead of a draw each. */
const IDS_PER_DRAW = 512;
let idPool = '';
let idNext = 0;
export function newRequestId(): string {
  if (idNext >= idPool.length) {
    idPool = randomBytes(6 * IDS_PER_DRAW).toString('hex');
    idNext = 0;
  }
  idNext += 12;
  return idPool.slice(idNext - 12, idNext);
}

/** The door's first step for every request: its id, and browsers from other origins refused (false: answered). */
export function admit(req: IncomingMessage, res: DoorResponse, path: string, guard: RequestGuard, logger: Logger): boolean {
  const requestId = newRequestId();
  res.locals.requestId = requestId;
  res.setHeader('X-Request-Id', requestId);
  const refusal = guard(req, isProtectedPath(path));
  if (refusal) sendError(res, refusal, logger);
  return !refusal;
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH']);
const JSON_TYPE = /^application\/json\s*(;|$)/i;

/** State changes must be JSON, which no HTML form or "simple" cross-site request can send (false: answered 415). */
export function admitJson(req: IncomingMessage, res: ServerResponse): boolean {
  if (!STATE_CHANGING.has(req.method!) || JSON_TYPE.test(req.headers['content-type'] ?? '')) return true;
  sendError(res, new MaestroError('invalid_input', 'the request body must be JSON (Content-Type: application/json)', 'content-type'), undefined, 415);
  return false;
}

export function requireJson(req: Request, res: Response, next: NextFunction): void {
  if (admitJson(req, res)) next();
}

/** The caller proved by the request's credential, kept on the response (false: answered 401/403). */
export function admitCaller(req: IncomingMessage, res: DoorResponse, auth: Authenticator, logger: Logger): boolean {
  try {
    res.locals.actor = auth.authenticate(req.headers);
    return true;
  } catch (err) {
    sendError(res, err, logger);
    return false;
  }
}

/**
 * How a failure met before the route is answered (express's error handler, and the front lane's): a body
 * that is no JSON or too large, a URL that is not valid percent-encoding, body-parser's other refusals.
 */
export function answerRequestError(res: ServerResponse & { locals?: DoorLocals }, err: unknown, logger: Logger): void {
  const refusal = requestRefusal(err);
  if (refusal) sendError(res, refusal.error, logger, refusal.status);
  else sendError(res, err, logger);
}

/** Such a failure as its status and words (`invalid_input`), or undefined when `err` is none of them. */
export function requestRefusal(err: unknown): { status: number; error: MaestroError } | undefined {
  const { status, type, expose, message } = err as { status?: number; type?: string; expose?: boolean; message?: string };
  const refusal = (code: number, text: string) => ({ status: code, error: new MaestroError('invalid_input', text) });
  if (type === 'entity.parse.failed') return refusal(400, 'the request body is not valid JSON');
  if (err instanceof URIError) return refusal(400, 'the URL is not valid percent-encoding');
  if (status === 413) return refusal(413, 'the request body is too large');
  if (typeof status === 'number' && status >= 400 && status < 500) return refusal(status, expose && message ? message : 'bad request');
  return undefined;
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
    if (admit(req, res, req.path, door.guard, door.logger)) next();
  });
}

/** The JSON body readers of the door: the limit of open routes, of every other route, and of task import. */
export interface BodyReaders {
  open: JsonBodyReader;
  json: JsonBodyReader;
  bulk: JsonBodyReader;
}

export function bodyReaders(limits: ServerLimits): BodyReaders {
  return {
    // Health and sign-in take a token at most.
    open: jsonBodyReader(OPEN_MAX_BODY_BYTES),
    json: jsonBodyReader(limits.maxBodyBytes),
    // Task import sends whole files (100k tasks: tens of MB): a larger limit on its route, for the owner only.
    bulk: jsonBodyReader(Math.max(IMPORT_MAX_BODY_BYTES, limits.maxBodyBytes)),
  };
}

/** The reader for a request that has passed the credential check. */
export const readerFor = (readers: BodyReaders, req: IncomingMessage, path: string, actor: Actor | undefined): JsonBodyReader =>
  actor?.kind === 'user' && req.method === 'POST' && path === IMPORT_PATH ? readers.bulk : readers.json;

/** Express middleware that reads the body with `pick`'s reader into `req.body`, or answers its refusal. */
export function readBody(pick: (req: Request, res: Response) => JsonBodyReader): express.RequestHandler {
  return (req, res, next) => {
    pick(req, res)(req, res).then((body) => {
      if (body !== undefined) req.body = body;
      next();
    }, next);
  };
}

/**
 * The door, second (after the open routes: health, sign-in): everything under /api, /mcp (and /ws, in
 * ws-router) needs a credential, and state changes must be JSON.
 */
export function requireCredential(app: express.Express, door: { auth: Authenticator; logger: Logger; readers: BodyReaders }): void {
  app.use((req, res, next) => {
    if (!isProtectedPath(req.path)) return next();
    if (admitCaller(req, res, door.auth, door.logger) && admitJson(req, res)) next();
  });
  app.use(readBody((req, res) => readerFor(door.readers, req, req.path, (res.locals as DoorLocals).actor)));
}

/** The task import route (from the route table) and how large a file it takes. */
const IMPORT_PATH = routeFor('task.import')!.path;
export const IMPORT_MAX_BODY_BYTES = 256 * 1024 * 1024;
/** express.json's '4kb'. */
const OPEN_MAX_BODY_BYTES = 4 * 1024;

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
