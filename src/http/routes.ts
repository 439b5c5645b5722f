import { MaestroError } from '../core/error-codec.js';
import { toQuery } from './query.js';

/*
 * The one table of every HTTP route: method, path, success status, and what runs it (an operation, or an
 * HTTP-only handler named here, whose zod input and result live in route-table.ts). Shared by the server
 * (mount.ts mounts it), the CLI's client and the dashboard, so none can drift. No node, no zod values and
 * no import reaching node's types: the dashboard bundles this module as is, and type-checks without
 * Node typings (so op names are checked against the operations in mount.ts, on the server's side).
 */

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';
/** 201 for what a route creates, 204 for an answer without a body, else 200. */
export type SuccessStatus = 200 | 201 | 204;

interface RouteBase {
  method: HttpMethod;
  /** express-style path; `:param` segments fill input fields of the same name */
  path: string;
  status: SuccessStatus;
}

/** The REST face of an operation: GET and DELETE inputs travel as query parameters, others as a JSON body. */
export interface Route extends RouteBase {
  /** An operation's name (mount.ts checks at compile time that each one exists). */
  op: string;
  /**
   * Path params the operation may go without, a missing one meaning the caller itself (session.info
   * without a sessionId: the calling session). The route's path cannot say "nothing", so a call without
   * one goes through the generic door (`POST /api/ops/<op>`) instead: see `opRequest`.
   */
  selfDefault?: readonly string[];
}

/**
 * What an HTTP-only route answers: JSON, nothing (204), a file streamed with that media type, or `self`:
 * its handler writes the answer itself (the MCP transport, which speaks its own protocol on the socket).
 */
export type RouteResult = 'json' | 'none' | 'self' | 'application/x-asciicast' | 'application/x-ndjson';

/** A route outside the operations (terminals, sign-in); its input and result schemas are in route-table.ts. */
export interface HttpRoute extends RouteBase {
  name: string;
  result: RouteResult;
  /** `open`: answered without a credential (health, sign-in); every other route needs one. */
  access: 'open' | 'credential';
}

export type AnyRoute = Route | HttpRoute;

