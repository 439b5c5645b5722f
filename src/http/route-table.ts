import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import type { Actor } from '../core/access.js';
import type { SessionLogs } from '../core/types.js';
import { MAX_LOG_ENTRIES } from '../core/transcript.js';
import { HOOK_EVENT_NAME, MAX_HOOK_EVENTS } from '../pty/hooks/contract.js';
import { TaskExportQuery } from '../core/task-import-schemas.js';
import { TaskTreeScope } from '../core/schemas.js';
import type { HttpRouteName } from './routes.js';

/*
 * The typed half of the HTTP-only routes of routes.ts: for each one, the zod schemas of its input (path
 * params, query, JSON body) and of its result, and the shape of the handler that answers it. Keyed by the
 * route's name, and required for every name, so a route cannot exist without its schemas. Type-only
 * imports of this module are fine anywhere (the client and the dashboard derive their calls from it).
 */

/** Keys typed into a terminal per request (HTTP or WebSocket). */
export const MAX_TERMINAL_INPUT = 64 * 1024;

/** What a route with a streamed result answers (its media type is the route's `result`). */
export interface StreamBody {
  /** Its size in bytes, when known up front (else the answer is chunked). */
  length?: number;
  /** The download's name; sendStream (mount.ts) keeps only word characters, dots and dashes of it. */
  filename: string;
  open(): Readable;
}

export interface HttpSpec {
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The JSON answer; `stream` for a file, `none` for 204, `self` when the handler answers on its own. */
  result: z.ZodType | 'stream' | 'none' | 'self';
}

const SessionParams = z.object({ sessionId: z.string({ error: 'sessionId is required' }).min(1, { error: 'sessionId is required' }) });
/** A flag in a query: `1`, `true` or `yes` (the client may pass a boolean). */
const flag = z.union([z.boolean(), z.string()]).optional();

const HookEvent = z.object({
  event: z.string({ error: 'each event must be a hook event name like PreToolUse' }).regex(HOOK_EVENT_NAME, { error: 'each event must be a hook event name like PreToolUse' }),
  payload: z.record(z.string(), z.unknown(), { error: 'each payload must be an object' }),
  firedAt: z
    .string({ error: 'each firedAt must be an ISO 8601 time' })
    .refine((t) => !Number.isNaN(Date.parse(t)), { error: 'each firedAt must be an ISO 8601 time' })
    .transform((t) => new Date(t).toISOString()),
});

/** What the stateless MCP endpoint answers to GET and DELETE (with status 405): a JSON-RPC error. */
const McpNotAllowed = {
  result: z.object({ jsonrpc: z.literal('2.0'), error: z.object({ code: z.number(), message: z.string() }), id: z.null() }),
};

