import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { Logger } from '../log/logger.js';
import type { Authenticator } from './auth.js';
import { admit, admitCaller, admitJson, answerRequestError, readerFor, sendError, type BodyReaders, type DoorResponse } from './door.js';
import { answerRoute, type MountDeps } from './mount.js';
import { isProtectedPath, type RequestGuard } from './request-guard.js';
import { decodeParams, type RouteMatch, type RouteMatcher } from './route-match.js';
import { isOpRoute } from './routes.js';
import type { FairTurns } from './turns.js';

/*
 * The front lane: a request for a route of the table is answered here, through the same door (door.ts)
 * and the same route code (mount.ts) as express would, in the same order, but without express's
 * per-request work (its request and response prototypes, a walk over a layer per route with a regular
 * expression each, its body parser's machinery, a hash of every answer for a weak ETag). That work was a
 * third of the server's time per request. Every other request (OPTIONS, a method or path off the table,
 * a URL express reads its own way) goes to the express app, which still mounts every route.
 */

export interface FrontDeps {
  /** Where each request's work starts: in this turn of the event loop, or a later one (turns.ts). */
  turns: FairTurns;
  matcher: RouteMatcher;
  guard: RequestGuard;
  auth: Authenticator;
  logger: Logger;
  readers: BodyReaders;
  mount: MountDeps;
}

/** Characters for which express's URL reading (parseurl) leaves the simple form: left to express. */
const UNUSUAL_URL = /[\t\n\f\r #\u00a0\ufeff]/;

export function frontLane(app: RequestListener, deps: FrontDeps): RequestListener {
  return (req, res) =>
    deps.turns.run(() => {
      try {
        answer(req, res);
      } catch (err) {
        sendError(res, err, deps.logger);
      }
    });
  function answer(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const pathname = query === -1 ? url : url.slice(0, query);
    const match = url.charCodeAt(0) === 0x2f && !UNUSUAL_URL.test(url) ? deps.matcher.match(req.method ?? '', pathname) : undefined;
    if (!match) {
      app(req, res);
      return;
    }
    const search = query === -1 ? '' : url.slice(query + 1);
    serve(req, res as DoorResponse, pathname, search, match, deps).catch((err: unknown) => sendError(res, err, deps.logger));
  }
}

/** The door's steps as express ran them for a route of the table, then the route. */
async function serve(req: IncomingMessage, res: DoorResponse, pathname: string, search: string, match: RouteMatch, deps: FrontDeps): Promise<void> {
  res.locals = {};
  if (!admit(req, res, pathname, deps.guard, deps.logger)) return;
  const route = match.route;
  // Open routes (health, sign-in) came before the credential check; the rest after it, on protected paths.
  const open = !isOpRoute(route) && route.access === 'open';
  const guarded = isProtectedPath(pathname);
  if (!open && guarded && !admitCaller(req, res, deps.auth, deps.logger)) return;
  if ((open || guarded) && !admitJson(req, res)) return;
  let body: unknown;
  let params: Record<string, string>;
  try {
    body = await (open ? deps.readers.open : readerFor(deps.readers, req, pathname, res.locals.actor))(req, res);
    params = decodeParams(match);
  } catch (err) {
    answerRequestError(res, err, deps.logger);
    return;
  }
  await answerRoute(route, { req, res, params, query: () => parseQuery(search), body }, deps.mount);
}
