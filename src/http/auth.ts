import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { USER, type Actor } from '../core/access.js';
import { FINISHED_SESSION_STATUSES } from '../core/constants.js';
import { MaestroError } from '../core/errors.js';
import type { MaestroService } from '../core/service.js';
import { ensureSecret, rotateSecret } from '../security/secret.js';
import { SESSION_HEADER } from './headers.js';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** A sent value equal to a known one's digest, compared in constant time (digests, so lengths leak nothing either). */
const matches = (sent: string, knownDigest: Buffer): boolean => timingSafeEqual(digest(sent), knownDigest);

function cookies(header: string | undefined): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) jar.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return jar;
}

const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

const unauthorized = (message: string, field?: string) => new MaestroError('unauthorized', message, field);

/**
 * Who a request comes from, proved by one of:
 * - `Authorization: Bearer <owner secret>`: the owner, i.e. whoever can read `$MAESTRO_HOME/secret`. The
 *   owner may act as a session by naming it in `X-Maestro-Session` (the CLI under MAESTRO_SESSION_ID);
 * - `Authorization: Bearer <session token>`: that session, while it has not ended;
 * - the dashboard cookie, which the login link's secret is exchanged for: the owner.
 * A session id alone proves nothing; anything else is refused.
 */
export class Authenticator {
  private secret: string;
  private cookieValue: string;
  /** Their digests, made once: every request compares its token with them. */
  private secretDigest: Buffer;
  private cookieDigest: Buffer;

  constructor(
    private readonly svc: MaestroService,
    private readonly home: string,
    /** The cookie is named after the port: cookies ignore ports, and two servers on one host must not share one. */
    private readonly port: () => number,
  ) {
    this.secret = ensureSecret(home);
    this.cookieValue = this.deriveCookie();
    this.secretDigest = digest(this.secret);
    this.cookieDigest = digest(this.cookieValue);
  }

  get cookieName(): string {
    return `maestro_auth_${this.port()}`;
  }

  /** The caller's identity, or an `unauthorized` error saying what is missing. */
  authenticate(headers: IncomingHttpHeaders): Actor {
    const named = first(headers[SESSION_HEADER])?.trim() || undefined;
    const authorization = first(headers.authorization);
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!match) throw unauthorized('Authorization must be "Bearer <owner secret or session token>"', 'authorization');
      const token = match[1]!;
      if (matches(token, this.secretDigest)) return this.owner(named);
      return this.session(token, named);
    }
    const cookie = cookies(first(headers.cookie)).get(this.cookieName);
    if (cookie !== undefined && matches(cookie, this.cookieDigest)) return this.owner(named);
    if (named)
      throw unauthorized(`a session id proves nothing: send the session's token (MAESTRO_SESSION_TOKEN) or the owner secret`, SESSION_HEADER);
    throw unauthorized(
      'authentication required: the CLI reads the owner secret from $MAESTRO_HOME/secret; agents send their session token; open the dashboard with the link from `maestro open`',
      'authorization',
    );
  }

  /** The cookie value for a correct owner secret (the dashboard's login), else `unauthorized`. */
  login(token: unknown): string {
    if (typeof token !== 'string' || !matches(token.trim(), this.secretDigest)) throw unauthorized('wrong token: use the link printed by `maestro open`', 'token');
    return this.cookieValue;
  }

  /** A new owner secret: the old one, and every dashboard cookie made from it, stop working at once. */
  rotate(): void {
    this.secret = rotateSecret(this.home);
    this.cookieValue = this.deriveCookie();
    this.secretDigest = digest(this.secret);
    this.cookieDigest = digest(this.cookieValue);
  }

  /** The `Set-Cookie` value that signs a browser in (value given) or out (none). */
  setCookie(value: string | null): string {
    const attributes = 'Path=/; HttpOnly; SameSite=Strict';
    return value === null ? `${this.cookieName}=; ${attributes}; Max-Age=0` : `${this.cookieName}=${value}; ${attributes}`;
  }

  private deriveCookie(): string {
    // Derived, not the secret itself: a leaked cookie does not reveal the secret the CLI and links use.
    return createHmac('sha256', this.secret).update('maestro dashboard cookie').digest('base64url');
  }

  private owner(named: string | undefined): Actor {
    if (!named) return USER;
    try {
      return { kind: 'session', session: this.svc.sessions.identity(named) };
    } catch {
      throw unauthorized(`session '${named}' does not exist`, SESSION_HEADER);
    }
  }

  private session(token: string, named: string | undefined): Actor {
    const session = this.svc.sessions.identityByToken(token);
    if (!session) throw unauthorized('unknown token: neither the owner secret nor a session token', 'authorization');
    if (FINISHED_SESSION_STATUSES.includes(session.status))
      throw unauthorized(`session ${session.id} has ended (${session.status}); its token no longer works`, 'authorization');
    if (named && named !== session.id)
      throw new MaestroError('forbidden', `the token is session ${session.id}'s; it cannot act as ${named}`, SESSION_HEADER);
    return { kind: 'session', session };
  }
}

/** The caller an authenticated request was proved to come from (set by the server's auth middleware). */
export function actorOf(res: { locals: { actor?: Actor } }): Actor {
  const actor = res.locals.actor;
  if (!actor) throw new MaestroError('internal', 'route mounted outside the authenticated area');
  return actor;
}
