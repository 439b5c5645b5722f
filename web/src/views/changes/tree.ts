// The worktree's files as a tree of folders, with each file's change (from the diff) on it. Pure: no state, no requests.
import type { FileDiff, SessionDiff, SessionFiles } from '../../types';

export interface TreeFile {
  kind: 'file';
  name: string;
  path: string;
  changed: boolean;
  /** Its entry in the diff, when the diff has one (a changed file's status and line counts). */
  diff: FileDiff | null;
}

export interface TreeDir {
  kind: 'dir';
  name: string;
  path: string;
  children: TreeNode[];
  /** Changed files anywhere under it. */
  changes: number;
}

export type TreeNode = TreeFile | TreeDir;

const dir = (name: string, path: string): TreeDir => ({ kind: 'dir', name, path, children: [], changes: 0 });

/**
 * The tree of `files`, plus the diff's files that are no longer in the worktree (deleted ones, or all
 * of them when the file list could not be loaded). Folders first, then by name.
 */
export function buildTree(files: SessionFiles | null, diff: SessionDiff | null): TreeDir {
  const root = dir('', '');
  const dirs = new Map<string, TreeDir>([['', root]]);
  const diffs = new Map((diff?.files ?? []).map((f) => [f.path, f]));

  const dirOf = (path: string): TreeDir => {
    const known = dirs.get(path);
    if (known) return known;
    const cut = path.lastIndexOf('/');
    const made = dir(path.slice(cut + 1), path);
    dirOf(cut < 0 ? '' : path.slice(0, cut)).children.push(made);
    dirs.set(path, made);
    return made;
  };
  const addFile = (path: string, changed: boolean) => {
    const cut = path.lastIndexOf('/');
    const parent = dirOf(cut < 0 ? '' : path.slice(0, cut));
    parent.children.push({ kind: 'file', name: path.slice(cut + 1), path, changed, diff: diffs.get(path) ?? null });
  };

  const seen = new Set<string>();
  for (const f of files?.files ?? []) {
    if (f.type === 'dir') dirOf(f.path.replace(/\/+$/, ''));
    else {
      seen.add(f.path);
      addFile(f.path, f.changed || diffs.has(f.path));
    }
  }
  for (const f of diffs.values()) if (!seen.has(f.path)) addFile(f.path, true);

  const finish = (d: TreeDir): number => {
    d.children.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
    d.changes = d.children.reduce((n, c) => n + (c.kind === 'dir' ? finish(c) : c.changed ? 1 : 0), 0);
    return d.changes;
  };
  finish(root);
  return root;
}

/**
 * The tree with only the files whose path contains `text` (case-insensitive) and, with `changedOnly`,
 * that changed; folders left empty go. The same tree when nothing filters.
 */
export function filterTree(node: TreeDir, text: string, changedOnly: boolean): TreeDir {
  const needle = text.trim().toLowerCase();
  if (!needle && !changedOnly) return node;
  const keep = (n: TreeNode): TreeNode | null => {
    if (n.kind === 'file') return (!changedOnly || n.changed) && (!needle || n.path.toLowerCase().includes(needle)) ? n : null;
    const children = n.children.map(keep).filter((c): c is TreeNode => c !== null);
    return children.length ? { ...n, children } : null;
  };
  return (keep(node) as TreeDir | null) ?? { ...node, children: [] };
}

/** A one-letter mark of a change: Added, Modified, Deleted, Renamed, Copied, Type changed; U for untracked. */
export function changeMark(f: FileDiff | null): string {
  if (!f) return 'M';
  if (f.untracked) return 'U';
  return { added: 'A', modified: 'M', deleted: 'D', renamed: 'R', copied: 'C', type_changed: 'T' }[f.status];
}