export const HTTP_SPECS = {
  health: { result: z.object({ ok: z.boolean() }) },
  // A token that is not the secret (missing, not text) is a 401 from the authenticator, not a 400.
  'auth.login': { body: z.object({ token: z.unknown() }), result: 'none' },
  'auth.logout': { result: 'none' },
  'auth.rotate': { result: z.object({ rotated: z.boolean() }) },
  'op.call': {
    params: z.object({ name: z.string() }),
    body: z.record(z.string(), z.unknown(), { error: 'the JSON body must be an object' }),
    result: z.unknown(),
  },
  'session.recording': { params: SessionParams, result: 'stream' },
  'task.export': { query: TaskExportQuery, result: 'stream' },
  'task.tree.stream': { query: TaskTreeScope, result: 'stream' },
  'session.input': {
    params: SessionParams,
    body: z.object({
      data: z
        .string({ error: 'data must be a non-empty string (the keys to type; "\\r" is Enter)' })
        .min(1, { error: 'data must be a non-empty string (the keys to type; "\\r" is Enter)' })
        .max(MAX_TERMINAL_INPUT, { error: `data is longer than ${MAX_TERMINAL_INPUT} characters` }),
    }),
    result: z.object({ sessionId: z.string(), written: z.number() }),
  },
  'session.hooks': {
    params: SessionParams,
    body: z.object({
      events: z
        .array(HookEvent, { error: `events must be an array of 1 to ${MAX_HOOK_EVENTS} hook events` })
        .min(1, { error: `events must be an array of 1 to ${MAX_HOOK_EVENTS} hook events` })
        .max(MAX_HOOK_EVENTS, { error: `events must be an array of 1 to ${MAX_HOOK_EVENTS} hook events` }),
    }),
    result: z.object({ sessionId: z.string(), accepted: z.number(), fromSpool: z.number() }),
  },
  'session.logs': {
    params: SessionParams,
    query: z.object({
      limit: z.number({ error: `limit must be a whole number from 1 to ${MAX_LOG_ENTRIES}` }).int().min(1).max(MAX_LOG_ENTRIES).optional(),
      head: z.union([z.boolean(), z.enum(['0', '1', 'true', 'false'])], { error: 'head must be 1 or 0' }).optional(),
    }),
    result: z.custom<SessionLogs>(),
  },
  'session.screen': {
    params: SessionParams,
    query: z.object({ ansi: flag }),
    result: z.object({ sessionId: z.string(), live: z.boolean(), text: z.string(), cols: z.number().nullable(), rows: z.number().nullable() }),
  },
  // The JSON-RPC message (or batch) as sent: the MCP transport checks it, and answers the request itself.
  mcp: { body: z.unknown(), result: 'self' },
  'mcp.get': McpNotAllowed,
  'mcp.delete': McpNotAllowed,
} as const satisfies { [K in HttpRouteName]: HttpSpec };

type Spec<K extends HttpRouteName> = (typeof HTTP_SPECS)[K];
type Part<S, P extends 'params' | 'query' | 'body', IO extends 'in' | 'out'> = S extends { [k in P]: infer Z extends z.ZodType }
  ? IO extends 'in'
    ? z.input<Z>
    : z.output<Z>
  : Record<never, never>;

/** What a caller passes to route K: its path params, query and body fields together. */
export type HttpInput<K extends HttpRouteName> = Part<Spec<K>, 'params', 'in'> & Part<Spec<K>, 'query', 'in'> & Part<Spec<K>, 'body', 'in'>;
/** What route K answers, as a client reads it (a streamed file as its text, 204 as nothing). */
export type HttpResult<K extends HttpRouteName> = Spec<K>['result'] extends z.ZodType
  ? z.output<Spec<K>['result']>
  : Spec<K>['result'] extends 'stream'
    ? string
    : void;

/** What a handler of route K receives: each part parsed by its schema. */
export interface HandlerInput<K extends HttpRouteName> {
  params: Part<Spec<K>, 'params', 'out'>;
  query: Part<Spec<K>, 'query', 'out'>;
  body: Part<Spec<K>, 'body', 'out'>;
}

export interface HandlerContext {
  /** The caller the door proved (routes that need a credential only). */
  actor(): Actor;
  setHeader(name: string, value: string): void;
  /** Overrides the table's status (only the generic op door, which answers with its operation's). */
  setStatus(status: number): void;
  /** The request and response themselves, for a `self` route that writes its own answer (the MCP transport). */
  exchange(): { req: IncomingMessage; res: ServerResponse & { locals: { requestId?: string } } };
}

export type HandlerOutput<K extends HttpRouteName> = Spec<K>['result'] extends z.ZodType
  ? z.input<Spec<K>['result']>
  : Spec<K>['result'] extends 'stream'
    ? StreamBody
    : void;

export type RouteHandler<K extends HttpRouteName> = (input: HandlerInput<K>, ctx: HandlerContext) => HandlerOutput<K> | Promise<HandlerOutput<K>>;

/** The handlers of HTTP-only routes, filled by the server (auth, op door) and its extensions (terminals). */
export class RouteHandlers {
  private readonly handlers = new Map<HttpRouteName, RouteHandler<never>>();

  set<K extends HttpRouteName>(name: K, handler: RouteHandler<K>): this {
    this.handlers.set(name, handler as unknown as RouteHandler<never>);
    return this;
  }

  get(name: HttpRouteName): RouteHandler<HttpRouteName> | undefined {
    return this.handlers.get(name) as RouteHandler<HttpRouteName> | undefined;
  }
}
