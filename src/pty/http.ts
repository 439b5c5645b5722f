import { createReadStream, existsSync, statSync } from 'node:fs';
import type { WebSocket } from 'ws';
import { readableSession, targetSession } from '../core/access.js';
import { MaestroError, forbidden, invalid, toMaestroError } from '../core/errors.js';
import type { MaestroService } from '../core/service.js';
import { MAX_TERMINAL_INPUT, type RouteHandlers } from '../http/route-table.js';
import type { HttpExtension } from '../http/server.js';
import { sendBounded } from '../http/ws-router.js';
import type { Supervisor } from './supervisor.js';

/*
 * The HTTP and WebSocket face of agent terminals:
 *   GET  /api/sessions/:sessionId/recording   the asciicast v2 file (application/x-asciicast)
 *   POST /api/sessions/:sessionId/input       {"data": "text\r"} typed into the agent's terminal
 *   GET  /api/sessions/:sessionId/screen      {"sessionId","text","cols","rows"}; ?ansi=1 keeps escape codes
 *   GET  /api/sessions/:sessionId/logs        {"sessionId","transcriptPath","total","truncated","entries":[…]}: the agent's
 *                                             conversation from its transcript; ?limit=N (default 200), &head=1
 *   POST /api/sessions/:sessionId/hooks       {"events":[{"event","payload","firedAt"}]} from `maestro hook`
 *                                             (the session itself, or the owner); the answer's `output`, when
 *                                             messages wait for the session, is the hook JSON it prints
 *   WS   /ws/terminal/:sessionId[?cols=N&rows=N]  live terminal at the viewer's size (protocol below)
 *
 * Every caller has been authenticated by the server's door (owner secret, dashboard cookie or a live
 * session token). Who may do what follows the core's rules: the owner may do everything; a session may
 * read any session it may read (session_info) and type only into its own terminal or those of sessions
 * it spawned (as for session_stop).
 */

/** Snapshots taken in a row while output keeps arriving, before streaming resumes regardless. */
const MAX_SNAPSHOTS = 3;

/**
 * The handlers of the terminal routes of the server's route table (src/http/routes.ts declares them,
 * src/http/route-table.ts their input and result schemas; the server parses the input and answers).
 */
export function installPtyRoutes(routes: RouteHandlers, supervisor: Supervisor, svc: MaestroService): void {
  routes.set('session.recording', ({ params }, ctx) => {
    const session = readableSession(svc, ctx.actor(), params.sessionId);
    const path = svc.paths.recording(session.id);
    if (!existsSync(path)) throw new MaestroError('not_found', `session ${session.id} has no terminal recording`, 'sessionId');
    return { length: statSync(path).size, filename: `${session.id}.cast`, open: () => createReadStream(path) };
  });

  routes.set('session.input', ({ params, body }, ctx) => {
    const session = targetSession(svc, ctx.actor(), params.sessionId);
    supervisor.write(session.id, body.data);
    return { sessionId: session.id, written: body.data.length };
  });

  routes.set('session.hooks', async ({ params, body }, ctx) => {
    const actor = ctx.actor();
    const session = readableSession(svc, actor, params.sessionId);
    if (actor.kind === 'session' && actor.session.id !== session.id)
      throw forbidden(`a session posts only its own hooks (you are ${actor.session.id})`, 'sessionId');
    const ingested = await supervisor.ingestHooks(session.id, body.events);
    // Messages for the session ride on the answer (issue 12): `maestro hook` prints `output` for Claude Code.
    const last = body.events[body.events.length - 1];
    const output = actor.kind === 'session' && last ? svc.messages.hookAnswer(session.id, last.event) : null;
    return { sessionId: session.id, ...ingested, ...(output ? { output } : {}) };
  });

  // The agent's conversation from its transcript (src/core/transcript.ts): ?limit=N (last N entries, default 200), &head=1 (first N).
  routes.set('session.logs', async ({ params, query }, ctx) => {
    const session = readableSession(svc, ctx.actor(), params.sessionId);
    return svc.sessionLogs(session.id, { limit: query.limit, head: query.head === true || query.head === '1' || query.head === 'true' });
  });

  routes.set('session.screen', async ({ params, query }, ctx) => {
    const session = readableSession(svc, ctx.actor(), params.sessionId);
    const ansi = query.ansi === true || ['1', 'true', 'yes'].includes(String(query.ansi ?? ''));
    const text = await supervisor.screen(session.id, { ansi });
    const size = supervisor.size(session.id);
    return { sessionId: session.id, live: supervisor.isLive(session.id), text, cols: size?.cols ?? null, rows: size?.rows ?? null };
  });
}

