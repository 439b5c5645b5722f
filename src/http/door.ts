import express, { type NextFunction, type Request, type Response } from 'express';
import { randomBytes } from 'node:crypto';
import { MaestroError, toMaestroError } from '../core/errors.js';
import type { Logger } from '../log/logger.js';
import { actorOf, type Authenticator } from './auth.js';
import { isProtectedPath, type RequestGuard } from './request-guard.js';

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
export function guardDoor(app: express.Express, door: { auth: Authenticator; logger: Logger; guard: RequestGuard; limits: ServerLimits }): void {
  const { auth, logger, guard, limits } = door;
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