export const ROUTES = [
  { op: 'project.list', method: 'GET', path: '/api/projects', status: 200 },
  { op: 'project.create', method: 'POST', path: '/api/projects', status: 201 },
  { op: 'project.get', method: 'GET', path: '/api/projects/:project', status: 200 },
  { op: 'project.update', method: 'PATCH', path: '/api/projects/:project', status: 200 },
  { op: 'project.delete', method: 'DELETE', path: '/api/projects/:project', status: 200 },

  { op: 'task.list', method: 'GET', path: '/api/tasks', status: 200 },
  { op: 'task.create', method: 'POST', path: '/api/tasks', status: 201 },
  { op: 'task.tree', method: 'GET', path: '/api/tasks/tree', status: 200 },
  { op: 'task.import', method: 'POST', path: '/api/tasks/import', status: 200 },
  { op: 'task.get', method: 'GET', path: '/api/tasks/:taskId', status: 200 },
  { op: 'task.update', method: 'PATCH', path: '/api/tasks/:taskId', status: 200 },
  { op: 'task.complete', method: 'POST', path: '/api/tasks/:taskId/complete', status: 200 },

  { op: 'report.progress', method: 'POST', path: '/api/reports/progress', status: 200 },
  { op: 'report.complete', method: 'POST', path: '/api/reports/complete', status: 200 },
  { op: 'report.blocked', method: 'POST', path: '/api/reports/blocked', status: 200 },
  { op: 'report.error', method: 'POST', path: '/api/reports/error', status: 200 },
  { op: 'report.needs_input', method: 'POST', path: '/api/reports/needs_input', status: 200 },

  { op: 'queue.list', method: 'GET', path: '/api/queue', status: 200 },
  { op: 'queue.status', method: 'GET', path: '/api/queue/status', status: 200 },
  { op: 'queue.start', method: 'POST', path: '/api/queue/start', status: 200 },
  { op: 'queue.complete', method: 'POST', path: '/api/queue/complete', status: 200 },
  { op: 'queue.skip', method: 'POST', path: '/api/queue/skip', status: 200 },
  { op: 'queue.add', method: 'POST', path: '/api/queue/add', status: 200 },

  { op: 'session.list', method: 'GET', path: '/api/sessions', status: 200 },
  { op: 'session.spawn', method: 'POST', path: '/api/sessions', status: 201 },
  { op: 'session.info', method: 'GET', path: '/api/sessions/:sessionId', status: 200, selfDefault: ['sessionId'] },
  { op: 'session.timeline', method: 'GET', path: '/api/sessions/:sessionId/timeline', status: 200 },
  { op: 'session.stop', method: 'POST', path: '/api/sessions/:sessionId/stop', status: 200 },
  { op: 'session.send', method: 'POST', path: '/api/sessions/:sessionId/send', status: 200 },
  { op: 'worktree.info', method: 'GET', path: '/api/sessions/:sessionId/worktree', status: 200, selfDefault: ['sessionId'] },
  { op: 'session.diff', method: 'GET', path: '/api/sessions/:sessionId/diff', status: 200, selfDefault: ['sessionId'] },
  { op: 'session.files', method: 'GET', path: '/api/sessions/:sessionId/files', status: 200, selfDefault: ['sessionId'] },
  { op: 'session.file', method: 'GET', path: '/api/sessions/:sessionId/file', status: 200, selfDefault: ['sessionId'] },
  { op: 'session.merge', method: 'POST', path: '/api/sessions/:sessionId/merge', status: 200 },
  { op: 'session.cleanup', method: 'POST', path: '/api/sessions/:sessionId/cleanup', status: 200 },

  { op: 'merge_queue.list', method: 'GET', path: '/api/merge-queue', status: 200 },
  { op: 'merge_queue.add', method: 'POST', path: '/api/merge-queue', status: 201 },
  { op: 'merge_queue.remove', method: 'DELETE', path: '/api/merge-queue/:entryId', status: 200 },

  { op: 'template.list', method: 'GET', path: '/api/templates', status: 200 },
  { op: 'template.create', method: 'POST', path: '/api/templates', status: 201 },
  { op: 'template.get', method: 'GET', path: '/api/templates/:template', status: 200 },
  { op: 'template.delete', method: 'DELETE', path: '/api/templates/:template', status: 200 },

  { op: 'skill.list', method: 'GET', path: '/api/skills', status: 200 },
  { op: 'skill.get', method: 'GET', path: '/api/skills/:name', status: 200 },

  { op: 'manifest.get', method: 'GET', path: '/api/manifest', status: 200 },
  { op: 'manifest.generate', method: 'POST', path: '/api/manifest', status: 200 },
  { op: 'whoami', method: 'GET', path: '/api/whoami', status: 200 },
  { op: 'status', method: 'GET', path: '/api/status', status: 200 },

  // messages
  { op: 'message.list', method: 'GET', path: '/api/messages', status: 200 },
  { op: 'message.send', method: 'POST', path: '/api/messages', status: 201 },
  { op: 'message.inbox', method: 'POST', path: '/api/messages/inbox', status: 200 },
  { op: 'message.ack', method: 'POST', path: '/api/messages/:messageId/ack', status: 200 },
  // end of messages routes

  // leases
  { op: 'lease.list', method: 'GET', path: '/api/leases', status: 200 },
  { op: 'lease.acquire', method: 'POST', path: '/api/leases', status: 201 },
  { op: 'lease.release', method: 'POST', path: '/api/leases/release', status: 200 },
  { op: 'lease.check', method: 'POST', path: '/api/leases/check', status: 200 },
  // end of leases routes

  // dispatch
  { op: 'dispatch.start', method: 'POST', path: '/api/dispatch/start', status: 200 },
  { op: 'dispatch.stop', method: 'POST', path: '/api/dispatch/stop', status: 200 },
  { op: 'dispatch.status', method: 'GET', path: '/api/dispatch', status: 200 },
  // end of dispatch routes

  // notifications
  { op: 'notify.list', method: 'GET', path: '/api/notify/webhooks', status: 200 },
  { op: 'notify.add', method: 'POST', path: '/api/notify/webhooks', status: 201 },
  { op: 'notify.remove', method: 'DELETE', path: '/api/notify/webhooks/:webhookId', status: 200 },
  { op: 'notify.test', method: 'POST', path: '/api/notify/webhooks/:webhookId/test', status: 200 },
  // end of notifications routes
] as const satisfies readonly Route[];

export const HTTP_ROUTES = [
  { name: 'health', method: 'GET', path: '/health', status: 200, result: 'json', access: 'open' },
  { name: 'auth.login', method: 'POST', path: '/api/auth/login', status: 204, result: 'none', access: 'open' },
  { name: 'auth.logout', method: 'POST', path: '/api/auth/logout', status: 204, result: 'none', access: 'open' },
  { name: 'auth.rotate', method: 'POST', path: '/api/auth/rotate', status: 200, result: 'json', access: 'credential' },
  // One generic door for programmatic callers (the stdio MCP bridge): POST /api/ops/task_create {…}
  { name: 'op.call', method: 'POST', path: '/api/ops/:name', status: 200, result: 'json', access: 'credential' },
  // A project's tasks as JSONL (`maestro task export`), streamed page by page (src/core/task-export.ts).
  { name: 'task.export', method: 'GET', path: '/api/tasks/export', status: 200, result: 'application/x-ndjson', access: 'credential' },
  // A project's task tree as NDJSON lines {depth, last, task}, depth first (`maestro task tree`; src/core/task-tree-stream.ts).
  { name: 'task.tree.stream', method: 'GET', path: '/api/tasks/tree/stream', status: 200, result: 'application/x-ndjson', access: 'credential' },
  { name: 'session.recording', method: 'GET', path: '/api/sessions/:sessionId/recording', status: 200, result: 'application/x-asciicast', access: 'credential' },
  { name: 'session.input', method: 'POST', path: '/api/sessions/:sessionId/input', status: 200, result: 'json', access: 'credential' },
  { name: 'session.hooks', method: 'POST', path: '/api/sessions/:sessionId/hooks', status: 200, result: 'json', access: 'credential' },
  { name: 'session.logs', method: 'GET', path: '/api/sessions/:sessionId/logs', status: 200, result: 'json', access: 'credential' },
  { name: 'session.screen', method: 'GET', path: '/api/sessions/:sessionId/screen', status: 200, result: 'json', access: 'credential' },
  // MCP over Streamable HTTP (src/mcp/http.ts), stateless: JSON-RPC in a POST, answered by the MCP
  // transport itself (hence `self`: nothing left for the table to send). GET and DELETE always
  // answer 405 (set by their handler): a stateless endpoint has no stream to open and no session to end.
  { name: 'mcp', method: 'POST', path: '/mcp', status: 200, result: 'self', access: 'credential' },
  { name: 'mcp.get', method: 'GET', path: '/mcp', status: 200, result: 'json', access: 'credential' },
  { name: 'mcp.delete', method: 'DELETE', path: '/mcp', status: 200, result: 'json', access: 'credential' },
] as const satisfies readonly HttpRoute[];

