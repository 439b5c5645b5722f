import { useState } from 'preact/hooks';
import { api, errorMessage } from '../../api';
import type { CleanupResult, WorktreeInfo } from '../../types';

/*
 * Removing a session's worktree (session.cleanup): a button that asks first, with a "force" box (even
 * with uncommitted changes, and the branch even unmerged). What was removed, or why not (a live
 * session, uncommitted work…), goes to `onOutcome` (the merge bar shows it under its row).
 */

export type CleanupOutcome = { ok: true; result: CleanupResult } | { ok: false; message: string };

export function CleanupControl(props: {
  sessionId: string;
  info: WorktreeInfo | null;
  onOutcome: (o: CleanupOutcome | null) => void;
  onChanged: () => void;
}) {
  const [asking, setAsking] = useState(false);
  const [force, setForce] = useState(false);
  const [busy, setBusy] = useState(false);
  const gone = props.info !== null && !props.info.exists;

  const cleanup = async () => {
    setBusy(true);
    props.onOutcome(null);
    try {
      props.onOutcome({ ok: true, result: await api.cleanup(props.sessionId, force) });
      setAsking(false);
    } catch (err) {
      props.onOutcome({ ok: false, message: errorMessage(err) });
    } finally {
      setBusy(false);
      props.onChanged();
    }
  };

  return (
    <div class="cleanup" data-testid="cleanup">
      {!asking ? (
        <button
          type="button"
          class="btn"
          onClick={() => (setAsking(true), props.onOutcome(null))}
          data-testid="cleanup-start"
          title={gone ? 'The worktree is already removed' : undefined}
        >
          Clean up…
        </button>
      ) : (
        <div class="cleanup-confirm" role="group" aria-label="Confirm clean-up" data-testid="cleanup-confirm">
          <span class="small">
            Remove the worktree{props.info?.path ? <span class="mono"> {props.info.path}</span> : null}
            {force ? ' and its branch, even unmerged or with uncommitted changes' : ', and its branch once merged'}?
          </span>
          <label class="check-label small">
            <input type="checkbox" checked={force} onChange={(e) => setForce(e.currentTarget.checked)} data-testid="cleanup-force" /> Force
          </label>
          <button type="button" class="btn danger small" disabled={busy} onClick={() => void cleanup()} data-testid="cleanup-confirm-button">
            {busy ? 'Removing…' : 'Remove'}
          </button>
          <button type="button" class="btn small" onClick={() => setAsking(false)}>
            Cancel
          </button>
        </div>
      )}
    </div>
  );
}
