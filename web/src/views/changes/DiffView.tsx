import { html, parse, type Diff2HtmlConfig } from 'diff2html';
import 'diff2html/bundles/css/diff2html.min.css';
import { useMemo, useState } from 'preact/hooks';
import { Empty } from '../../components/ui';
import type { FileDiff, SessionDiff } from '../../types';
import { changeMark } from './tree';

/*
 * A session's changes side by side, rendered by diff2html from the unified patch the server sends
 * (session.diff): every file, or the one chosen in the tree. diff2html escapes the lines it renders.
 */

const CONFIG: Diff2HtmlConfig = {
  outputFormat: 'side-by-side',
  drawFileList: false,
  matching: 'lines',
  // Light or dark with the system, as the rest of the dashboard.
  colorScheme: 'auto' as Diff2HtmlConfig['colorScheme'],
};

/** Past this size, every file's diff at once waits for a click (diff2html renders it all into the page). */
const LARGE_PATCH = 1024 * 1024;

/** diff2html's HTML of the patch, or of the one file of it at `path` (by its new or old name). */
function renderPatch(patch: string, path: string | null): string {
  if (!patch) return '';
  if (path === null) return html(patch, CONFIG);
  const files = parse(patch, CONFIG).filter((f) => f.newName === path || f.oldName === path);
  return files.length ? html(files, CONFIG) : '';
}

const Stat = ({ f }: { f: Pick<FileDiff, 'additions' | 'deletions'> }) => (
  <span class="ft-stat">
    <span class="plus">+{f.additions}</span> <span class="minus">−{f.deletions}</span>
  </span>
);

export function DiffView(props: { diff: SessionDiff; path: string | null; onSelect: (path: string | null) => void; onViewFile: (path: string) => void }) {
  const { diff, path } = props;
  const [showLarge, setShowLarge] = useState(false);
  const held = path === null && diff.patch.length > LARGE_PATCH && !showLarge;
  const body = useMemo(() => (held ? '' : renderPatch(diff.patch, path)), [diff.patch, path, held]);
  const file = path === null ? null : (diff.files.find((f) => f.path === path) ?? null);
  const files = path === null ? diff.files : file ? [file] : [];

  return (
    <div class="card diff-card" data-testid="diff-view" data-path={path ?? ''}>
      <h2 class="card-title">
        <span class="diff-title">
          {path === null ? 'All changes' : <span class="mono">{path}</span>}{' '}
          <span class="subtle small">
            {path === null ? `${diff.files.length} file(s)` : file ? `${file.status}${file.untracked ? ', untracked' : ''}` : 'unchanged'}
          </span>
        </span>
        <span class="diff-actions">
          {path !== null && (
            <>
              {file?.status !== 'deleted' && (
                <button type="button" class="btn small ghost" onClick={() => props.onViewFile(path)} data-testid="view-file">
                  View file
                </button>
              )}
              <button type="button" class="btn small ghost" onClick={() => props.onSelect(null)} data-testid="show-all-changes">
                All changes
              </button>
            </>
          )}
        </span>
      </h2>
      {diff.truncated && (
        <p class="notice" role="note" data-testid="diff-truncated">
          The diff is too large and was cut: the line counts are complete, the hunks shown are not.
        </p>
      )}
      {files.length > 0 && (
        <ul class="diff-files" aria-label="Changed files" data-testid="diff-stats">
          {files.map((f) => (
            <li key={f.path}>
              <span class={`ft-mark mark-${changeMark(f)}`}>{changeMark(f)}</span>{' '}
              {path === null ? (
                <button type="button" class="link-btn mono" onClick={() => props.onSelect(f.path)}>
                  {f.oldPath && f.oldPath !== f.path ? `${f.oldPath} → ${f.path}` : f.path}
                </button>
              ) : (
                <span class="mono">{f.oldPath && f.oldPath !== f.path ? `${f.oldPath} → ${f.path}` : f.path}</span>
              )}{' '}
              {f.binary ? <span class="subtle small">binary</span> : <Stat f={f} />}
            </li>
          ))}
        </ul>
      )}
      {held ? (
        <p class="notice" role="note" data-testid="diff-large">
          These changes are large ({(diff.patch.length / 1024 / 1024).toFixed(1)} MB of patch): pick a file, or{' '}
          <button type="button" class="link-btn" onClick={() => setShowLarge(true)}>
            show them all
          </button>
          .
        </p>
      ) : body ? (
        // diff2html escapes the text of the patch it renders.
        <div class="diff2html-host" data-testid="diff-html" dangerouslySetInnerHTML={{ __html: body }} />
      ) : diff.files.length === 0 ? (
        <Empty title="No changes against the base yet" testid="diff-empty" />
      ) : (
        <p class="subtle small" data-testid="diff-no-hunks">
          {file?.binary ? 'A binary file: no lines to show.' : 'No lines to show for this file (its patch is empty or was cut).'}
        </p>
      )}
    </div>
  );
}
