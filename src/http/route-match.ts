import { MaestroError } from '../core/errors.js';
import type { AnyRoute } from './routes.js';

/*
 * Finds the route of the table a request is for, as express's router found it when each route was a layer
 * of its own (path-to-regexp 8, neither strict nor case sensitive): a literal segment compares without
 * case, a `:param` takes one whole non-empty segment, one trailing slash is allowed, the first route of the
 * table that fits wins, and HEAD is answered by the GET route. Instead of trying every layer's regular
 * expression in turn, a request is compared only with the routes of its method and number of segments.
 * Params stay as sent until `decodeParams`, which the caller runs where express decoded them.
 */

interface CompiledRoute {
  route: AnyRoute;
  /** Per segment: the literal, lower case, or null for a param. */
  literals: Array<string | null>;
  /** The params' names, in the order of their segments. */
  names: string[];
}

export interface RouteMatch {
  route: AnyRoute;
  /** The params' names and their values as sent (still percent-encoded). */
  names: readonly string[];
  raw: string[];
}

export class RouteMatcher {
  /** method -> number of segments -> the routes of that shape, in table order. */
  private readonly byShape = new Map<string, Map<number, CompiledRoute[]>>();

  constructor(routes: readonly AnyRoute[]) {
    for (const route of routes) {
      const compiled = compile(route);
      let byCount = this.byShape.get(route.method);
      if (!byCount) this.byShape.set(route.method, (byCount = new Map()));
      const shape = byCount.get(compiled.literals.length) ?? [];
      shape.push(compiled);
      byCount.set(compiled.literals.length, shape);
    }
  }

  /** The route for this method and pathname (the URL without its query), or undefined. */
  match(method: string, pathname: string): RouteMatch | undefined {
    const byCount = this.byShape.get(method === 'HEAD' ? 'GET' : method);
    if (!byCount) return undefined;
    const trimmed = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
    const segments = trimmed.split('/');
    segments.shift(); // the empty text before the leading slash
    const candidates = byCount.get(segments.length);
    if (!candidates) return undefined;
    next: for (const candidate of candidates) {
      let raw: string[] | undefined;
      for (let i = 0; i < segments.length; i++) {
        const literal = candidate.literals[i];
        const segment = segments[i]!;
        if (literal === null) {
          if (segment === '') continue next;
          (raw ??= []).push(segment);
        } else if (segment !== literal && segment.toLowerCase() !== literal) continue next;
      }
      return { route: candidate.route, names: candidate.names, raw: raw ?? [] };
    }
    return undefined;
  }
}

/** A match's params, percent-decoded; a malformed encoding is the caller's 400, as express answered it. */
export function decodeParams(match: RouteMatch): Record<string, string> {
  const params: Record<string, string> = {};
  for (let i = 0; i < match.names.length; i++) {
    const value = match.raw[i]!;
    try {
      params[match.names[i]!] = value.includes('%') ? decodeURIComponent(value) : value;
    } catch {
      throw new MaestroError('invalid_input', 'the URL is not valid percent-encoding');
    }
  }
  return params;
}

function compile(route: AnyRoute): CompiledRoute {
  const names: string[] = [];
  const literals = route.path
    .split('/')
    .slice(1)
    .map((segment) => {
      const param = /^:([A-Za-z]+)$/.exec(segment);
      if (param) {
        names.push(param[1]!);
        return null;
      }
      // The table's paths are plain segments and whole-segment params; anything else would need express's matcher.
      if (!/^[A-Za-z0-9._-]+$/.test(segment)) throw new MaestroError('internal', `route path ${route.path} has a segment the matcher cannot read: ${segment}`);
      return segment.toLowerCase();
    });
  return { route, literals, names };
}
