import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { MaestroError } from '../core/errors.js';
import type { SessionStatus } from '../core/schemas.js';
import type { MaestroService, SessionLauncher } from '../core/service.js';
import { FINISHED_STATUSES } from '../core/sessions.js';
import type { Manifest, MessageDelivery, Session } from '../core/types.js';
import { hasVisibleText, visibleText } from './ansi.js';
import { CastWriter, readRecording, recordingOutput } from './asciicast.js';
import { Attachment } from './attachment.js';
import { AGENT_KINDS, type AgentKind } from '../core/constants.js';
import { AGENTS } from './agents.js';
import type { ScreenReason } from './detectors/index.js';
import {
  buildBrief,
  buildPrompt,
  hookSettings,
  launchContext,
  launchFilePaths,
  mcpConfig,
  readExitCode,
  removeFile,
  resolveAgentCommand,
  startChannel,
  wrapperScript,
  writePrivateFile,
  type LaunchFiles,
  type ResolvedCommand,
} from './launch-files.js';
import type { HookDelivery } from './hooks/contract.js';
import { HookIngest } from './hooks/ingest.js';
import { Steering } from './hooks/steering.js';
import { treeIsBusy } from './process-tree.js';
import { commandExists, shellQuote } from './shell.js';
import {
  DEFAULT_TIMING,
  STATUS_FOR_STATE,
  StateTracker,
  exitOutcome,
  statusForObservation,
  type DetectionTiming,
  type Observation,
} from './state.js';
import { Tmux } from './tmux.js';

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

export type OutputListener = (data: string) => void;
/** Called once when the agent's terminal ends: its exit code, or null when unknown (killed). */
export type ExitListener = (exitCode: number | null) => void;

/** Facts about a launch kept beside the recording, so a restarted supervisor knows what it reattaches to. */
interface LaunchRecord {
  commandLine: string;
  kind: ResolvedCommand['kind'];
  source: ResolvedCommand['source'];
  cwd: string;
  startedAt: string;
}

interface LiveSession {
  id: string;
  attachment: Attachment;
  recorder: CastWriter;
  tracker: StateTracker;
  files: LaunchFiles;
  outputListeners: Set<OutputListener>;
  exitListeners: Set<ExitListener>;
  /** The status the detector last set; anything else came from the agent's reports. */
  lastSetByDetector: SessionStatus | null;
  /** When its hooks last spoke (0: never): an agent with hooks is judged by them, not by its screen. */
  lastHookAt: number;
  lastInputAt: number;
  stopping: boolean;
  reattachAttempts: number;
  /** Resolves when the session is finalised (agent gone) or detached (supervisor closing). */
  done: Promise<void>;
}

const MIN_COLS = 20;
const MAX_COLS = 500;
const MIN_ROWS = 5;
const MAX_ROWS = 200;
/** Lines of scrollback a terminal viewer gets with its first screen. */
const SNAPSHOT_HISTORY = 1000;
const ATTACH_TIMEOUT_MS = 3000;

/**
 * Starts agents in tmux, keeps a node-pty client attached to each for streaming, input and
 * recording, watches their state, and finds them again after a restart. Implements the core's
 * `SessionLauncher`: the server sets `svc.launcher = supervisor`.
 */
