import type { WebSocket } from 'ws';
import { FINISHED_SESSION_STATUSES } from '../core/constants.js';
import type { MaestroService } from '../core/service.js';
import { sendBounded, type WsRouter } from './ws-router.js';

/**
 * `/ws`: every bus event, serialised once and fanned out to every connected client. It spans every
 * project and session, so it is the owner's alone; sessions get their state through their tools.
 */
export function streamEvents(ws: WsRouter, svc: MaestroService): void {
  const clients = new Set<WebSocket>();
  const unsubscribe = svc.bus.subscribe((event) => {
    if (clients.size === 0) return;
    const frame = Buffer.from(JSON.stringify({ type: 'event', event }));
    // A client that falls behind is dropped; it reconnects and refetches instead of growing our memory.
    for (const client of clients) sendBounded(client, frame);
  });
  ws.wss.on('close', unsubscribe);
  ws.register(
    'events',
    (socket) => {
      clients.add(socket);
      socket.send(JSON.stringify({ type: 'hello' }));
      // The stream only talks; whatever a client sends is ignored (and bounded by the frame limit).
      const ping = setInterval(() => socket.readyState === socket.OPEN && socket.ping(), 25_000);
      socket.on('close', () => {
        clearInterval(ping);
        clients.delete(socket);
      });
      socket.on('error', () => socket.terminate());
    },
    { ownerOnly: true },
  );
}

/** A session's token dies with the session: so do the sockets it opened (a terminal it was watching). */
export function closeSocketsOfEndedSessions(ws: WsRouter, svc: MaestroService): void {
  const unsubscribe = svc.bus.subscribe((event) => {
    if (event.type === 'session.updated' && FINISHED_SESSION_STATUSES.includes(event.session.status)) ws.endSession(event.session.id);
  });
  ws.wss.on('close', unsubscribe);
}

