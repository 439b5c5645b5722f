import type express from 'express';
import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { MaestroError, fromZodError } from '../core/errors.js';
import { executeOp, getOperation, type OperationName } from '../core/operations.js';
import type { MaestroService } from '../core/service.js';
import type { Logger } from '../log/logger.js';
import { actorOf } from './auth.js';
import { coerceQuery } from './coerce.js';
import { sendError, sendJson, type DoorResponse } from './door.js';
import { HTTP_SPECS, type HandlerContext, type HttpSpec, type RouteHandler, type RouteHandlers, type StreamBody } from './route-table.js';
import { isOpRoute, routeFor, type AnyRoute, type HttpRoute, type Route, type RoutedOpName } from './routes.js';

/** Compile-time: every operation named in the table exists (routes.ts cannot import the operations). */
const routedOpsExist: [Exclude<RoutedOpName, OperationName>] extends [never] ? true : false = true;
void routedOpsExist;

/*
 * Answers the routes of the table (routes.ts): one generic handler per route, one error path (sendError).
 * An operation route runs its operation with the request's input; an HTTP-only route has its params,
 * query and body parsed by its schemas (route-table.ts) and its handler's result sent as the table
 * declares (JSON, nothing, or a streamed file). The front lane (front.ts) calls `answerRoute` directly;
 * `mountRoutes` also mounts each route on express, which answers what the front lane passes on.
 */

export interface MountDeps {
  svc: MaestroService;
  logger: Logger;
  handlers: RouteHandlers;
}

/** One request for a route, past the door: its params (decoded), query and parsed body. */
export interface RouteRequest {
  req: IncomingMessage;
  res: DoorResponse;
  params: Record<string, string>;
  /** The query string's parameters (read only by GET and DELETE routes). */
  query(): Record<string, unknown>;
  /** The parsed JSON body, undefined when there was none. */
  body: unknown;
}

type Lower = 'get' | 'post' | 'patch' | 'delete';

export function mountRoutes(app: express.Express, routes: readonly AnyRoute[], deps: MountDeps, before: express.RequestHandler[] = []): void {
  for (const route of routes) {
    app[route.method.toLowerCase() as Lower](route.path, ...before, (req: express.Request, res: express.Response) =>
      answerRoute(route, { req, res, params: req.params as Record<string, string>, query: () => req.query as Record<string, unknown>, body: req.body }, deps),
    );
  }
}

/** Runs the route for the request and answers it; every failure is answered by sendError. */
export async function answerRoute(route: AnyRoute, request: RouteRequest, deps: MountDeps): Promise<void> {
  try {
    if (isOpRoute(route)) await answerOp(route, request, deps.svc);
    else await answerHttp(route, request, deps);
  } catch (err) {
    sendError(request.res, err, deps.logger);
  }
}

const fromQuery = (req: IncomingMessage) => req.method === 'GET' || req.method === 'DELETE';

async function answerOp(route: Route, { req, res, params, query, body }: RouteRequest, svc: MaestroService): Promise<void> {
  const op = getOperation(route.op);
  if (!op) throw new MaestroError('not_found', `operation '${route.op}' does not exist`);
  const base: unknown = fromQuery(req) ? coerceQuery(op.input, query()) : body ?? {};
  if (typeof base !== 'object' || base === null || Array.isArray(base)) throw new MaestroError('invalid_input', 'the JSON body must be an object');
  const input: Record<string, unknown> = { ...base, ...params };
  const ifMatch = versionFromIfMatch(req.headers['if-match']);
  if (ifMatch !== undefined) {
    if (!takesVersion(op.input)) throw new MaestroError('invalid_input', `If-Match is not understood by ${route.method} ${route.path}: only updates of versioned entities take it`, 'If-Match');
    if (input.ifVersion !== undefined && input.ifVersion !== ifMatch)
      throw new MaestroError('invalid_input', `If-Match says version ${ifMatch} but ifVersion says ${String(input.ifVersion)}: send one`, 'ifVersion');
    input.ifVersion = ifMatch;
  }
  const result = await executeOp(svc, actorOf(res), op.name, input);
  const etag = etagOf(result);
  if (etag) res.setHeader('ETag', etag);
  sendJson(res, route.status, result ?? null);
}

