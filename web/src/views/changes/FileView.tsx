import { useEffect, useState } from 'preact/hooks';
import { api, errorMessage } from '../../api';
import { Spinner } from '../../components/ui';
import type { FileContent } from '../../types';

/*
 * One file of the worktree, read-only (session.file): as it is now, or at the merge base. Line numbers in
 * a gutter beside the text; a binary file or one cut at the server's size limit says so. It reloads with
 * the tab's data (`version`), so an agent's edits show. Keyed by its path: another file starts afresh.
 */

type Version = FileContent['version'];
type Load = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; file: FileContent };

const kb = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);

export function FileView(props: { sessionId: string; path: string; changed: boolean; version: number; onShowDiff: (path: string) => void }) {
  const { sessionId, path } = props;
  const [which, setWhich] = useState<Version>('worktree');
  const [load, setLoad] = useState<Load>({ state: 'loading' });

  useEffect(() => {
    let cancelled = false;
    setLoad((l) => (l.state === 'ready' && l.file.path === path && l.file.version === which ? l : { state: 'loading' }));
    api
      .file(sessionId, path, which)
      .then((file) => !cancelled && setLoad({ state: 'ready', file }))
      .catch((err) => !cancelled && setLoad({ state: 'error', message: errorMessage(err) }));
    return () => {
      cancelled = true;
    };
  }, [sessionId, path, which, props.version]);

  const lines = load.state === 'ready' && !load.file.binary ? load.file.content.replace(/\n$/, '').split('\n') : [];

  return (
    <div class="card file-card" data-testid="file-view" data-path={path} data-version={which}>
      <h2 class="card-title">
        <span class="diff-title">
          <span class="mono">{path}</span> <span class="subtle small">read-only · {which === 'base' ? 'at the base' : 'in the worktree'}</span>
        </span>
        <span class="diff-actions">
          <label class="check-label small">
            <input
              type="checkbox"
              checked={which === 'base'}
              onChange={(e) => setWhich(e.currentTarget.checked ? 'base' : 'worktree')}
              data-testid="file-base-toggle"
            />{' '}
            Base version
          </label>
          {props.changed && (
            <button type="button" class="btn small ghost" onClick={() => props.onShowDiff(path)} data-testid="show-diff">
              Show diff
            </button>
          )}
        </span>
      </h2>
      {load.state === 'loading' && <Spinner label="Loading file" />}
      {load.state === 'error' && (
        <p class="error-text" role="alert" data-testid="file-error">
          {which === 'base' ? 'Not at the base' : 'Could not read the file'}: {load.message}
        </p>
      )}
      {load.state === 'ready' && (
        <>
          {load.file.truncated && (
            <p class="notice" role="note" data-testid="file-truncated">
              Only the start of this {kb(load.file.size)} file is shown.
            </p>
          )}
          {load.file.binary ? (
            <p class="notice" role="note" data-testid="file-binary">
              A binary file ({kb(load.file.size)}): nothing to show as text.
            </p>
          ) : (
            <div class="file-code" tabIndex={0} role="region" aria-label={`Content of ${path}`}>
              <pre class="file-gutter" aria-hidden="true">
                {lines.map((_, i) => `${i + 1}\n`).join('')}
              </pre>
              <pre class="file-text" data-testid="file-content">
                {lines.join('\n')}
              </pre>
            </div>
          )}
        </>
      )}
    </div>
  );
}
