import type { SessionStatus } from '../core/schemas.js';
import { FINISHED_STATUSES } from '../core/sessions.js';
import { classifyScreen, exitReason, screenReason, type AgentDetector, type ReasonMatch, type ScreenVerdict } from './detectors/index.js';

/** What the supervisor can tell about an agent from its terminal and processes. */
export type AgentState = 'running' | 'idle' | 'needs_input';

export interface Observation {
  state: AgentState;
  /** Human-readable why, for the timeline. */
  reason: string;
  /** The screen pattern that decided, if one did. */
  pattern: string | null;
  /** What the screen says stops the agent (login, trust prompt, no network), with its telling line. */
  screen?: ReasonMatch | null;
}

export interface DetectionTiming {
  /** Output must pause this long before the screen is read as a whole (a prompt is drawn in pieces). */
  settleMs: number;
  /** No output for this long (and no busy process) means idle even without a recognised prompt. */
  idleMs: number;
  /** While output keeps flowing, read the screen at most this often. */
  pollMs: number;
  /** How often the tracker wakes up to decide whether to look. */
  tickMs: number;
  /** A running agent with hooks that says nothing (no hook, no output) this long is stalled. */
  stallMs: number;
}

export const DEFAULT_TIMING: DetectionTiming = { settleMs: 400, idleMs: 8000, pollMs: 2000, tickMs: 250, stallMs: 10 * 60_000 };

/**
 * The judgement, as a pure function. A prompt on screen wins; a busy marker or fresh output means
 * running; the agent's own prompt after output settled, or a long silence with no process on a CPU,
 * means idle; new output since the last look (a burst that already ended) means running. Anything
 * else keeps the current state (null): an agent that paused briefly is still whatever it was.
 */
export function judge(input: {
  verdict: ScreenVerdict;
  pattern?: string | null;
  quietMs: number;
  /** Whether the terminal drew anything since the previous look. */
  freshOutput?: boolean;
  treeBusy: boolean | null;
  timing: Pick<DetectionTiming, 'settleMs' | 'idleMs'>;
}): Observation | null {
  const { verdict, quietMs, timing } = input;
  const pattern = input.pattern ?? null;
  if (verdict === 'needs_input') return { state: 'needs_input', reason: 'a prompt on screen waits for an answer', pattern };
  if (verdict === 'busy') return { state: 'running', reason: 'the agent shows it is working', pattern };
  if (quietMs < timing.settleMs) return { state: 'running', reason: 'output is flowing', pattern: null };
  if (verdict === 'idle') return { state: 'idle', reason: 'the agent waits at its prompt', pattern };
  if (quietMs >= timing.idleMs) {
    if (input.treeBusy) return { state: 'running', reason: 'no output, but its processes are busy', pattern: null };
    return { state: 'idle', reason: `no output for ${Math.round(quietMs / 1000)}s`, pattern: null };
  }
  if (input.freshOutput) return { state: 'running', reason: 'new output', pattern: null };
  return null;
}

/** The session status an observation maps to. */
export const STATUS_FOR_STATE: Record<AgentState, SessionStatus> = { running: 'running', idle: 'idle', needs_input: 'needs_input' };

/**
 * Whether an observation may change the session's status (the new status) or not (null).
 *
 * The agent's own reports take precedence over what the screen suggests:
 *  - finished sessions (completed, failed, stopped) are never reopened by detection;
 *  - `blocked` and `needs_input` that the agent reported (not set by the detector) stand against an
 *    `idle` or `running` observation, since an agent that said it is blocked or waiting for an answer
 *    naturally sits quiet or shows its prompt. They give way when a prompt is detected (a person must
 *    act either way) or when someone typed into the terminal after the report and the agent went
 *    back to work (`running`): that is the answer arriving.
 */
export function statusForObservation(input: {
  current: SessionStatus;
  observed: AgentState;
  /** The status the detector itself last set, to tell its own changes from the agent's reports. */
  lastSetByDetector: SessionStatus | null;
  /** Whether input reached the terminal after the current status was set. */
  inputSinceStatus: boolean;
}): SessionStatus | null {
  const { current, observed } = input;
  if (FINISHED_STATUSES.includes(current)) return null;
  const next = STATUS_FOR_STATE[observed];
  if (next === current) return null;
  const reportedWait = (current === 'blocked' || current === 'needs_input') && input.lastSetByDetector !== current;
  if (reportedWait) {
    if (observed === 'needs_input') return next;
    if (observed === 'running' && input.inputSinceStatus) return next;
    return null;
  }
  return next;
}

export interface ExitOutcome {
  status: SessionStatus;
  exitCode: number | null;
  message: string;
}

/**
 * What an ended agent means for its session: stopped when Maestro stopped it; exit 0 completes it,
 * any other code fails it. A session that had already finished keeps its status (an agent that
 * completed its work and then exited non-zero did complete) and only gets the exit code recorded.
 * Without an exit code (the terminal was killed under it) the session counts as stopped.
 */
