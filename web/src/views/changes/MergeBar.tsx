import { useEffect, useState } from 'preact/hooks';
import { api, errorMessage } from '../../api';
import type { MergeRefusalReason, MergeResult, MergeStrategy, WorktreeInfo } from '../../types';
import { CleanupControl, type CleanupOutcome } from './CleanupControl';

/*
 * Merging a session's branch: a strategy, a check run first (session.merge with dryRun, again whenever
 * the tab's data reloads) whose refusal shows beside the button and disables it, then the merge itself,
 * whose result (commit, test output) or refusal (an error: nothing moved) shows below. Clean-up sits
 * beside it.
 */

export const STRATEGY_LABEL: Record<MergeStrategy, string> = { merge: 'Merge', squash: 'Squash and merge', rebase: 'Rebase and merge' };

const REFUSAL_LABEL: Record<MergeRefusalReason, string> = {
  conflict: 'Conflicts in',
  dirty_target: 'The target branch has uncommitted changes in',
  dirty_source: 'Uncommitted changes in',
  checked_out_elsewhere: 'The target branch is checked out elsewhere',
  test_failed: 'The project tests failed',
  nothing_to_merge: 'Nothing to merge',
  not_found: 'Not found',
  target_moved: 'The target branch moved meanwhile',
  untracked_in_the_way: 'Untracked files in the way',
  no_worktree: 'No worktree',
};

/** "Conflicts in: a.txt, b.txt" (the files named when there are any). */
export const refusalText = (r: MergeResult): string =>
  r.refusal ? `${REFUSAL_LABEL[r.refusal] ?? r.refusal}${r.files.length ? `: ${r.files.join(', ')}` : ''}` : '';

type Outcome = { ok: true; result: MergeResult } | { ok: false; message: string };

export function MergeBar(props: {
  sessionId: string;
  info: WorktreeInfo | null;
  version: number;
  strategy: MergeStrategy;
  onStrategy: (s: MergeStrategy) => void;
  onChanged: () => void;
}) {
  const { sessionId, strategy } = props;
  const [commit, setCommit] = useState(false);
  const [check, setCheck] = useState<MergeResult | null>(null);
  const [checkError, setCheckError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [cleaned, setCleaned] = useState<CleanupOutcome | null>(null);

  // Checked once the tab's data is in, and again with every reload of it.
  useEffect(() => {
    if (props.version === 0) return;
    let cancelled = false;
    api
      .merge({ sessionId, strategy, dryRun: true, ...(commit ? { commit } : {}) })
      .then((r) => !cancelled && (setCheck(r), setCheckError(null)))
      .catch((err) => !cancelled && (setCheck(null), setCheckError(errorMessage(err))));
    return () => {
      cancelled = true;
    };
  }, [sessionId, strategy, commit, props.version]);

  const merge = async () => {
    setBusy(true);
    setOutcome(null);
    try {
      setOutcome({ ok: true, result: await api.merge({ sessionId, strategy, ...(commit ? { commit } : {}) }) });
    } catch (err) {
      setOutcome({ ok: false, message: errorMessage(err) });
    } finally {
      setBusy(false);
      props.onChanged();
    }
  };

  const dirtyCount = props.info?.dirty.length ?? 0;
  const dirty = dirtyCount > 0 || check?.refusal === 'dirty_source';
  // A check with `commit` merges a snapshot of the uncommitted work (nothing is committed until the merge lands).
  const commitsFirst = commit && dirtyCount > 0 && check?.ok === true;
  const refused = check !== null && !check.ok;
  // Once merged, "nothing to merge" (or no branch left after clean-up) is the expected answer, not a problem.
  const landed = refused && !!props.info?.mergedAt && (check.refusal === 'nothing_to_merge' || check.refusal === 'not_found');
  const result = outcome?.ok ? outcome.result : null;

  return (
    <div class="card merge-bar" data-testid="merge-bar">
      <div class="merge-row">
        <label class="inline-label">
          Strategy
          <select value={strategy} onChange={(e) => props.onStrategy(e.currentTarget.value as MergeStrategy)} data-testid="merge-strategy">
            <option value="merge">Merge</option>
            <option value="squash">Squash</option>
            <option value="rebase">Rebase</option>
          </select>
        </label>
        {(dirty || commit) && (
          <label class="check-label small">
            <input type="checkbox" checked={commit} onChange={(e) => setCommit(e.currentTarget.checked)} data-testid="merge-commit-first" /> Commit
            uncommitted changes first
          </label>
        )}
        <button type="button" class="btn primary" disabled={busy || refused || check === null} onClick={() => void merge()} data-testid="merge-submit">
          {busy ? 'Merging…' : STRATEGY_LABEL[strategy]}
        </button>
        <span
          class={`merge-check${landed ? '' : refused ? ' refused' : check?.ok || commitsFirst ? ' ok' : ''}`}
          data-testid="merge-check"
          data-state={checkError ? 'error' : check === null ? 'checking' : check.ok || commitsFirst ? 'ok' : 'refused'}
          data-refusal={check?.refusal ?? ''}
          title={check?.message}
        >
          {checkError
            ? `Could not check the merge: ${checkError}`
            : check === null
              ? 'Checking…'
              : commitsFirst
                ? `Commits ${dirtyCount} uncommitted file(s), then merges into ${check.into}`
                : check.ok
                  ? `Merges cleanly into ${check.into}`
                  : landed
                    ? `Merged into ${check.into}: nothing more to merge`
                    : refusalText(check)}
        </span>
        <span class="spacer" />
        <CleanupControl sessionId={sessionId} info={props.info} onOutcome={setCleaned} onChanged={props.onChanged} />
      </div>
      {refused && !landed && check.message && <p class="subtle small merge-detail">{check.message}</p>}
      {outcome && (
        <div
          class={`merge-outcome ${outcome.ok ? 'ok' : 'refused'}`}
          role="status"
          data-testid="merge-result"
          data-ok={outcome.ok ? 'true' : 'false'}
          data-commit={result?.commit ?? undefined}
        >
          {outcome.ok ? (
            <p>
              {outcome.result.message}
              {outcome.result.commit && !outcome.result.message.includes(outcome.result.commit.slice(0, 7)) && (
                <span class="mono"> {outcome.result.commit.slice(0, 10)}</span>
              )}
            </p>
          ) : (
            <p class="error-text">Not merged: {outcome.message}</p>
          )}
          {result?.test && (
            <details>
              <summary>
                Tests: <span class="mono">{result.test.cmd}</span> — {result.test.timedOut ? 'timed out' : `exit ${result.test.exitCode}`} in{' '}
                {(result.test.durationMs / 1000).toFixed(1)} s
              </summary>
              <pre class="test-output">{result.test.output}</pre>
            </details>
          )}
        </div>
      )}
      {cleaned && (
        <p class={`merge-outcome ${cleaned.ok ? 'ok' : 'refused'}`} role="status" data-testid="cleanup-result" data-ok={cleaned.ok ? 'true' : 'false'}>
          {cleaned.ok ? cleaned.result.message : <span class="error-text">Not cleaned up: {cleaned.message}</span>}
        </p>
      )}
    </div>
  );
}
