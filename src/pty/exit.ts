import type { Session } from '../core/types.js';
import type { ScreenReason } from './detectors/index.js';
import { visibleText } from './ansi.js';
import { readRecording, recordingOutput } from './asciicast.js';
import { readExitCode, type LaunchFiles } from './launch-files.js';
import type { SupervisorContext } from './live-session.js';
import { exitOutcome } from './state.js';

/**
 * Exit settlement: what a session becomes when its agent's terminal ends (the exit code the wrapper
 * left: 0 completed, other failed, none or stopped by Maestro stopped; a session that already finished
 * keeps its status), said on its timeline with why a failed agent stopped when its screen told. Both
 * the live path (our client saw the end) and the restart path (the terminal was gone at start) settle
 * here, so they agree.
 */

export interface ExitWhy {
  reason: ScreenReason | null;
  text: string | null;
}

/** Records an agent's end seen live: timeline line, status, exit code. */
export function settleExit(
  ctx: SupervisorContext,
  sessionId: string,
  exitCode: number | null,
  stoppedByMaestro: boolean,
  why: ExitWhy = { reason: null, text: null },
): void {
  const { svc } = ctx;
  if (!svc.db.open) return;
  const session = svc.sessions.get(sessionId);
  const outcome = exitOutcome({ current: session.status, exitCode, stoppedByMaestro });
  // Say why a failed agent stopped when its screen told (no network, a login it could not do).
  const message = why.text && outcome.status === 'failed' ? `${outcome.message}: ${why.text}` : outcome.message;
  svc.sessions.appendTimeline(sessionId, 'agent_state', message, null, { state: 'exited', exitCode, ...(why.reason ? { stateReason: why.reason } : {}) });
  svc.sessions.setStatus(sessionId, outcome.status, {
    exitCode: outcome.exitCode,
    message,
    ...(why.reason && outcome.status === 'failed' ? { reason: why.reason } : {}),
  });
  ctx.log.info({ sessionId, exitCode, status: outcome.status }, 'agent exited');
}

/** Settles an unfinished session whose tmux session was gone when the supervisor started. */
export function settleGoneAtStart(ctx: SupervisorContext, session: Session, files: LaunchFiles): void {
  const exitCode = readExitCode(files.exitCodePath);
  const outcome = exitOutcome({ current: session.status, exitCode, stoppedByMaestro: false });
  ctx.svc.sessions.appendTimeline(session.id, 'agent_state', `agent terminal gone at supervisor start; ${outcome.message}`, null, {
    state: 'exited',
    exitCode,
  });
  ctx.svc.sessions.setStatus(session.id, outcome.status, { exitCode, message: `${outcome.message} (found at supervisor start)` });
}

/**
 * The end of what the agent printed, as lines of plain text: for an agent that exited before its
 * screen was read (a first start with no network ends within a second).
 */
export function outputTail(recordingPath: string): string | null {
  try {
    const output = recordingOutput(readRecording(recordingPath)).slice(-16_384);
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
