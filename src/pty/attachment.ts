import pty, { type IPty } from 'node-pty';
import type { Tmux } from './tmux.js';

/**
 * The supervisor's own tmux client for one session: `tmux attach` running in a pseudo-terminal made
 * by node-pty. What tmux draws for that client is the session's output stream; what is written to
 * it is typed into the agent. Killing this client detaches; the tmux session and agent go on.
 */
export class Attachment {
  private readonly pty: IPty;
  private ended = false;
  private detaching = false;
  /** Resolves with the first output, i.e. once tmux has attached the client and drawn the screen. */
  readonly attached: Promise<void>;
  /** Resolves when the client is gone, with whether that was our doing (detach) or not. */
  readonly closed: Promise<{ deliberate: boolean }>;

  constructor(opts: {
    tmux: Tmux;
    sessionName: string;
    cols: number;
    rows: number;
    cwd: string;
    onData: (data: string) => void;
  }) {
    this.pty = pty.spawn(opts.tmux.bin, opts.tmux.attachArgs(opts.sessionName), {
      name: 'xterm-256color',
      cols: opts.cols,
      rows: opts.rows,
      cwd: opts.cwd,
      env: opts.tmux.clientEnv({ TERM: 'xterm-256color', COLORTERM: 'truecolor' }),
    });
    let markAttached: () => void = () => {};
    this.attached = new Promise((resolve) => (markAttached = resolve));
    this.pty.onData((data) => {
      markAttached();
      opts.onData(data);
    });
    this.closed = new Promise((resolve) => {
      this.pty.onExit(() => {
        this.ended = true;
        markAttached();
        resolve({ deliberate: this.detaching });
      });
    });
  }

  get cols(): number {
    return this.pty.cols;
  }

  get rows(): number {
    return this.pty.rows;
  }

  get alive(): boolean {
    return !this.ended;
  }

  write(data: string): void {
    if (!this.ended) this.pty.write(data);
  }

  resize(cols: number, rows: number): void {
    if (!this.ended) this.pty.resize(cols, rows);
  }

  /** Leaves the tmux session running: the client gets SIGHUP and detaches. */
  detach(): Promise<{ deliberate: boolean }> {
    this.detaching = true;
    if (!this.ended) {
      try {
        this.pty.kill();
      } catch {
        /* already gone */
      }
    }
    return this.closed;
  }
}