type ServerMessage =
  | { type: 'snapshot'; data: string }
  | { type: 'output'; data: string }
  | { type: 'exit'; code: number | null }
  | { type: 'error'; message: string };

/**
 * Frames of one type, each encoded once however many viewers it goes to: every viewer of a terminal is
 * handed the same output chunk in turn, and viewers that connect together share one snapshot. The one
 * Buffer is queued to all of them, so fifty viewers that fall behind hold one copy of the output.
 */
function framesOf(type: 'output' | 'snapshot'): (data: string) => Buffer {
  let last: string | null = null;
  let frame = Buffer.alloc(0);
  return (data) => {
    if (data !== last) {
      last = data;
      frame = Buffer.from(JSON.stringify({ type, data } satisfies ServerMessage));
    }
    return frame;
  };
}
const outputFrame = framesOf('output');
const snapshotFrame = framesOf('snapshot');

/**
 * The viewer's terminal size from a terminal socket's URL (`?cols=N&rows=N`): both must be whole
 * numbers from 1 to 9999, else the size is ignored (null). The supervisor clamps it to its limits.
 */
export function requestedSize(url: string | undefined): { cols: number; rows: number } | null {
  const query = new URL(url ?? '/', 'http://localhost').searchParams;
  const read = (name: string) => {
    const text = query.get(name);
    return text !== null && /^\d{1,4}$/.test(text) && Number(text) > 0 ? Number(text) : null;
  };
  const cols = read('cols');
  const rows = read('rows');
  return cols !== null && rows !== null ? { cols, rows } : null;
}