export function exitOutcome(input: { current: SessionStatus; exitCode: number | null; stoppedByMaestro: boolean }): ExitOutcome {
  const { current, exitCode } = input;
  if (FINISHED_STATUSES.includes(current))
    return { status: current, exitCode, message: `agent exited${exitCode !== null ? ` with code ${exitCode}` : ''}` };
  if (input.stoppedByMaestro) return { status: 'stopped', exitCode, message: 'agent stopped by Maestro' };
  if (exitCode === null) return { status: 'stopped', exitCode: null, message: 'agent terminal ended without an exit code (killed?)' };
  if (exitCode === 0) return { status: 'completed', exitCode, message: 'agent exited with code 0' };
  return {
    status: 'failed',
    exitCode,
    message: exitCode === 127 ? 'agent command not found (exit code 127)' : `agent exited with code ${exitCode}`,
  };
}

/**
 * Watches one agent: fed with output timestamps, it reads the screen when there is reason to (output
 * settled, output flowing for a while, silence crossing the idle threshold) and reports changes.
 */
export class StateTracker {
  /** When the terminal last drew something visible. */
  lastOutputAt = Date.now();
  private lastCheckAt = 0;
  private dirty = true;
  private checking = false;
  /** The last look found silence but busy processes: keep looking until they settle. */
  private watchingTree = false;
  private timer: NodeJS.Timeout | null = null;
  state: AgentState | null = null;
  private reason: string | null = null;
  /** The last screen read, for what an agent that exits left on it. */
  lastScreen: string | null = null;

  constructor(
    private readonly opts: {
      detector: AgentDetector;
      timing: DetectionTiming;
      capture: () => Promise<string | null>;
      treeBusy: () => Promise<boolean | null>;
      onChange: (obs: Observation) => void;
    },
  ) {}

  /**
   * Why an agent that exited stopped, from its last screen (or, when none was read, `fallback`: the
   * end of its output): the typed reason and one line for a person, or nulls.
   */
  explainExit(fallback: () => string | null): { reason: ReasonMatch['reason'] | null; text: string | null } {
    for (const screen of [this.lastScreen, fallback()]) {
      if (!screen) continue;
      const text = exitReason(this.opts.detector, screen);
      if (text) return { reason: screenReason(this.opts.detector, screen)?.reason ?? null, text };
    }
    return { reason: null, text: null };
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.opts.timing.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Someone else (a hook) set the status: the next look reports whatever it sees, even if unchanged. */
  forget(): void {
    this.state = null;
    this.reason = null;
    this.dirty = true;
  }

  noteOutput(): void {
    this.lastOutputAt = Date.now();
    this.dirty = true;
  }

  private shouldCheck(now: number): boolean {
    const { settleMs, idleMs, pollMs } = this.opts.timing;
    const quiet = now - this.lastOutputAt;
    if (this.dirty && quiet >= settleMs) return true;
    if (this.dirty && now - this.lastCheckAt >= pollMs) return true;
    if (this.watchingTree && now - this.lastCheckAt >= pollMs) return true;
    return quiet >= idleMs && this.lastCheckAt < this.lastOutputAt + idleMs;
  }

  async tick(): Promise<void> {
    const now = Date.now();
    if (this.checking || !this.shouldCheck(now)) return;
    this.checking = true;
    const freshOutput = this.dirty;
    this.dirty = false;
    this.lastCheckAt = now;
    try {
      const screen = await this.opts.capture();
      if (screen === null || this.timer === null) return;
      this.lastScreen = screen;
      const { verdict, pattern } = classifyScreen(this.opts.detector, screen);
      const stopper = screenReason(this.opts.detector, screen);
      const quietMs = Date.now() - this.lastOutputAt;
      const treeBusy = verdict === null && quietMs >= this.opts.timing.idleMs ? await this.opts.treeBusy() : null;
      const judged = judge({ verdict, pattern, quietMs, freshOutput, treeBusy, timing: this.opts.timing });
      // A login or trust prompt needs a person whatever the prompt line looks like.
      const obs: Observation | null =
        stopper && (stopper.reason === 'login_required' || stopper.reason === 'trust_prompt')
          ? { state: 'needs_input', reason: stopper.detail, pattern: stopper.pattern, screen: stopper }
          : judged && { ...judged, screen: stopper };
      this.watchingTree = treeBusy === true;
      if (obs && (obs.state !== this.state || (obs.screen?.reason ?? null) !== this.reason)) {
        this.state = obs.state;
        this.reason = obs.screen?.reason ?? null;
        this.opts.onChange(obs);
      }
    } catch {
      /* the pane went away mid-check; the exit path reports that */
    } finally {
      this.checking = false;
    }
  }
}
