import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MaestroError } from '../core/errors.js';

/**
 * Maestro's private tmux server: one socket under `$MAESTRO_HOME` (so prod, staging and every test
 * run have their own server) and one config file that keeps the terminal clean for recording.
 */
const CONFIG = [
  '# Written by Maestro: settings of its private tmux server (read only when the server starts).',
  'set -g status off', // no status line in the agent's screen or its recording
  'set -g escape-time 0', // Esc reaches the agent at once (Claude Code uses it to interrupt)
  'set -g history-limit 20000',
  'set -g remain-on-exit off', // the wrapper script leaves the exit code in a file instead
  'set -g window-size latest', // the most recently active client (dashboard or terminal) sets the size
  'set -g mouse off',
  // Scrolls of several lines at once (batched under load) would go out as `CSI n S`, which moves lines
  // off a viewer's screen without putting them in its scrollback; without `indn` tmux sends newlines.
  "set -as terminal-overrides ',*:indn@'",
  '',
].join('\n');

/**
 * A tmux call that failed, as a MaestroError: `unavailable` when tmux itself is missing, else
 * `internal` (callers that know better, e.g. a launch, re-type it as `spawn_failed` with this as cause).
 */
export class TmuxError extends MaestroError {
  constructor(
    message: string,
    readonly stderr: string,
    /** The tmux binary itself is missing. */
    readonly notInstalled = false,
  ) {
    super(notInstalled ? 'unavailable' : 'internal', message);
    this.name = 'TmuxError';
  }
}

/** Exact-match targets: a bare name would also match another session whose name starts with it. */
export const sessionTarget = (name: string) => `=${name}`;
export const paneTarget = (name: string) => `=${name}:`;

/** What a tmux client says when the server it reached exited under it (its last session had just ended). */
const SERVER_WENT_AWAY = /server exited unexpectedly|lost server/i;
const NEW_SESSION_ATTEMPTS = 3;

export class Tmux {
  readonly bin: string;

  constructor(
    readonly socket: string,
    readonly configFile: string,
    bin = process.env.MAESTRO_TMUX_BIN || 'tmux',
  ) {
    this.bin = bin;
  }

  /** The tmux binary is a hard requirement of spawning; say so clearly when it is missing. */
  static available(bin = process.env.MAESTRO_TMUX_BIN || 'tmux'): boolean {
    const r = spawnSync(bin, ['-V'], { stdio: 'ignore' });
    return r.status === 0;
  }

  /** Arguments every invocation starts with: UTF-8 on, our socket, our config. */
  baseArgs(): string[] {
    return ['-u', '-S', this.socket, '-f', this.configFile];
  }