export type HttpRouteName = (typeof HTTP_ROUTES)[number]['name'];

/**
 * The WebSocket endpoints (a GET with `Upgrade: websocket`; src/http/ws-router.ts), on the table too, so
 * every path the server answers is written here once: handlers register by name, clients build the path.
 *   events    every change as JSON events (src/http/event-stream.ts)
 *   terminal  an agent's live terminal, `?cols=N&rows=N` (src/pty/http.ts)
 *   mcp       MCP messages of the stdio bridge, each framed with a number (src/mcp/socket.ts)
 */
export const SOCKET_ROUTES = [
  { name: 'events', path: '/ws' },
  { name: 'terminal', path: '/ws/terminal/:sessionId' },
  { name: 'mcp', path: '/mcp/ws' },
] as const;

export type SocketName = (typeof SOCKET_ROUTES)[number]['name'];

export function socketRoute(name: SocketName): { name: SocketName; path: string } {
  const route = SOCKET_ROUTES.find((r) => r.name === name);
  if (!route) throw new MaestroError('internal', `no socket route named ${name}`);
  return route;
}

/** The path to open a socket at: params filled, the rest as its query. */
export function socketPath(name: SocketName, input: Record<string, unknown> = {}): string {
  const { path, rest } = buildPath(socketRoute(name), input);
  return path + toQuery(rest);
}
/** The operations that have a REST route. */
export type RoutedOpName = (typeof ROUTES)[number]['op'];

/** Every HTTP route the server mounts, in mounting order (express takes the first match). */
export const ROUTE_TABLE: readonly AnyRoute[] = [...HTTP_ROUTES, ...ROUTES];

export const isOpRoute = (route: AnyRoute): route is Route => 'op' in route;

export const routeFor = (op: string): Route | undefined => (ROUTES as readonly Route[]).find((r) => r.op === op);

export function httpRoute(name: HttpRouteName): HttpRoute {
  const route = (HTTP_ROUTES as readonly HttpRoute[]).find((r) => r.name === name);
  if (!route) throw new MaestroError('internal', `no HTTP route named ${name}`);
  return route;
}

/**
 * Fills `:param` placeholders from the input; returns the path and the input fields left over. A missing
 * one is the caller's `invalid_input` naming that field, before any request is made.
 */
export function buildPath(route: { path: string }, input: Record<string, unknown>): { path: string; rest: Record<string, unknown> } {
  const rest = { ...input };
  const path = route.path.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
    const value = rest[name];
    if (value === undefined || value === null || value === '') throw new MaestroError('invalid_input', `${name} is required`, name);
    delete rest[name];
    return encodeURIComponent(String(value));
  });
  return { path, rest };
}

const missing = (value: unknown) => value === undefined || value === null || value === '';

/**
 * The request that runs operation `op` with this input: its REST route when it has one and every path
 * param is given; else (no route, or a `selfDefault` param left out) the generic door, `POST
 * /api/ops/<op>` with the input as its body, for the server to check and default.
 */
export function opRequest(op: string, input: Record<string, unknown> = {}): { method: HttpMethod; path: string; body?: Record<string, unknown> } {
  const route = routeFor(op);
  const self = route?.selfDefault?.filter((param) => missing(input[param])) ?? [];
  if (route && self.length === 0) return requestFor(route, input);
  // A left-out param is not sent at all (null is no value either); '' is, for the operation to refuse.
  const body = Object.fromEntries(Object.entries(input).filter(([key, value]) => !(self.includes(key) && value == null)));
  return { method: 'POST', path: buildPath(httpRoute('op.call'), { name: op }).path, body };
}

/** The request that calls a route with this input: path filled, the rest as query (GET, DELETE) or JSON body. */
export function requestFor(route: RouteBase, input: Record<string, unknown> = {}): { method: HttpMethod; path: string; body?: Record<string, unknown> } {
  const { path, rest } = buildPath(route, input);
  return route.method === 'GET' || route.method === 'DELETE' ? { method: route.method, path: path + toQuery(rest) } : { method: route.method, path, body: rest };
}

export { toQuery };