/** Resizes the agent's terminal and waits (up to `timeoutMs`) until tmux has redrawn its pane at that size. */
async function resizeAndSettle(supervisor: Supervisor, sessionId: string, cols: number, rows: number, timeoutMs = 1000): Promise<void> {
  const size = supervisor.resize(sessionId, cols, rows);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pane = await supervisor.tmux.paneInfo(sessionId);
    if (!pane || (pane.cols === size.cols && pane.rows === size.rows) || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * One viewer of one agent terminal over WebSocket. JSON text frames:
 *   server -> client  {"type":"snapshot","data":…} first and after each resize (clear, up to 1000
 *                     lines of scrollback, the current screen, the cursor),
 *                     then {"type":"output","data":…} as the terminal draws, {"type":"exit","code":n|null}
 *                     when the agent's terminal ends (then the socket closes), {"type":"error","message":…}
 *   client -> server  {"type":"input","data":"…"} keys to type, {"type":"resize","cols":n,"rows":n}
 * With `size` (the URL's `?cols=N&rows=N`), the terminal is resized to it before the snapshot, so the
 * first screen the viewer gets is already drawn at its size.
 * For a session without a live terminal the client gets an error (and the exit code when known) and
 * the socket closes.
 */
export function handleTerminalSocket(
  ws: WebSocket,
  sessionId: string,
  supervisor: Supervisor,
  size: { cols: number; rows: number } | null = null,
): void {
  // Bounded: a viewer that stops reading is dropped with a reason instead of buffering output forever.
  const send = (msg: ServerMessage) => void sendBounded(ws, JSON.stringify(msg));
  const closeWith = (msg: ServerMessage) => {
    send(msg);
    ws.close(1000);
  };

  let session;
  try {
    session = supervisor.svc.sessions.get(sessionId);
  } catch (err) {
    closeWith({ type: 'error', message: toMaestroError(err).message });
    return;
  }
  if (!supervisor.isLive(sessionId)) {
    send({ type: 'error', message: `session ${sessionId} has no live terminal (status ${session.status}); its recording is at /api/sessions/${sessionId}/recording` });
    if (session.exitCode !== null) send({ type: 'exit', code: session.exitCode });
    ws.close(1000);
    return;
  }

  // Output that arrives while a snapshot is taken may or may not be part of it, so it is not streamed;
  // when some came, the snapshot is taken again (a few times at most), as it repaints everything.
  let streaming = false;
  let held = 0;
  let generation = 0;
  const unsubscribe = supervisor.subscribe(
    sessionId,
    (data) => {
      if (streaming) sendBounded(ws, outputFrame(data));
      else held++;
    },
    (code) => closeWith({ type: 'exit', code }),
  );
  /**
   * Fits the terminal to the viewer (a failed resize still gets a snapshot, at the old size), then sends
   * a fresh snapshot. Done at connect and at every resize: a size change makes tmux move rows between
   * screen and history, which a redraw of the screen alone cannot tell the viewer.
   */
  const resync = async (fit: { cols: number; rows: number } | null) => {
    const mine = ++generation;
    streaming = false;
    if (fit) await resizeAndSettle(supervisor, sessionId, fit.cols, fit.rows).catch(() => undefined);
    for (let attempt = 0; attempt < MAX_SNAPSHOTS && mine === generation; attempt++) {
      held = 0;
      const data = await supervisor.snapshot(sessionId).catch(() => '');
      if (mine !== generation) return;
      // A viewer too far behind to take it has been dropped: no retake for it.
      if (!sendBounded(ws, snapshotFrame(data)) || held === 0) break;
    }
    if (mine === generation) streaming = true;
  };
  void resync(size);

  ws.on('message', (raw) => {
    let msg: { type?: unknown; data?: unknown; cols?: unknown; rows?: unknown };
    try {
      msg = JSON.parse(String(raw)) as typeof msg;
    } catch {
      send({ type: 'error', message: 'messages must be JSON: {"type":"input","data":…} or {"type":"resize","cols":n,"rows":n}' });
      return;
    }
    try {
      if (msg.type === 'input' && typeof msg.data === 'string') {
        if (msg.data.length > MAX_TERMINAL_INPUT) throw invalid(`input is longer than ${MAX_TERMINAL_INPUT} characters`);
        supervisor.write(sessionId, msg.data);
      } else if (msg.type === 'resize' && typeof msg.cols === 'number' && typeof msg.rows === 'number') {
        void resync({ cols: msg.cols, rows: msg.rows });
      } else {
        send({ type: 'error', message: `unknown message type ${JSON.stringify(msg.type)}; expected input or resize` });
      }
    } catch (err) {
      send({ type: 'error', message: toMaestroError(err).message });
    }
  });

  const ping = setInterval(() => ws.readyState === ws.OPEN && ws.ping(), 25_000);
  ws.on('close', () => {
    clearInterval(ping);
    unsubscribe();
  });
  ws.on('error', () => ws.terminate());
}

/**
 * Everything above as one server extension: `startServer({ extensions: [ptyHttpExtension(supervisor)] })`.
 * Terminal sockets check the caller like the input route.
 */
export function ptyHttpExtension(supervisor: Supervisor): HttpExtension {
  return ({ routes, ws, svc }) => {
    installPtyRoutes(routes, supervisor, svc);
    ws.register('terminal', (socket, req, params, actor) => {
      try {
        targetSession(svc, actor, params.sessionId!);
      } catch (err) {
        socket.send(JSON.stringify({ type: 'error', message: toMaestroError(err).message }));
        socket.close(1008);
        return;
      }
      handleTerminalSocket(socket, params.sessionId!, supervisor, requestedSize(req.url));
    });
  };
}
