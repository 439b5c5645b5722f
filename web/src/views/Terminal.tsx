import { FitAddon } from '@xterm/addon-fit';
import type { Terminal } from '@xterm/xterm';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import { Link } from '../components/ui';
import { socketPath } from '../../../src/http/routes.js';
import { wsUrl } from '../live';
import { paths } from '../router';
import { TmuxFilter, bufferText, makeTerminal } from '../term';

type TermState = 'connecting' | 'connected' | 'exited' | 'error' | 'closed';

/** The buffers of the mounted terminals, for tests and debugging: `window.__maestroTerminals`. */
declare global {
  interface Window {
    __maestroTerminals?: Record<string, () => string>;
  }
}

/**
 * xterm.js attached to `/ws/terminal/:sessionId?cols=N&rows=N` (its fitted size). The server sends
 * `snapshot` (recent scrollback and the screen, drawn at that size), then `output`, and finally
 * `exit` or `error`; keystrokes go back as `input` and later size changes as `resize`. The terminal
 * fills its box (addon-fit) and refits on every size change of the box.
 * A dropped socket (server restart) is reopened with backoff; the fresh snapshot repaints the screen.
 */
export function TerminalView(props: { sessionId: string; live: boolean }) {
  const host = useRef<HTMLDivElement>(null);
  const termRef = useRef<Terminal | null>(null);
  const [state, setState] = useState<TermState>('connecting');
  const [detail, setDetail] = useState('');
  const [size, setSize] = useState('');
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const term = makeTerminal({ cursorBlink: true });
    termRef.current = term;
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(el);
    let fitted = false;
    const safeFit = () => {
      try {
        if (el.clientWidth > 0 && el.clientHeight > 0) {
          fit.fit();
          fitted = true;
        }
      } catch {
        /* not laid out yet */
      }
    };
    safeFit();
    setSize(`${term.cols}×${term.rows}`);
    (window.__maestroTerminals ??= {})[props.sessionId] = () => bufferText(term);

    let ws: WebSocket | null = null;
    let disposed = false;
    let finished = false;
    let attempt = 0;
    let retry: ReturnType<typeof setTimeout> | undefined;

    // tmux's output, cleaned (see term.ts); what it holds back is written if nothing follows soon.
    let filter = new TmuxFilter();
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    const show = (data: string) => {
      clearTimeout(flushTimer);
      const text = filter.push(data);
      if (text) term.write(text);
      if (filter.holding) flushTimer = setTimeout(() => term.write(filter.flush()), 60);
    };

    const send = (msg: unknown) => {
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
    };
    // Our size travels in the URL, so the snapshot comes drawn at it. Size changes after that go as
    // `resize` messages (each answered by a fresh snapshot at the new size), once the first snapshot is
    // in; a change made while connecting is sent when it arrives.
    let snapshotIn = false;
    /** The size the server was last asked to fit. */
    let syncedSize = '';
    const sizeQuery = () => `cols=${term.cols}&rows=${term.rows}`;
    const sendSize = () => {
      syncedSize = sizeQuery();
      send({ type: 'resize', cols: term.cols, rows: term.rows });
    };

    const connect = () => {
      if (disposed) return;
      setState('connecting');
      snapshotIn = false;
      // (An xterm not laid out yet has no real size: it goes without, and sends one once fitted.)
      syncedSize = fitted ? sizeQuery() : '';
      const socket = new WebSocket(wsUrl(`${socketPath('terminal', { sessionId: props.sessionId })}${syncedSize && `?${syncedSize}`}`));
      ws = socket;
      let opened = false;
      socket.onopen = () => {
        opened = true;
        attempt = 0;
        setState('connected');
        setDetail('');
      };
      socket.onmessage = (msg) => {
        if (typeof msg.data !== 'string') return;
        let data: { type?: string; data?: string; code?: number | null; message?: string };
        try {
          data = JSON.parse(msg.data);
        } catch {
          return;
        }
        switch (data.type) {
          case 'snapshot':
            clearTimeout(flushTimer);
            filter = new TmuxFilter();
            term.reset();
            // Scrollback then every row of the screen, blank ones included: the screen fills the
            // viewport exactly, the scrollback goes above it, and the cursor lands where tmux has it.
            if (data.data) show(data.data);
            snapshotIn = true;
            if (sizeQuery() !== syncedSize) sendSize();
            break;
          case 'output':
            if (data.data) show(data.data);
            break;
          case 'exit':
            finished = true;
            setState('exited');
            setDetail(data.code === null || data.code === undefined ? '' : `exit code ${data.code}`);
            break;
          case 'error':
            finished = true;
            setState('error');
            setDetail(data.message ?? 'terminal error');
            break;
        }
      };
      socket.onclose = () => {
        if (ws !== socket) return;
        ws = null;
        if (disposed || finished) return;
        setState('closed');
        const delay = Math.min(5000, 500 * 2 ** attempt++);
        setDetail(`connection lost; retrying in ${Math.round(delay / 100) / 10} s`);
        retry = setTimeout(connect, delay);
        // Refused at the upgrade: perhaps the login is gone (a 401 brings up the sign-in screen).
        if (!opened) void api.checkAuth();
      };
    };

    const onData = term.onData((d) => send({ type: 'input', data: d }));
    const onResize = term.onResize(({ cols, rows }) => {
      setSize(`${cols}×${rows}`);
      if (snapshotIn) sendSize();
    });
    let frame = 0;
    const ro = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(safeFit);
    });
    ro.observe(el);
    connect();
    term.focus();

    return () => {
      disposed = true;
      clearTimeout(retry);
      clearTimeout(flushTimer);
      cancelAnimationFrame(frame);
      ro.disconnect();
      onData.dispose();
      onResize.dispose();
      ws?.close();
      if (window.__maestroTerminals) delete window.__maestroTerminals[props.sessionId];
      term.dispose();
      termRef.current = null;
    };
  }, [props.sessionId, generation]);

  const label: Record<TermState, string> = {
    connecting: 'Connecting…',
    connected: 'Live',
    exited: 'Agent exited',
    error: 'Error',
    closed: 'Disconnected',
  };

  const copy = async () => {
    const term = termRef.current;
    if (!term) return;
    try {
      await navigator.clipboard.writeText(term.hasSelection() ? term.getSelection() : bufferText(term));
    } catch {
      /* clipboard unavailable */
    }
  };

  return (
    <div class="term-wrap" data-testid="terminal-view">
      <div class="term-bar">
        <span class={`term-state term-${state}`} data-testid="terminal-state" data-state={state} role="status">
          <span class="dot" aria-hidden="true" />
          {label[state]}
          {detail && <span class="subtle"> · {detail}</span>}
        </span>
        <span class="subtle mono small" aria-label="Terminal size">
          {size}
        </span>
        <span class="spacer" />
        {!props.live && state !== 'connected' && (
          <Link href={paths.session(props.sessionId, 'replay')} class="btn small">
            Watch the replay
          </Link>
        )}
        {(state === 'exited' || state === 'error' || state === 'closed') && (
          <button type="button" class="btn small" onClick={() => setGeneration((g) => g + 1)}>
            Reconnect
          </button>
        )}
        <button type="button" class="btn small ghost" onClick={() => void copy()}>
          Copy text
        </button>
      </div>
      <div
        class="term-host"
        ref={host}
        role="region"
        aria-label={`Live terminal of session ${props.sessionId}. Keys typed here go to the agent.`}
        data-testid="terminal"
      />
    </div>
  );
}
