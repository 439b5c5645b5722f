import { useMemo, useState } from 'preact/hooks';
import type { SessionDiff, SessionFiles } from '../../types';
import { buildTree, changeMark, filterTree, type TreeFile, type TreeNode } from './tree';

/*
 * The worktree's files as a tree: folders fold, changed files carry their mark (A, M, D, U…) and their
 * +/− line counts, and a filter box narrows it (to a part of the path, or to changed files). Choosing a
 * file shows its diff when it changed, else its content.
 */

export function FileTree(props: {
  files: SessionFiles | null;
  diff: SessionDiff | null;
  selected: string | null;
  onSelect: (file: TreeFile) => void;
}) {
  const [filter, setFilter] = useState('');
  const [changedOnly, setChangedOnly] = useState(false);
  const [folded, setFolded] = useState<ReadonlySet<string>>(new Set());
  const tree = useMemo(() => buildTree(props.files, props.diff), [props.files, props.diff]);
  const shown = useMemo(() => filterTree(tree, filter, changedOnly), [tree, filter, changedOnly]);
  const filtering = filter.trim() !== '' || changedOnly;

  const toggle = (path: string) =>
    setFolded((f) => {
      const next = new Set(f);
      if (!next.delete(path)) next.add(path);
      return next;
    });

  const row = (n: TreeNode, depth: number) => {
    const pad = { paddingLeft: `${6 + depth * 14}px` };
    if (n.kind === 'dir') {
      // A filter unfolds everything it kept.
      const open = filtering || !folded.has(n.path);
      return (
        <li key={`d:${n.path}`}>
          <button
            type="button"
            class="ft-row ft-dir"
            style={pad}
            aria-expanded={open}
            onClick={() => toggle(n.path)}
            data-testid="tree-dir"
            data-path={n.path}
          >
            <span class="ft-twisty" aria-hidden="true">
              {open ? '▾' : '▸'}
            </span>
            <span class="ft-name">{n.name}/</span>
            {n.changes > 0 && <span class="ft-count" title={`${n.changes} changed file(s)`}>{n.changes}</span>}
          </button>
          {open && <ul>{n.children.map((c) => row(c, depth + 1))}</ul>}
        </li>
      );
    }
    const d = n.diff;
    const active = props.selected === n.path;
    return (
      <li key={`f:${n.path}`}>
        <button
          type="button"
          class={`ft-row ft-file${n.changed ? ' changed' : ''}${active ? ' active' : ''}${d?.status === 'deleted' ? ' deleted' : ''}`}
          style={pad}
          aria-current={active ? 'true' : undefined}
          onClick={() => props.onSelect(n)}
          data-testid="tree-file"
          data-path={n.path}
          data-changed={n.changed ? 'true' : 'false'}
          title={n.path}
        >
          <span class={`ft-mark${n.changed ? ` mark-${changeMark(d)}` : ''}`} aria-label={n.changed ? `changed (${d?.untracked ? 'untracked' : (d?.status ?? 'modified')})` : undefined}>
            {n.changed ? changeMark(d) : ''}
          </span>
          <span class="ft-name">{n.name}</span>
          {d && !d.binary && (
            <span class="ft-stat">
              <span class="plus">+{d.additions}</span> <span class="minus">−{d.deletions}</span>
            </span>
          )}
          {d?.binary && <span class="ft-stat subtle">binary</span>}
        </button>
      </li>
    );
  };

  return (
    <div class="card file-tree" data-testid="file-tree">
      <h2 class="card-title">
        Files <span class="subtle small">{tree.changes} changed</span>
      </h2>
      <div class="ft-filters">
        <input
          type="search"
          class="ft-filter"
          placeholder="Filter files"
          aria-label="Filter files"
          value={filter}
          onInput={(e) => setFilter(e.currentTarget.value)}
          data-testid="file-filter"
        />
        <label class="check-label small">
          <input type="checkbox" checked={changedOnly} onChange={(e) => setChangedOnly(e.currentTarget.checked)} /> Changed only
        </label>
      </div>
      {shown.children.length === 0 ? (
        <p class="subtle small">{filtering ? 'No file matches.' : 'No files.'}</p>
      ) : (
        <ul class="ft-list" aria-label="Worktree files">
          {shown.children.map((c) => row(c, 0))}
        </ul>
      )}
    </div>
  );
}