  /** Environment for tmux clients: never nested inside the caller's own tmux. */
  clientEnv(extra: Record<string, string> = {}): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'TMUX' && k !== 'TMUX_PANE') env[k] = v;
    return { ...env, ...extra };
  }

  writeConfig(): void {
    mkdirSync(dirname(this.configFile), { recursive: true });
    writeFileSync(this.configFile, CONFIG);
  }

  run(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(
        this.bin,
        [...this.baseArgs(), ...args],
        { env: this.clientEnv(), timeout: 10_000, maxBuffer: 8 * 1024 * 1024 },
        (err, stdout, stderr) => {
          if (err && (err as NodeJS.ErrnoException).code === 'ENOENT')
            reject(new TmuxError(`tmux is not installed (looked for '${this.bin}'); install it, e.g. apt-get install -y tmux`, '', true));
          else if (err) reject(new TmuxError(`tmux ${args[0]} failed: ${(stderr || err.message).trim()}`, String(stderr)));
          else resolve(String(stdout));
        },
      );
    });
  }

  /**
   * Starts a detached session. Our tmux server exits when its last session ends; a new session asked for in
   * that moment (a worker started as the previous one finishes) reaches a server on its way out, and tmux
   * says "server exited unexpectedly". Nothing was started then, so it is asked again, of a fresh server.
   */
  async newSession(opts: { name: string; cwd: string; cols: number; rows: number; command: string }): Promise<void> {
    this.writeConfig();
    const args = ['new-session', '-d', '-s', opts.name, '-x', String(opts.cols), '-y', String(opts.rows), '-c', opts.cwd, opts.command];
    for (let attempt = 1; ; attempt++) {
      try {
        await this.run(args);
        return;
      } catch (err) {
        if (!(err instanceof TmuxError) || !SERVER_WENT_AWAY.test(err.stderr) || attempt >= NEW_SESSION_ATTEMPTS) throw err;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  }

  async hasSession(name: string): Promise<boolean> {
    try {
      await this.run(['has-session', '-t', sessionTarget(name)]);
      return true;
    } catch {
      return false;
    }
  }

  /** Session names on our server; none when the server is not running (or tmux is not installed). */
  async listSessions(): Promise<string[]> {
    try {
      const out = await this.run(['list-sessions', '-F', '#{session_name}']);
      return out.split('\n').filter(Boolean);
    } catch (err) {
      // No server, or one exiting as its last session ended: no sessions either way.
      if (err instanceof TmuxError && (err.notInstalled || /no server running|error connecting|No such file/i.test(err.stderr) || SERVER_WENT_AWAY.test(err.stderr))) return [];
      throw err;
    }
  }

  async killSession(name: string): Promise<void> {
    try {
      await this.run(['kill-session', '-t', sessionTarget(name)]);
    } catch (err) {
      if (err instanceof TmuxError && (err.notInstalled || /can't find session|no server running|error connecting/i.test(err.stderr) || SERVER_WENT_AWAY.test(err.stderr))) return;
      throw err;
    }
  }

  /**
   * The visible screen of the session's pane, one line a row; `ansi` keeps colours and attributes as
   * escape codes, `history` puts up to that many lines of the pane's scrollback before it.
   */
  async capturePane(name: string, opts: { ansi?: boolean; history?: number } = {}): Promise<string> {
    const from = opts.history ? ['-S', String(-opts.history)] : [];
    return this.run(['capture-pane', '-p', ...(opts.ansi ? ['-e'] : []), ...from, '-t', paneTarget(name)]);
  }

  /**
   * `capturePane` with colours and the cursor position, in one tmux invocation (two commands joined by
   * tmux's `;`): one process to start instead of two, which matters when many viewers connect at once.
   */
  async captureWithCursor(name: string, history: number): Promise<{ text: string; cursorX: number; cursorY: number }> {
    const out = await this.run([
      'capture-pane', '-p', '-e', '-S', String(-history), '-t', paneTarget(name),
      ';', 'display-message', '-p', '-t', paneTarget(name), 'maestro-cursor #{cursor_x} #{cursor_y}',
    ]);
    const marker = out.lastIndexOf('maestro-cursor ');
    if (marker < 0) throw new TmuxError(`tmux capture-pane gave no cursor for ${name}`, out.slice(-200));
    const [x, y] = out.slice(marker + 'maestro-cursor '.length).trim().split(' ').map(Number);
    return { text: out.slice(0, marker), cursorX: x ?? 0, cursorY: y ?? 0 };
  }

  /** Pane facts in one call: the pid of its process, cursor and size. */
  async paneInfo(name: string): Promise<{ pid: number; cursorX: number; cursorY: number; cols: number; rows: number } | null> {
    try {
      const out = await this.run([
        'display-message',
        '-p',
        '-t',
        paneTarget(name),
        '#{pane_pid} #{cursor_x} #{cursor_y} #{pane_width} #{pane_height}',
      ]);
      const [pid, cx, cy, w, h] = out.trim().split(' ').map(Number);
      return { pid: pid!, cursorX: cx!, cursorY: cy!, cols: w!, rows: h! };
    } catch {
      return null;
    }
  }

  /** Wakes a `tmux wait-for <channel>` (also when the waiter arrives later: tmux remembers the signal). */
  async signal(channel: string): Promise<void> {
    await this.run(['wait-for', '-S', channel]);
  }

  /** Arguments that attach a client to a session (for node-pty or an inherited terminal). */
  attachArgs(name: string): string[] {
    return [...this.baseArgs(), 'attach-session', '-t', sessionTarget(name)];
  }

  /** Ends the whole server (tests; never the supervisor's normal shutdown). */
  async killServer(): Promise<void> {
    try {
      await this.run(['kill-server']);
    } catch {
      /* not running */
    }
  }
}
