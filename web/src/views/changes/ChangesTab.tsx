import { useState } from 'preact/hooks';
import { Empty, Spinner } from '../../components/ui';
import { useAppState } from '../../store';
import type { MergeStrategy, Session } from '../../types';
import './changes.css';
import './files.css';
import { ChangesHeader } from './ChangesHeader';
import { DiffView } from './DiffView';
import { FileTree } from './FileTree';
import { FileView } from './FileView';
import { MergeBar } from './MergeBar';
import { MergeQueue } from './MergeQueue';
import { useChanges } from './useChanges';

/*
 * The session page's Changes tab: what a session with its own git worktree has changed against its
 * base, and landing it. A header (branch, base, ahead/behind, uncommitted, +/−), the merge and clean-up
 * controls, the worktree's files beside the diff (or one file, read-only), and the project's merge
 * queue. All of it follows live events (useChanges). Loaded on first use: it carries diff2html.
 */

/** What the main pane shows: the diff of every file (path null), of one file, or one file's content. */
type Selection = { path: string | null; view: 'diff' | 'file' };

export function ChangesTab(props: { session: Session }) {
  if (!props.session.branch)
    return (
      <div class="card" data-testid="changes-none">
        <Empty title="No worktree of its own">
          <p class="small">
            This session works in the project directory. Spawn with <code>--worktree</code> to review its changes here.
          </p>
        </Empty>
      </div>
    );
  return <WorktreeChanges session={props.session} />;
}

function WorktreeChanges({ session }: { session: Session }) {
  const { epoch } = useAppState();
  const data = useChanges(session.id, session.projectId, epoch);
  const [sel, setSel] = useState<Selection>({ path: null, view: 'diff' });
  const [strategy, setStrategy] = useState<MergeStrategy>('merge');
  const { info, diff, errors } = data;
  const changed = (path: string) => diff?.files.some((f) => f.path === path) ?? false;

  let main;
  if (sel.view === 'file' && sel.path !== null)
    main = (
      <FileView
        key={sel.path}
        sessionId={session.id}
        path={sel.path}
        changed={changed(sel.path)}
        version={data.version}
        onShowDiff={(path) => setSel({ path, view: 'diff' })}
      />
    );
  else if (diff)
    main = (
      <DiffView
        diff={diff}
        path={sel.path}
        onSelect={(path) => setSel({ path, view: 'diff' })}
        onViewFile={(path) => setSel({ path, view: 'file' })}
      />
    );
  else if (info && !info.exists)
    main = <Empty title="The worktree was removed: its changes are no longer here to show" testid="diff-gone" />;
  else if (errors.diff)
    main = (
      <p class="card error-text" role="alert" data-testid="diff-error">
        Could not load the changes: {errors.diff}
      </p>
    );
  else main = <Spinner label="Loading changes" />;

  return (
    <div class="changes" data-testid="changes" data-version={data.version}>
      <ChangesHeader branch={session.branch ?? ''} info={info} diff={diff} loading={data.loading} onRefresh={data.refresh} />
      {errors.info && (
        <p class="error-text" role="alert">
          Could not read the worktree: {errors.info}
        </p>
      )}
      <MergeBar sessionId={session.id} info={info} version={data.version} strategy={strategy} onStrategy={setStrategy} onChanged={data.refresh} />
      <div class="changes-grid">
        {errors.files && !data.files && !diff ? (
          <p class="card subtle small" data-testid="files-error">
            {info && !info.exists ? 'The worktree was removed: no files to show.' : `Could not list the files: ${errors.files}`}
          </p>
        ) : (
          <FileTree
            files={data.files}
            diff={diff}
            selected={sel.path}
            onSelect={(f) => setSel({ path: f.path, view: f.changed && f.diff ? 'diff' : 'file' })}
          />
        )}
        <div class="changes-main">{main}</div>
      </div>
      <MergeQueue projectId={session.projectId} sessionId={session.id} strategy={strategy} />
    </div>
  );
}
