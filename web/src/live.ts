import { socketPath } from '../../src/http/routes.js';
import { api } from './api';
import { applyEvent, getState, refreshAll, setState } from './store';
import type { MaestroEvent } from './types';

export const wsUrl = (path: string): string => {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}${path}`;
};

/**
 * Keeps one WebSocket to `/ws` open for the life of the page. Every message is
 * `{type:'event', event}` (after a first `{type:'hello'}`); events are applied to the store as they
 * come. When the socket drops (server restart, network), it reconnects with exponential backoff
 * (0.5 s doubling to 5 s) and, once back, refetches everything, since events may have been missed.
 * A socket refused before it opened may be a missing login (the upgrade answers 401, which the page
 * cannot see): a request finds out, and a 401 brings up the sign-in screen (which stops this).
 */
export function startLive(): () => void {
  let ws: WebSocket | null = null;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let everConnected = false;

  const connect = () => {
    if (stopped) return;
    setState({ conn: attempt === 0 && !everConnected ? 'connecting' : 'offline' });
    const socket = new WebSocket(wsUrl(socketPath('events')));
    ws = socket;
    let opened = false;
    // A connection attempt that hangs (half-open network, proxy) is abandoned and retried.
    const openTimeout = setTimeout(() => socket.readyState === WebSocket.CONNECTING && socket.close(), 8000);
    socket.onopen = () => {
      clearTimeout(openTimeout);
      opened = true;
      attempt = 0;
      const reconnect = everConnected;
      everConnected = true;
      setState((s) => ({ conn: 'live', epoch: s.epoch + 1 }));
      // The first load happens in main.tsx; after a reconnect, everything is fetched again.
      if (reconnect) void refreshAll();
    };
    socket.onmessage = (msg) => {
      if (typeof msg.data !== 'string') return;
      let data: { type?: string; event?: MaestroEvent };
      try {
        data = JSON.parse(msg.data);
      } catch {
        return;
      }
      if (data.type === 'event' && data.event) applyEvent(data.event);
    };
    socket.onclose = () => {
      clearTimeout(openTimeout);
      if (ws !== socket) return;
      ws = null;
      if (stopped) return;
      setState({ conn: 'offline' });
      const delay = Math.min(5000, 500 * 2 ** attempt);
      attempt++;
      timer = setTimeout(connect, delay);
      if (!opened) void api.checkAuth();
    };
    socket.onerror = () => {
      /* onclose follows */
    };
  };

  // Coming back to a hidden tab or regaining the network: try at once instead of waiting out the backoff.
  const poke = () => {
    if (!ws && !stopped && getState().conn !== 'live') {
      clearTimeout(timer);
      attempt = 0;
      connect();
    }
  };
  const onVisible = () => document.visibilityState === 'visible' && poke();
  window.addEventListener('online', poke);
  document.addEventListener('visibilitychange', onVisible);

  connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    window.removeEventListener('online', poke);
    document.removeEventListener('visibilitychange', onVisible);
    const socket = ws;
    ws = null;
    socket?.close();
  };
}
