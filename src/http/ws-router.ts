import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export type WsHandler = (ws: WebSocket, req: IncomingMessage, params: Record<string, string>) => void;

/** Routes WebSocket upgrades by path (`/ws`, `/ws/terminal/:sessionId`, …) onto one ws server. */
export class WsRouter {
  readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024 * 1024 });
  private readonly routes: Array<{ pattern: RegExp; keys: string[]; handler: WsHandler }> = [];

  constructor(
    server: Server,
    private readonly rejectHost: (req: IncomingMessage) => string | null = () => null,
  ) {
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
  }

  register(path: string, handler: WsHandler): void {
    const keys: string[] = [];
    const pattern = new RegExp(
      `^${path.replace(/:([A-Za-z]+)/g, (_m, key: string) => {
        keys.push(key);
        return '([^/]+)';
      })}/?$`,
    );
    this.routes.push({ pattern, keys, handler });
  }

  close(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refusal = this.rejectHost(req);
    if (refusal) {
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n\r\n${JSON.stringify({ error: { code: 'forbidden', message: refusal } })}`);
      return;
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    for (const route of this.routes) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      const params = Object.fromEntries(route.keys.map((k, i) => [k, decodeURIComponent(match[i + 1]!)]));
      this.wss.handleUpgrade(req, socket, head, (ws) => route.handler(ws, req, params));
      return;
    }
    socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n{"error":{"code":"not_found","message":"no websocket endpoint here"}}');
  }
}
