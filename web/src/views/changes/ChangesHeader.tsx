import { RelTime } from '../../components/ui';
import type { SessionDiff, WorktreeInfo } from '../../types';

/**
 * Where the session works and how far it is from its base: branch → base, commits ahead and behind,
 * uncommitted files, the diff's +/− lines, and whether it was merged or its worktree removed.
 */
export function ChangesHeader(props: { branch: string; info: WorktreeInfo | null; diff: SessionDiff | null; loading: boolean; onRefresh: () => void }) {
  const { info, diff } = props;
  return (
    <div class="changes-head" data-testid="changes-head">
      <div class="changes-facts">
        <span class="changes-branch">
          <span class="mono" data-testid="changes-branch">
            {info?.branch ?? props.branch}
          </span>{' '}
          <span class="subtle">→</span>{' '}
          <span class="mono" data-testid="changes-base">
            {diff?.base ?? info?.base ?? '…'}
          </span>
        </span>
        {info?.exists && (
          <>
            <span class="fact" data-testid="changes-ahead" title="Commits on its branch that are not on the base">
              {info.ahead} ahead
            </span>
            <span class="fact" data-testid="changes-behind" title="Commits on the base that are not on its branch">
              {info.behind} behind
            </span>
            <span class={`fact${info.dirty.length ? ' warn' : ''}`} data-testid="changes-dirty" title={info.dirty.join('\n') || undefined}>
              {info.dirty.length} uncommitted
            </span>
          </>
        )}
        {diff && (
          <span class="fact" data-testid="changes-lines" aria-label={`${diff.additions} lines added, ${diff.deletions} removed`}>
            <span class="plus">+{diff.additions}</span> <span class="minus">−{diff.deletions}</span>
          </span>
        )}
        {info?.mergedAt && (
          <span class="fact ok" data-testid="changes-merged">
            merged <RelTime iso={info.mergedAt} />
            {info.mergeCommit && <span class="mono"> {info.mergeCommit.slice(0, 10)}</span>}
          </span>
        )}
        {info && !info.exists && (
          <span class="fact" data-testid="changes-removed">
            worktree removed
          </span>
        )}
      </div>
      <div class="changes-where">
        {info && (
          <span class="subtle small mono path" title="The session's worktree">
            {info.path}
          </span>
        )}
        <button type="button" class="btn small ghost" onClick={props.onRefresh} disabled={props.loading} data-testid="changes-refresh">
          {props.loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
    </div>
  );
}
