import { FINISHED_SESSION_STATUSES } from '../../core/constants.js';
import type { SessionStatus } from '../../core/schemas.js';
import type { StateReason } from '../../core/types.js';
import type { HookMeaning } from './interpret.js';

/**
 * What a hook makes of the session's status (and its reason), or null to leave it. Hooks are the
 * agent's own account of its turn, so they outrank the screen; the agent's reports still come first:
 *  - a finished session is never reopened (a Stop after its completion report only says `finished`);
 *  - a prompt means running, whatever came before: the answer to a question arrived;
 *  - a permission or idle notification means a person must act: needs_input;
 *  - tool use means running, except against a wait the agent reported itself (blocked, needs input);
 *  - the end of a turn means idle: `finished` with no open work left, `waiting` when it started a command
 *    in the background this turn (it will be back), `finished_unreported` when its tasks are open and it
 *    said nothing of them; a wait the agent reported stands.
 */
export function hookStatus(input: {
  current: SessionStatus;
  meaning: NonNullable<HookMeaning['state']>;
  /** The current status was set by the agent's own report (not by the detector or a hook). */
  reportedByAgent: boolean;
  /** The session's tasks (or queue) still hold work. */
  openWork: boolean;
  /** This turn started a command in the background. */
  backgroundInTurn?: boolean;
}): { status: SessionStatus; reason: StateReason | null } | null {
  const { current, meaning } = input;
  if (FINISHED_SESSION_STATUSES.includes(current)) {
    return meaning.kind === 'turn_end' && current === 'completed' ? { status: current, reason: 'finished' } : null;
  }
  const reportedWait = input.reportedByAgent && (current === 'blocked' || current === 'needs_input');
  switch (meaning.kind) {
    case 'prompt':
      return { status: 'running', reason: null };
    case 'wait':
      return { status: 'needs_input', reason: meaning.reason ?? 'needs_input' };
    case 'work':
      return reportedWait ? null : { status: 'running', reason: null };
    case 'turn_end':
      if (reportedWait) return null;
      if (meaning.reason) return { status: 'idle', reason: meaning.reason }; // a failed turn says why (offline)
      if (!input.openWork) return { status: 'idle', reason: 'finished' };
      return { status: 'idle', reason: input.backgroundInTurn ? 'waiting' : 'finished_unreported' };
  }
}