export class Supervisor implements SessionLauncher {
  readonly tmux: Tmux;
  readonly svc: MaestroService;
  private readonly log: Logger;
  private readonly timing: DetectionTiming;
  private readonly cols: number;
  private readonly rows: number;
  private readonly live = new Map<string, LiveSession>();
  private readonly pendingSnapshots = new Map<string, Promise<string>>();
  private readonly hooks: HookIngest;
  private readonly steering = new Steering((id, text) => this.typePrompt(id, text));
  private closing = false;
  private stallTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: SupervisorOptions) {
    this.svc = opts.svc;
    this.log = opts.logger;
    this.timing = { ...DEFAULT_TIMING, ...opts.timing };
    this.cols = opts.cols ?? 120;
    this.rows = opts.rows ?? 32;
    this.tmux = new Tmux(this.svc.paths.tmuxSocket, join(this.svc.paths.home, 'tmux.conf'));
    this.hooks = new HookIngest(this.svc, this.log, (id) => this.live.get(id) ?? null, (id, d) => this.steering.observe(id, d));
  }

  // ---- SessionLauncher ------------------------------------------------------------------------------

  async launch(session: Session, ctx: { manifestPath: string; env: Record<string, string> }): Promise<void> {
    if (this.closing) throw new Error('the supervisor is shutting down');
    if (!Tmux.available(this.tmux.bin))
      throw new Error(`tmux is not installed (looked for '${this.tmux.bin}'); install it, e.g. apt-get install -y tmux`);
    const project = this.svc.projects.get(session.projectId);
    const cwd = project.workingDir;
    if (!existsSync(cwd) || !statSync(cwd).isDirectory())
      throw new Error(`the project's working directory ${cwd} does not exist`);

    const command = resolveAgentCommand({
      sessionCommand: session.agentCommand,
      agent: session.agentKind,
      supervisorCommand: this.opts.agentCommand,
      env: ctx.env,
    });
    if (command.program !== null && !commandExists(command.program, { path: ctx.env.PATH, cwd }))
      throw new Error(
        `agent command not found: '${command.program}' (command "${command.commandLine}", from ${describeSource(command.source)}); install it or choose another agent command (spawn agentCommand, a template, or MAESTRO_AGENT_CMD)`,
      );

    const files = launchFilePaths(this.svc.paths.session(session.id), this.svc.paths.mcpConfig(session.id));
    const manifest = readManifest(ctx.manifestPath) ?? this.svc.manifest(session.id);
    writePrivateFile(files.mcpConfigPath, `${JSON.stringify(mcpConfig(ctx.env), null, 2)}\n`);
    writePrivateFile(files.promptPath, `${buildPrompt(manifest, ctx.manifestPath)}\n`);
    writePrivateFile(files.briefPath, `${buildBrief(manifest)}\n`);
    writePrivateFile(files.settingsPath, `${JSON.stringify(hookSettings(), null, 2)}\n`);
    const agentSessionId = randomUUID();
    this.svc.sessions.setAgentFacts(session.id, { agentSessionId });
    // What this agent CLI reads at start besides its arguments (Gemini's MCP settings).
    for (const [path, content] of Object.entries(AGENTS[command.kind].files(launchContext(files, agentSessionId))))
      writePrivateFile(path, `${JSON.stringify(content, null, 2)}\n`);
    writePrivateFile(
      files.scriptPath,
      wrapperScript({
        sessionId: session.id,
        cwd,
        env: ctx.env,
        command,
        files,
        tmuxArgs: [this.tmux.bin, ...this.tmux.baseArgs()],
        agentSessionId,
      }),
      0o700,
    );
    const record: LaunchRecord = {
      commandLine: command.commandLine,
      kind: command.kind,
      source: command.source,
      cwd,
      startedAt: new Date().toISOString(),
    };
    writePrivateFile(launchRecordPath(files), `${JSON.stringify(record, null, 2)}\n`);
    removeFile(files.exitCodePath);

    await this.tmux.newSession({
      name: session.id,
      cwd,
      cols: this.cols,
      rows: this.rows,
      command: `exec /bin/sh ${shellQuote(files.scriptPath)}`,
    });
    try {
      const live = this.attach(session.id, record, files, false);
      await Promise.race([live.attachment.attached, delay(ATTACH_TIMEOUT_MS)]);
      this.svc.sessions.appendTimeline(session.id, 'agent_state', `agent started: ${command.commandLine}`, null, {
        state: 'started',
        command: command.commandLine,
        commandSource: command.source,
        tmuxSession: session.id,
        cwd,
      });
      if (this.svc.sessions.get(session.id).status === 'spawning')
        this.svc.sessions.setStatus(session.id, 'running', { message: `agent started in tmux session ${session.id}` });
      // The wrapper waits for this signal: the agent starts only once our client is attached and recording.
      await this.tmux.signal(startChannel(session.id));
    } catch (err) {
      // Leave nothing half-started; the core marks the session failed with this error.
      const live = this.live.get(session.id);
      this.live.delete(session.id);
      if (live) {
        live.tracker.stop();
        await live.attachment.detach();
        await live.recorder.close();
      }
      await this.tmux.killSession(session.id).catch(() => {});
      throw err;
    }
    this.log.info({ sessionId: session.id, command: command.commandLine }, 'agent launched');
  }

  async stop(sessionId: string): Promise<void> {
    const live = this.live.get(sessionId);
    if (live) live.stopping = true;
    await this.tmux.killSession(sessionId);
    if (live) await Promise.race([live.done, delay(5000)]);
  }

  // ---- lifecycle --------------------------------------------------------------------------------------

  /**
   * After a (re)start: reattaches to every tmux session that belongs to a known Maestro session, and
   * settles the unfinished sessions whose tmux session is gone (by the exit code the wrapper left:
   * 0 completed, other failed, none stopped).
   */
  async start(): Promise<{ reattached: string[]; settled: string[] }> {
    this.closing = false;
    this.stallTimer ??= setInterval(() => this.findStalled(), Math.min(5000, Math.max(100, this.timing.stallMs / 4)));
    this.stallTimer.unref();
    if (!Tmux.available(this.tmux.bin))
      this.log.warn({ tmux: this.tmux.bin }, 'tmux is not installed: agents cannot be started until it is (apt-get install -y tmux)');
    const running = new Set(await this.tmux.listSessions());
    const reattached: string[] = [];
    const settled: string[] = [];
    for (const session of this.svc.sessions.list()) {
      if (this.live.has(session.id)) continue;
      const files = launchFilePaths(this.svc.paths.session(session.id), this.svc.paths.mcpConfig(session.id));
      if (running.has(session.id)) {
        const record = readLaunchRecord(files) ?? this.guessLaunchRecord(session);
        const live = this.attach(session.id, record, files, true);
        live.lastSetByDetector = this.lastDetectedStatus(session.id);
        // Rescues an agent whose launch was cut short before its start signal; a no-op otherwise.
        await Promise.race([live.attachment.attached, delay(ATTACH_TIMEOUT_MS)]);
        await this.tmux.signal(startChannel(session.id)).catch(() => {});
        this.svc.sessions.appendTimeline(session.id, 'agent_state', 'supervisor reattached to the agent terminal', null, {
          state: 'reattached',
        });
        await this.takeSpooledHooks(session.id);
        reattached.push(session.id);
      } else if (!FINISHED_STATUSES.includes(session.status)) {
        await this.takeSpooledHooks(session.id); // what its hooks said while nobody listened, before its end
        const exitCode = readExitCode(files.exitCodePath);
        const outcome = exitOutcome({ current: session.status, exitCode, stoppedByMaestro: false });
        this.svc.sessions.appendTimeline(session.id, 'agent_state', `agent terminal gone at supervisor start; ${outcome.message}`, null, {
          state: 'exited',
          exitCode,
        });
        this.svc.sessions.setStatus(session.id, outcome.status, { exitCode, message: `${outcome.message} (found at supervisor start)` });
        settled.push(session.id);
      }
    }
    if (reattached.length || settled.length) this.log.info({ reattached, settled }, 'supervisor started');
    return { reattached, settled };
  }

  /** Detaches from every session, leaving the agents running in tmux for the next start(). */
  async close(): Promise<void> {
    this.closing = true;
    if (this.stallTimer) clearInterval(this.stallTimer);
    this.stallTimer = null;
    const all = [...this.live.values()];
    this.live.clear();
    await Promise.all(
      all.map(async (live) => {
        live.tracker.stop();
        await live.attachment.detach();
        await live.recorder.close();
      }),
    );
  }

  // ---- terminal access ------------------------------------------------------------------------------

  isLive(sessionId: string): boolean {
    return this.live.get(sessionId)?.attachment.alive ?? false;
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
  /**
   * A message as the agent's next prompt. An agent with hooks gets it between turns, confirmed by its
   * UserPromptSubmit hook; any other agent has it typed at once (nothing could confirm it).
   */
  async send(sessionId: string, text: string, waitMs: number): Promise<MessageDelivery> {
    const live = this.requireLive(sessionId);
    if (live.lastHookAt > 0) return this.steering.send(sessionId, text, waitMs);
    this.typePrompt(sessionId, text);
    return { sessionId, delivery: 'typed', typedAt: new Date().toISOString(), confirmedAt: null };
  }

  /** Types a prompt, then Enter apart: a prompt UI reads one chunk with a return in it as a paste. */
  private typePrompt(sessionId: string, text: string): void {
    if (!this.isLive(sessionId)) return;
    this.write(sessionId, text);
    setTimeout(() => this.isLive(sessionId) && this.write(sessionId, '\r'), 60).unref();
  }

  write(sessionId: string, data: string): void {
    const live = this.requireLive(sessionId);
    live.lastInputAt = Date.now();
    live.attachment.write(data);
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
    const live = this.live.get(sessionId);
    return live ? { cols: live.attachment.cols, rows: live.attachment.rows } : null;
  }

  /**
   * The current screen as text (`ansi`: with colours and attributes as escape codes; `history`: up to
   * that many lines of scrollback first).
   */
  async screen(sessionId: string, opts: { ansi?: boolean; history?: number } = {}): Promise<string> {
    this.svc.sessions.get(sessionId);
    if (!(await this.tmux.hasSession(sessionId)))
      throw new MaestroError('conflict', `session ${sessionId} has no terminal: its agent is not running`, 'sessionId');
    return this.tmux.capturePane(sessionId, opts);
  }

  /**
   * What a freshly connected terminal needs to show the screen as it is now: clear, the last
   * SNAPSHOT_HISTORY lines of scrollback and then every row of the screen (with colours, one capture,
   * so attributes carry from line to line as tmux wrote them), and the cursor where the agent left it.
   * Written into a terminal of the pane's size, the history scrolls into the terminal's scrollback
   * and the screen fills it exactly, so the cursor position (counted from its top) is right.
   */
  async snapshot(sessionId: string): Promise<string> {
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
    const { text, cursorX, cursorY } = await this.tmux.captureWithCursor(sessionId, SNAPSHOT_HISTORY).catch((err: unknown) => {
      throw new MaestroError('conflict', `session ${sessionId} has no terminal: ${(err as Error).message}`, 'sessionId');
    });
    const rows = text.replace(/\n$/, '').split('\n');
    return `\x1b[0m\x1b[H\x1b[2J${rows.join('\r\n')}\x1b[${cursorY + 1};${cursorX + 1}H`;
  }

  // ---- internals ----------------------------------------------------------------------------------------

  private requireLive(sessionId: string): LiveSession {
    const live = this.live.get(sessionId);
    if (live && live.attachment.alive) return live;
    this.svc.sessions.get(sessionId); // unknown ids are not_found, not conflict
    throw new MaestroError('conflict', `session ${sessionId} has no live terminal: its agent is not running`, 'sessionId');
  }

  private attach(sessionId: string, record: LaunchRecord, files: LaunchFiles, reattach: boolean): LiveSession {
    const recorder = CastWriter.open(this.svc.paths.recording(sessionId), {
      width: this.cols,
      height: this.rows,
      title: `maestro ${sessionId}: ${record.commandLine}`,
      env: { TERM: 'xterm-256color', SHELL: '/bin/sh' },
    });
    if (reattach) {
      recorder.marker('reattached');
      recorder.resize(this.cols, this.rows);
    }
    let finish: () => void = () => {};
    const done = new Promise<void>((resolve) => (finish = resolve));
    const live: LiveSession = {
      id: sessionId,
      attachment: undefined as unknown as Attachment,
      recorder,
      tracker: undefined as unknown as StateTracker,
      files,
      outputListeners: new Set(),
      exitListeners: new Set(),
      lastSetByDetector: null,
      lastHookAt: 0,
      lastInputAt: 0,
      stopping: false,
      reattachAttempts: 0,
      done,
    };
    live.tracker = new StateTracker({
      detector: AGENTS[agentKindOf(record)].detector,
      timing: this.timing,
      capture: () => this.tmux.capturePane(sessionId).catch(() => null),
      treeBusy: async () => {
        const info = await this.tmux.paneInfo(sessionId);
        return info ? treeIsBusy(info.pid) : null;
      },
      onChange: (obs) => this.observe(live, obs),
    });
    this.connect(live, record.cwd, finish);
    this.live.set(sessionId, live);
    live.tracker.start();
    return live;
  }

  /** Starts (or restarts) the node-pty client of a live session. */
  private connect(live: LiveSession, cwd: string, finish: () => void): void {
    const size = live.attachment ? { cols: live.attachment.cols, rows: live.attachment.rows } : { cols: this.cols, rows: this.rows };
    live.attachment = new Attachment({
      tmux: this.tmux,
      sessionName: live.id,
      cols: size.cols,
      rows: size.rows,
      cwd: existsSync(cwd) ? cwd : this.svc.paths.home,
      onData: (data) => {
        live.recorder.output(data);
        if (hasVisibleText(data)) live.tracker.noteOutput();
        for (const listener of live.outputListeners) {
          try {
            listener(data);
          } catch (err) {
            this.log.warn({ err, sessionId: live.id }, 'terminal output listener failed');
          }
        }
      },
    });
    void live.attachment.closed.then(({ deliberate }) => this.onClientClosed(live, cwd, deliberate, finish));
  }

  private async onClientClosed(live: LiveSession, cwd: string, deliberate: boolean, finish: () => void): Promise<void> {
    if (deliberate || this.live.get(live.id) !== live) {
      finish();
      return;
    }
    if (!live.stopping && (await this.tmux.hasSession(live.id)) && live.reattachAttempts < 3) {
      // Our client died but the agent lives on (e.g. someone ran `tmux detach -a`): attach again.
      live.reattachAttempts++;
      this.log.warn({ sessionId: live.id }, 'terminal client ended while the agent runs; reattaching');
      this.connect(live, cwd, finish);
      return;
    }
    live.tracker.stop();
    this.steering.forget(live.id);
    const exitCode = readExitCode(live.files.exitCodePath);
    try {
      const why = exitCode ? live.tracker.explainExit(() => this.outputTail(live.id)) : { reason: null, text: null };
      this.settleExit(live.id, exitCode, live.stopping, why);
    } catch (err) {
      this.log.error({ err, sessionId: live.id }, 'could not record the agent exit');
    }
    this.live.delete(live.id);
    await live.recorder.close();
    for (const listener of live.exitListeners) {
      try {
        listener(exitCode);
      } catch {
        /* a broken listener must not stop the others */
      }
    }
    finish();
  }

  /**
   * The end of what the agent printed, as lines of plain text: for an agent that exited before its
   * screen was read (a first start with no network ends within a second).
   */
  private outputTail(sessionId: string): string | null {
    try {
      const output = recordingOutput(readRecording(this.svc.paths.recording(sessionId))).slice(-16_384);
      return output
        .replace(/\x1b\[(\d*)C/g, (_, n: string) => ' '.repeat(Math.min(Number(n || 1), 500))) // cursor forward: Claude's spaces
        .replace(/\x1b\[\d*(?:;\d*)?[HfABE]|\r\n?/g, '\n')
        .split('\n')
        .map(visibleText)
        .join('\n');
    } catch {
      return null;
    }
  }

  private settleExit(
    sessionId: string,
    exitCode: number | null,
    stoppedByMaestro: boolean,
    why: { reason: ScreenReason | null; text: string | null } = { reason: null, text: null },
  ): void {
    if (!this.svc.db.open) return;
    const session = this.svc.sessions.get(sessionId);
    const outcome = exitOutcome({ current: session.status, exitCode, stoppedByMaestro });
    // Say why a failed agent stopped when its screen told (no network, a login it could not do).
    const message = why.text && outcome.status === 'failed' ? `${outcome.message}: ${why.text}` : outcome.message;
    this.svc.sessions.appendTimeline(sessionId, 'agent_state', message, null, { state: 'exited', exitCode, ...(why.reason ? { stateReason: why.reason } : {}) });
    this.svc.sessions.setStatus(sessionId, outcome.status, {
      exitCode: outcome.exitCode,
      message,
      ...(why.reason && outcome.status === 'failed' ? { reason: why.reason } : {}),
    });
    this.log.info({ sessionId, exitCode, status: outcome.status }, 'agent exited');
  }

  /** Puts a detected state on the timeline, and on the session status where the policy allows. */
  private observe(live: LiveSession, obs: Observation): void {
    if (!this.svc.db.open || this.live.get(live.id) !== live) return;
    // Hooks tell the state from inside the agent; the screen only adds what no hook reports: a login
    // or trust prompt, no network.
    if (live.lastHookAt > 0 && !obs.screen) return;
    try {
      const session = this.svc.sessions.get(live.id);
      const next = statusForObservation({
        current: session.status,
        observed: obs.state,
        lastSetByDetector: live.lastSetByDetector,
        inputSinceStatus: live.lastInputAt > Date.parse(session.updatedAt),
      });
      const reason = obs.screen?.reason ?? null;
      const reasonChanged = reason !== session.stateReason && (next ?? session.status) === STATUS_FOR_STATE[obs.state];
      this.svc.sessions.appendTimeline(live.id, 'agent_state', `agent ${obs.state.replace('_', ' ')}${reason ? ` (${reason})` : ''}: ${obs.reason}`, null, {
        state: obs.state,
        reason: obs.reason,
        pattern: obs.pattern,
        ...(reason ? { stateReason: reason } : {}),
        statusChanged: next !== null,
      });
      if (next || reasonChanged) {
        this.svc.sessions.setStatus(live.id, next ?? session.status, {
          message: `detected ${obs.state}${reason ? ` (${reason})` : ''}: ${obs.reason}`,
          reason: reason ?? (next === 'needs_input' ? 'needs_input' : null),
        });
        if (next) live.lastSetByDetector = next;
      }
    } catch (err) {
      this.log.warn({ err, sessionId: live.id }, 'could not record the agent state');
    }
  }

  /**
   * A running agent whose hooks and terminal have both been silent for `stallMs` is stalled: idle, with
   * that reason (a hook or output brings it back to running). Agents without hooks are the screen's.
   */
  private findStalled(): void {
    if (!this.svc.db.open) return;
    const now = Date.now();
    for (const live of this.live.values()) {
      if (live.lastHookAt === 0) continue;
      const quietMs = now - Math.max(live.lastHookAt, live.tracker.lastOutputAt);
      if (quietMs < this.timing.stallMs) continue;
      try {
        if (this.svc.sessions.get(live.id).status !== 'running') continue;
        const minutes = Math.round(quietMs / 6000) / 10;
        this.svc.sessions.setStatus(live.id, 'idle', { reason: 'stalled', message: `detected idle (stalled): no hook and no output for ${minutes} min while running` });
        live.lastSetByDetector = 'idle';
      } catch (err) {
        this.log.warn({ err, sessionId: live.id }, 'could not record a stalled agent');
      }
    }
  }

  /**
   * Claude Code's hooks for a session (POST /api/sessions/:id/hooks, from `maestro hook`): its timeline,
   * status and typed reason, ahead of what the screen suggests.
   */
  ingestHooks(sessionId: string, deliveries: HookDelivery[]): Promise<{ accepted: number; fromSpool: number }> {
    return this.hooks.ingest(sessionId, deliveries);
  }

  private async takeSpooledHooks(sessionId: string): Promise<void> {
    await this.hooks.ingest(sessionId, []).catch((err: unknown) => this.log.warn({ err, sessionId }, 'could not take the hook spool'));
  }

  /** Whether the latest status change came from the detector (its messages start with "detected"). */
  private lastDetectedStatus(sessionId: string): SessionStatus | null {
    const last = this.svc.sessions
      .timeline(sessionId, { limit: 200 })
      .filter((e) => e.kind === 'status')
      .at(-1);
    return last && last.message.startsWith('detected ') ? ((last.data?.to as SessionStatus | undefined) ?? null) : null;
  }

  private guessLaunchRecord(session: Session): LaunchRecord {
    const command = resolveAgentCommand({
      sessionCommand: session.agentCommand,
      agent: session.agentKind,
      supervisorCommand: this.opts.agentCommand,
      env: session.env,
    });
    let cwd = this.svc.paths.home;
    try {
      cwd = this.svc.projects.get(session.projectId).workingDir;
    } catch {
      /* project gone */
    }
    return { commandLine: command.commandLine, kind: command.kind, source: command.source, cwd, startedAt: session.createdAt };
  }
}

const launchRecordPath = (files: LaunchFiles) => join(files.dir, 'launch.json');

function readLaunchRecord(files: LaunchFiles): LaunchRecord | null {
  try {
    return JSON.parse(readFileSync(launchRecordPath(files), 'utf8')) as LaunchRecord;
  } catch {
    return null;
  }
}

function readManifest(path: string): Manifest | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch {
    return null;
  }
}

/** The agent kind a launch record names (records written before kinds were data said `custom`). */
const agentKindOf = (record: LaunchRecord): AgentKind => (AGENT_KINDS as readonly string[]).includes(record.kind) ? record.kind : 'generic';

const describeSource = (source: ResolvedCommand['source']) =>
  ({
    session: 'the spawn request or its template',
    agent: 'the chosen agent kind',
    supervisor: "the server's default",
    env: 'MAESTRO_AGENT_CMD',
    default: 'the default',
  })[source];

const clamp = (n: number, min: number, max: number) => Math.min(max, Math.max(min, Number.isFinite(n) ? n : min));

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
