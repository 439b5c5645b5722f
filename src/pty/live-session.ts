import type { Logger } from 'pino';
import type { SessionStatus } from '../core/schemas.js';
import type { MaestroService } from '../core/service.js';
import type { CastWriter } from './asciicast.js';
import type { Attachment } from './attachment.js';
import type { LaunchFiles } from './launch-files.js';
import type { DetectionTiming, StateTracker } from './state.js';
import type { Tmux } from './tmux.js';

/**
 * The shapes the supervisor's modules share: what the supervisor holds for one attached agent
 * (`LiveSession`) and the context every module works in (`SupervisorContext`), plus the one wait that
 * launch and reattach both use. It exists so that launch, reattach, exit, observation and terminal IO can live
 * in files of their own without importing the `Supervisor` class or each other in a circle.
 */

export type OutputListener = (data: string) => void;
/** Called once when the agent's terminal ends: its exit code, or null when unknown (killed). */
export type ExitListener = (exitCode: number | null) => void;

export interface LiveSession {
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

/** What the supervisor's modules read and share; the `Supervisor` builds one and owns it. */
export interface SupervisorContext {
  readonly svc: MaestroService;
  /** pino, writing to stderr */
  readonly log: Logger;
  readonly tmux: Tmux;
  readonly timing: DetectionTiming;
  /** Terminal size new sessions start with. */
  readonly cols: number;
  readonly rows: number;
  /** The supervisor's default agent command (its `agentCommand` option). */
  readonly agentCommand: string | undefined;
  /** Every session the supervisor holds a terminal client for, by session id. */
  readonly live: Map<string, LiveSession>;
  /** Told once an agent's terminal has ended for good (steering drops what it queued for it). */
  readonly onAgentGone: (sessionId: string) => void;
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** How long a launch or reattach waits for the supervisor's tmux client to draw its first screen. */
export const ATTACH_TIMEOUT_MS = 3000;
