import { MaestroError } from '../core/errors.js';
import type { ExitListener, LiveSession, OutputListener, SupervisorContext } from './live-session.js';

/**
 * Terminal access for everyone outside the supervisor (the dashboard's terminal socket, the REST
 * input and screen routes, steering): streaming output to viewers, typing and resizing, reading the
 * screen, and the snapshot a new viewer starts from. A session without a running agent answers
 * `conflict` ("has no terminal"), an unknown session `not_found`.
 */

const MIN_COLS = 20;
const MAX_COLS = 500;
const MIN_ROWS = 5;
const MAX_ROWS = 200;
/** Lines of scrollback a terminal viewer gets with its first screen. */
const SNAPSHOT_HISTORY = 1000;

export class TerminalIO {
  private readonly pendingSnapshots = new Map<string, Promise<string>>();

  constructor(private readonly ctx: SupervisorContext) {}

  isLive(sessionId: string): boolean {
    return this.ctx.live.get(sessionId)?.attachment.alive ?? false;
  }

  /** Streams the session's terminal output; `onExit` hears when the agent's terminal ends. */
  subscribe(sessionId: string, onData: OutputListener, onExit?: ExitListener): () => void {
    const live = this.requireLive(sessionId);
    live.outputListeners.add(onData);
    if (onExit) live.exitListeners.add(onExit);
    return () => {
      live.outputListeners.delete(onData);
      if (onExit) live.exitListeners.delete(onExit);
    };
  }

  /** Types into the agent's terminal (keys as the terminal would send them: "\r" for Enter). */
  write(sessionId: string, data: string): void {
    const live = this.requireLive(sessionId);
    live.lastInputAt = Date.now();
    live.attachment.write(data);
  }

  /** Types a prompt, then Enter apart: a prompt UI reads one chunk with a return in it as a paste. */
  typePrompt(sessionId: string, text: string): void {
    if (!this.isLive(sessionId)) return;
    this.write(sessionId, text);
    setTimeout(() => this.isLive(sessionId) && this.write(sessionId, '\r'), 60).unref();
  }

  resize(sessionId: string, cols: number, rows: number): { cols: number; rows: number } {
    const live = this.requireLive(sessionId);
    const size = { cols: clamp(Math.round(cols), MIN_COLS, MAX_COLS), rows: clamp(Math.round(rows), MIN_ROWS, MAX_ROWS) };
    if (size.cols === live.attachment.cols && size.rows === live.attachment.rows) return size;
    live.attachment.resize(size.cols, size.rows);
    live.recorder.resize(size.cols, size.rows);
    return size;
  }

  size(sessionId: string): { cols: number; rows: number } | null {
    const live = this.ctx.live.get(sessionId);
    return live ? { cols: live.attachment.cols, rows: live.attachment.rows } : null;
  }

  /**
   * The current screen as text (`ansi`: with colours and attributes as escape codes; `history`: up to
   * that many lines of scrollback first).
   */
  async screen(sessionId: string, opts: { ansi?: boolean; history?: number } = {}): Promise<string> {
    const { svc, tmux } = this.ctx;
    svc.sessions.get(sessionId); // unknown ids are not_found, not conflict
    if (!(await tmux.hasSession(sessionId)))
      throw new MaestroError('conflict', `session ${sessionId} has no terminal: its agent is not running`, 'sessionId');
    return tmux.capturePane(sessionId, opts).catch((err: unknown) => {
      throw noTerminal(sessionId, err);
    });
  }

  /**
   * What a freshly connected terminal needs to show the screen as it is now: clear, the last
   * SNAPSHOT_HISTORY lines of scrollback and then every row of the screen (with colours, one capture,
   * so attributes carry from line to line as tmux wrote them), and the cursor where the agent left it.
   * Written into a terminal of the pane's size, the history scrolls into the terminal's scrollback
   * and the screen fills it exactly, so the cursor position (counted from its top) is right.
   */
  snapshot(sessionId: string): Promise<string> {
    // Viewers that ask before a capture has started share it: it is taken after each of them asked, so
    // it is as fresh as one of their own, and fifty viewers connecting at once cost one tmux call.
    let pending = this.pendingSnapshots.get(sessionId);
    if (!pending) {
      pending = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.pendingSnapshots.delete(sessionId);
        return this.captureSnapshot(sessionId);
      });
      this.pendingSnapshots.set(sessionId, pending);
    }
    return pending;
  }

  private async captureSnapshot(sessionId: string): Promise<string> {
    this.requireLive(sessionId);
    const { text, cursorX, cursorY } = await this.ctx.tmux.captureWithCursor(sessionId, SNAPSHOT_HISTORY).catch((err: unknown) => {
      throw noTerminal(sessionId, err);
    });
    const rows = text.replace(/\n$/, '').split('\n');
    return `\x1b[0m\x1b[H\x1b[2J${rows.join('\r\n')}\x1b[${cursorY + 1};${cursorX + 1}H`;
  }

  /** The live session, or `not_found` (unknown id) / `conflict` (its agent is not running). */
  requireLive(sessionId: string): LiveSession {
    const live = this.ctx.live.get(sessionId);
    if (live && live.attachment.alive) return live;
    this.ctx.svc.sessions.get(sessionId); // unknown ids are not_found, not conflict
    throw new MaestroError('conflict', `session ${sessionId} has no live terminal: its agent is not running`, 'sessionId');
  }
}

/** A tmux call on a session's pane failed: the terminal went away under us. */
const noTerminal = (sessionId: string, err: unknown) =>
  new MaestroError('conflict', `session ${sessionId} has no terminal: ${err instanceof Error ? err.message : String(err)}`, 'sessionId', { cause: err });

const clamp = (n: number, min: number, max: number) => Math.min(max, Math.max(min, Number.isFinite(n) ? n : min));
