import type { IncomingHttpHeaders } from 'node:http';
import { USER, type Actor } from '../core/access.js';
import { MaestroError } from '../core/errors.js';
import type { MaestroService } from '../core/service.js';

export const SESSION_HEADER = 'x-maestro-session';

/**
 * Who is calling. A bearer token is a session's secret (agents over HTTP MCP); `X-Maestro-Session`
 * names a session for local tools started with MAESTRO_SESSION_ID (the server only listens on
 * loopback, where people already have full rights); neither means a person with full rights.
 */
export function actorFromHeaders(svc: MaestroService, headers: IncomingHttpHeaders): Actor {
  const auth = headers.authorization;
  if (auth) {
    const match = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!match) throw new MaestroError('unauthorized', 'Authorization must be "Bearer <session token>"', 'authorization');
    const session = svc.sessions.findByToken(match[1]!);
    if (!session) throw new MaestroError('unauthorized', 'unknown session token', 'authorization');
    return { kind: 'session', session };
  }
  const named = headers[SESSION_HEADER];
  const sessionId = Array.isArray(named) ? named[0] : named;
  if (sessionId) {
    try {
      return { kind: 'session', session: svc.sessions.get(sessionId.trim()) };
    } catch {
      throw new MaestroError('unauthorized', `session '${sessionId}' does not exist`, SESSION_HEADER);
    }
  }
  return USER;
}
