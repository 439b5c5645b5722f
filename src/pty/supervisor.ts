import { join } from 'node:path';
import type { Logger } from 'pino';
import type { MaestroService, SessionLauncher } from '../core/service.js';
import type { MessageDelivery, Session } from '../core/types.js';
import { AgentChannel } from './agent-channel.js';
import { pruneClaudeTrust } from './claude-trust.js';
import { detachLiveSession } from './client.js';
import type { HookDelivery } from './hooks/contract.js';
import { launchAgent } from './launch.js';
import { delay, type ExitListener, type LiveSession, type OutputListener, type SupervisorContext } from './live-session.js';
import { findStalled } from './observe.js';
import { reattachAll } from './reattach.js';
import { DEFAULT_TIMING, type DetectionTiming } from './state.js';
import { TerminalIO } from './terminal-io.js';
import { Tmux } from './tmux.js';

export type { OutputListener, ExitListener } from './live-session.js';

export interface SupervisorOptions {
  svc: MaestroService;
  /** pino, writing to stderr */
  logger: Logger;
  /** Default agent command when neither the spawn nor its template names one (before MAESTRO_AGENT_CMD). */
  agentCommand?: string;
  /** Terminal size new sessions start with. */
  cols?: number;
  rows?: number;
  /** Tuning of state detection (tests shorten it). */
  timing?: Partial<DetectionTiming>;
}

/**
 * Starts agents in tmux, keeps a node-pty client attached to each for streaming, input and
 * recording, watches their state, and finds them again after a restart. Implements the core's
 * `SessionLauncher`: the server sets `svc.launcher = supervisor`.
 *
 * This class is the coordinator and the one API its callers see; the work is done by the modules it
 * delegates to (src/pty/README.md has the map): launch.ts (prechecks.ts, launch-files.ts,
 * launch-record.ts), reattach.ts, client.ts (attach, reconnect, exit.ts on the agent's end),
 * observe.ts, terminal-io.ts and agent-channel.ts. They share one `SupervisorContext`.
 */
export class Supervisor implements SessionLauncher {
  readonly tmux: Tmux;
  readonly svc: MaestroService;
  private readonly ctx: SupervisorContext;
  private readonly live = new Map<string, LiveSession>();
  private readonly io: TerminalIO;
  private readonly channel: AgentChannel;
  private closing = false;
  private stallTimer: NodeJS.Timeout | null = null;

  constructor(opts: SupervisorOptions) {
    this.svc = opts.svc;
    this.tmux = new Tmux(this.svc.paths.tmuxSocket, join(this.svc.paths.home, 'tmux.conf'));
    this.ctx = {
      svc: this.svc,
      log: opts.logger,
      tmux: this.tmux,
      timing: { ...DEFAULT_TIMING, ...opts.timing },
      cols: opts.cols ?? 120,
      rows: opts.rows ?? 32,
      agentCommand: opts.agentCommand,
      live: this.live,
      onAgentGone: (id) => this.channel.forget(id),
    };
    this.io = new TerminalIO(this.ctx);
    this.channel = new AgentChannel(this.ctx, this.io);
  }

  // ---- SessionLauncher ------------------------------------------------------------------------------

  /** Starts the session's agent; throws a `MaestroError` (`spawn_failed`, `unavailable`) when it cannot. */
  launch(session: Session, ctx: { manifestPath: string; env: Record<string, string> }): Promise<void> {
    return launchAgent(this.ctx, session, { ...ctx, closing: this.closing });
  }

  async stop(sessionId: string): Promise<void> {
    const live = this.live.get(sessionId);
    if (live) live.stopping = true;
    await this.tmux.killSession(sessionId);
    if (live) await Promise.race([live.done, delay(5000)]);
  }

  /**
   * A message as the agent's next prompt. An agent with hooks gets it between turns, confirmed by its
   * UserPromptSubmit hook; any other agent has it typed at once (nothing could confirm it).
   */
  send(sessionId: string, text: string, waitMs: number): Promise<MessageDelivery> {
    return this.channel.send(sessionId, text, waitMs);
  }

  /** A session's worktree was removed: the Claude trust the launch gave it goes too (claude-trust.ts). */
  async worktreeRemoved(session: Session): Promise<void> {
    await pruneClaudeTrust({ env: { ...process.env, ...session.env }, log: this.ctx.log.child({ sessionId: session.id }) });
  }

  // ---- lifecycle --------------------------------------------------------------------------------------

  /**
   * After a (re)start: reattaches to every tmux session that belongs to a known Maestro session, and
   * settles the unfinished sessions whose tmux session is gone (by the exit code the wrapper left:
   * 0 completed, other failed, none stopped).
   */
  async start(): Promise<{ reattached: string[]; settled: string[] }> {
    this.closing = false;
    const { timing, log } = this.ctx;
    this.stallTimer ??= setInterval(() => findStalled(this.ctx), Math.min(5000, Math.max(100, timing.stallMs / 4)));
    this.stallTimer.unref();
    if (!Tmux.available(this.tmux.bin))
      log.warn({ tmux: this.tmux.bin }, 'tmux is not installed: agents cannot be started until it is (apt-get install -y tmux)');
    const result = await reattachAll(this.ctx, (id) => this.channel.takeSpooled(id));
    if (result.reattached.length || result.settled.length) log.info(result, 'supervisor started');
    return result;
  }

  /** Detaches from every session, leaving the agents running in tmux for the next start(). */
  async close(): Promise<void> {
    this.closing = true;
    if (this.stallTimer) clearInterval(this.stallTimer);
    this.stallTimer = null;
    const all = [...this.live.values()];
    this.live.clear();
    await Promise.all(all.map(detachLiveSession));
  }

  // ---- terminal access (terminal-io.ts) ---------------------------------------------------------------

  isLive(sessionId: string): boolean {
    return this.io.isLive(sessionId);
  }

  /** Streams the session's terminal output; `onExit` hears when the agent's terminal ends. */
  subscribe(sessionId: string, onData: OutputListener, onExit?: ExitListener): () => void {
    return this.io.subscribe(sessionId, onData, onExit);
  }

  /** Types into the agent's terminal (keys as the terminal would send them: "\r" for Enter). */
  write(sessionId: string, data: string): void {
    this.io.write(sessionId, data);
  }

  /** Resizes the agent's terminal, clamped to sane limits; returns the size it got. */
  resize(sessionId: string, cols: number, rows: number): { cols: number; rows: number } {
    return this.io.resize(sessionId, cols, rows);
  }

  size(sessionId: string): { cols: number; rows: number } | null {
    return this.io.size(sessionId);
  }

  /**
   * The current screen as text (`ansi`: with colours and attributes as escape codes; `history`: up to
   * that many lines of scrollback first).
   */
  screen(sessionId: string, opts: { ansi?: boolean; history?: number } = {}): Promise<string> {
    return this.io.screen(sessionId, opts);
  }

  /** What a freshly connected viewer writes first: scrollback, screen, cursor (see TerminalIO.snapshot). */
  snapshot(sessionId: string): Promise<string> {
    return this.io.snapshot(sessionId);
  }

  // ---- hooks (agent-channel.ts) -----------------------------------------------------------------------

  /**
   * Claude Code's hooks for a session (POST /api/sessions/:id/hooks, from `maestro hook`): its timeline,
   * status and typed reason, ahead of what the screen suggests.
   */
  ingestHooks(sessionId: string, deliveries: HookDelivery[]): Promise<{ accepted: number; fromSpool: number }> {
    return this.channel.ingest(sessionId, deliveries);
  }
}
