import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Actor } from '../core/access.js';
import { MaestroError, toMaestroError } from '../core/errors.js';
import type { Logger } from '../log/logger.js';
import { socketRoute, type SocketName } from './routes.js';

export type WsHandler = (ws: WebSocket, req: IncomingMessage, params: Record<string, string>, actor: Actor) => void;

/** Largest frame a client may send; terminal input is far smaller, events only flow the other way. */
export const MAX_FRAME_BYTES = 1024 * 1024;

export interface WsGate {
  /** Refuses a foreign Host or Origin (request-guard.ts). */
  guard(req: IncomingMessage): MaestroError | null;
  /** The proved caller (auth.ts), or throws `unauthorized`. */
  authenticate(req: IncomingMessage): Actor;
}

/**
 * Routes WebSocket upgrades by path (`/ws`, `/ws/terminal/:sessionId`, …) onto one ws server. Every
 * upgrade is checked (origin, credential) before the handshake; a refusal or a malformed request is
 * answered with an HTTP error and the socket closed, and nothing a client sends can throw out of here.
 */
export class WsRouter {
  readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  private readonly routes: Array<{ pattern: RegExp; keys: string[]; handler: WsHandler; ownerOnly: boolean; provesEachMessage: boolean }> = [];
  /** Sockets opened with a session's token, by session: they close when the session ends. */
  private readonly bySession = new Map<string, Set<WebSocket>>();

  constructor(
    server: Server,
    private readonly gate: WsGate,
    private readonly logger?: Logger,
  ) {
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
  }

  /**
   * The socket route of the table (routes.ts) with this name; `ownerOnly`: refuse session tokens before the
   * handshake; `provesEachMessage`: the handler checks the credential again for every message and answers a
   * refusal itself, so its sockets stay open when their session ends (each message is refused with the reason).
   */
  register(name: SocketName, handler: WsHandler, opts: { ownerOnly?: boolean; provesEachMessage?: boolean } = {}): void {
    const { path } = socketRoute(name);
    const keys: string[] = [];
    const pattern = new RegExp(
      `^${path.replace(/:([A-Za-z]+)/g, (_m, key: string) => {
        keys.push(key);
        return '([^/]+)';
      })}/?$`,
    );
    this.routes.push({ pattern, keys, handler, ownerOnly: opts.ownerOnly ?? false, provesEachMessage: opts.provesEachMessage ?? false });
  }

  close(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }

  /** A session's token dies with the session, and so do the sockets it opened. */
  endSession(sessionId: string): void {
    for (const socket of this.bySession.get(sessionId) ?? []) socket.close(1008, 'session ended');
    this.bySession.delete(sessionId);
  }

  private track(ws: WebSocket, actor: Actor): void {
    if (actor.kind !== 'session') return;
    const id = actor.session.id;
    const sockets = this.bySession.get(id) ?? new Set<WebSocket>();
    this.bySession.set(id, sockets.add(ws));
    ws.once('close', () => {
      sockets.delete(ws);
      if (sockets.size === 0 && this.bySession.get(id) === sockets) this.bySession.delete(id);
    });
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // A reset before or during the handshake must not become an uncaught 'error'.
    socket.on('error', () => socket.destroy());
    try {
      const refusal = this.gate.guard(req);
      if (refusal) return refuse(socket, refusal);
      const actor = this.gate.authenticate(req);
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      for (const route of this.routes) {
        const match = route.pattern.exec(path);
        if (!match) continue;
        if (route.ownerOnly && actor.kind !== 'user') return refuse(socket, new MaestroError('forbidden', `${path} is for the owner only`));
        const params = Object.fromEntries(route.keys.map((k, i) => [k, decodeParam(match[i + 1]!, k)]));
        this.wss.handleUpgrade(req, socket, head, (ws) => {
          if (!route.provesEachMessage) this.track(ws, actor);
          try {
            route.handler(ws, req, params, actor);
          } catch (err) {
            this.logger?.error({ err }, 'websocket handler failed');
            ws.close(1011, 'internal error');
          }
        });
        return;
      }
      refuse(socket, new MaestroError('not_found', 'no websocket endpoint here'));
    } catch (err) {
      const error = toMaestroError(err);
      if (error.code === 'internal') this.logger?.error({ err }, 'websocket upgrade failed');
      refuse(socket, error.code === 'internal' ? new MaestroError('internal', 'internal error') : error);
    }
  }
}

function decodeParam(value: string, key: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new MaestroError('invalid_input', `${key} is not valid percent-encoding`, key);
  }
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error', 503: 'Service Unavailable' };

/** Answers an upgrade request with a plain HTTP error (the handshake never happens) and closes the socket. */
function refuse(socket: Duplex, error: MaestroError): void {
  const body = JSON.stringify({ error: error.toJSON() });
  const status = error.httpStatus;
  const extra = status === 401 ? 'WWW-Authenticate: Bearer realm="maestro"\r\n' : '';
  if (socket.writable)
    socket.end(
      `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`,
    );
  else socket.destroy();
}

/** Above this much unsent data, a client is not keeping up: it is dropped rather than grow our memory. */
export const MAX_CLIENT_BUFFER = 1024 * 1024;

/**
 * Sends a frame unless the client is already too far behind (so a client that keeps up always gets even
 * a large snapshot); a laggard is closed with a reason (1013, "try again later") and, since a client that
 * does not read will not read the close frame either, cut off soon after. Returns whether it was sent.
 */
export function sendBounded(ws: WebSocket, frame: string | Buffer, limit = MAX_CLIENT_BUFFER): boolean {
  if (ws.readyState !== ws.OPEN) return false;
  if (ws.bufferedAmount > limit) {
    ws.close(1013, `too slow: more than ${Math.round(limit / 1024)} KiB unread; reconnect`);
    setTimeout(() => ws.terminate(), 1000).unref();
    return false;
  }
  // A Buffer is sent as is (a text frame all the same), so one encoding can serve every client.
  ws.send(frame, { binary: false });
  return true;
}