/*
 * Versions over HTTP: an entity answered alone carries `ETag: "<version>"`, and an update sent with
 * `If-Match: "<version>"` is the same as `ifVersion` in its body (a mismatch is a 409 conflict naming the
 * current version). `If-Match: *` asks for nothing.
 */
function versionFromIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"(\d{1,15})"\s*$/.exec(header);
  const version = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(version) || version < 1)
    throw new MaestroError('invalid_input', `If-Match must be an entity tag from an ETag header, like "3"; got ${JSON.stringify(header.slice(0, 40))}`, 'If-Match');
  return version;
}

function takesVersion(schema: z.ZodType): boolean {
  const shape = (schema as { shape?: Record<string, unknown> }).shape;
  return shape !== undefined && 'ifVersion' in shape;
}

function etagOf(result: unknown): string | undefined {
  if (result === null || typeof result !== 'object' || Array.isArray(result)) return undefined;
  const { id, version } = result as { id?: unknown; version?: unknown };
  return typeof id === 'string' && typeof version === 'number' ? `"${version}"` : undefined;
}

/** One part of an HTTP-only route's input; its schemas' messages are whole sentences, the field is named apart. */
function parsePart(schema: z.ZodType | undefined, value: unknown): unknown {
  if (!schema) return {};
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const error = fromZodError(parsed.error);
  throw new MaestroError('invalid_input', parsed.error.issues[0]?.message ?? error.message, error.field);
}

async function answerHttp(route: HttpRoute, { req, res, params, query, body }: RouteRequest, deps: MountDeps): Promise<void> {
  const name = route.name as keyof typeof HTTP_SPECS;
  const spec: HttpSpec = HTTP_SPECS[name];
  const handler = deps.handlers.get(name);
  if (!handler) throw new MaestroError('not_found', `${route.method} ${route.path} is not served here (this server runs no terminal supervisor)`);
  const input = {
    params: parsePart(spec.params, params),
    query: parsePart(spec.query, spec.query ? coerceQuery(spec.query, query()) : {}),
    body: parsePart(spec.body, fromQuery(req) ? {} : body ?? {}),
  };
  let status: number = route.status;
  const ctx: HandlerContext = {
    actor: () => actorOf(res),
    setHeader: (header, value) => void res.setHeader(header, value),
    setStatus: (code) => void (status = code),
    exchange: () => ({ req, res }),
  };
  const result: unknown = await handler(input as never, ctx);
  if (route.result === 'self') return;
  if (route.result === 'none') {
    res.statusCode = status;
    res.end();
  } else if (route.result === 'json') sendJson(res, status, result ?? null);
  else sendStream(res, status, route.result, result as StreamBody);
}

function sendStream(res: DoorResponse, status: number, type: string, body: StreamBody): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  if (body.length !== undefined) res.setHeader('Content-Length', String(body.length));
  // The name comes from user data (a project's name): only word characters, dots and dashes reach the header.
  res.setHeader('Content-Disposition', `inline; filename="${body.filename.replace(/[^\w.-]+/g, '_')}"`);
  res.setHeader('Cache-Control', 'no-cache');
  body
    .open()
    .on('error', (err) => res.destroy(err))
    .pipe(res);
}

/** The generic op door's handler: the operation named in the path, with the body as its input untouched. */
export function opDoor(svc: MaestroService): RouteHandler<'op.call'> {
  return async ({ params, body }, ctx) => {
    const op = getOperation(params.name);
    if (!op) throw new MaestroError('not_found', `operation '${params.name}' does not exist`);
    ctx.setStatus(routeFor(op.name)?.status ?? 200);
    return executeOp(svc, ctx.actor(), op.name, body);
  };
}
