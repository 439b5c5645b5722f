import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitError } from './errors.js';
import { type FileDiff, type PatchSection, type WorktreeDiff, parsePatch } from './patch.js';
import { resolveCommit, statusPorcelain } from './repo.js';
import { git, gitOk, gitRaw } from './run.js';

export { diffStat, type DiffHunk, type FileDiff, type WorktreeDiff } from './patch.js';

/*
 * What a worktree changed against its base: committed, staged, unstaged and untracked work alike,
 * compared with the merge base of the base and HEAD (so commits that landed on the base since do not
 * show as reverted). The working tree is snapshotted into a tree object through a TEMPORARY index (a copy
 * of the real one, so unchanged files are not rehashed): the agent's own index is never written, and an
 * agent running `git add` at the same moment is not disturbed.
 */

const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
// Options that keep user configuration from changing what we parse.
const DIFF_OPTS = ['-M', '--no-color', '--no-ext-diff', '--no-textconv', '--no-relative'];
const STATUS: Record<string, FileDiff['status']> = {
  A: 'added', M: 'modified', D: 'deleted', R: 'renamed', C: 'copied', T: 'type_changed',
};

/** The worktree's HEAD and the merge base of `base` and it: what its changes are measured against. */
export async function mergeBaseOf(path: string, base: string): Promise<{ head: string | null; mergeBase: string }> {
  const baseCommit = await resolveCommit(path, base);
  if (!baseCommit) throw new GitError(`base '${base}' names no commit`, { args: ['rev-parse', base], kind: 'not_found' });
  const head = await resolveCommit(path, 'HEAD');
  const mb = head ? await git(path, ['merge-base', baseCommit, head]) : null;
  // Unrelated histories have no merge base: compare with the base itself.
  return { head, mergeBase: mb?.code === 0 ? mb.stdout.trim() : baseCommit };
}

/**
 * The paths a worktree changed against the merge base (committed, staged, unstaged, and new files not
 * ignored), without building the diff: a rename lists both names. What a file tree marks as changed.
 */
export async function changedPaths(o: { path: string; base: string }): Promise<string[]> {
  const { mergeBase } = await mergeBaseOf(o.path, o.base);
  const [tracked, untracked] = await Promise.all([
    gitOk(o.path, ['-c', 'core.quotepath=false', 'diff', '--name-only', '-z', '--no-renames', '--no-ext-diff', mergeBase]),
    gitOk(o.path, ['ls-files', '-z', '--others', '--exclude-standard']),
  ]);
  return [...new Set([...tracked.split('\0'), ...untracked.split('\0')].filter(Boolean))];
}

export async function diffWorktree(o: { path: string; base: string; maxBytes?: number }): Promise<WorktreeDiff> {
  const { head, mergeBase } = await mergeBaseOf(o.path, o.base);

  const tree = await snapshotTree(o.path);
  const untracked = new Set((await statusPorcelain(o.path)).filter((s) => s.untracked).map((s) => s.path));
  const files = await changedFiles(o.path, mergeBase, tree, untracked);

  const maxBytes = o.maxBytes ?? DEFAULT_MAX_BYTES;
  const out = await gitRaw(o.path, ['-c', 'core.quotepath=false', 'diff', ...DIFF_OPTS, '--src-prefix=a/', '--dst-prefix=b/', mergeBase, tree], {
    maxBytes,
  });
  if (out.code !== 0) throw new GitError(`git diff failed: ${out.stderr.trim()}`, { args: ['diff'], stderr: out.stderr, code: out.code });
  let patch = out.stdout.toString('utf8');
  if (out.truncated) {
    // Keep whole file sections only, so a viewer never shows half a hunk as if it were the file.
    const cut = patch.lastIndexOf('\ndiff --git ');
    patch = cut >= 0 ? patch.slice(0, cut + 1) : '';
  }
  attachHunks(files, parsePatch(patch));

  const additions = files.reduce((n, f) => n + f.additions, 0);
  const deletions = files.reduce((n, f) => n + f.deletions, 0);
  return { base: o.base, mergeBase, head, files, additions, deletions, patch, truncated: out.truncated };
}

/** The tree of the working tree as `git add -A` would stage it, written through a temporary index. */
export async function snapshotTree(path: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'maestro-index-'));
  const env = { GIT_INDEX_FILE: join(dir, 'index') };
  // --ignore-errors: an unreadable file is left out rather than failing the whole view.
  const addAll = () => git(path, ['add', '-A', '--ignore-errors'], { env, timeoutMs: 5 * 60_000 });
  try {
    // A copy of the real index keeps its stat data (unchanged files are not rehashed) and its
    // skip-worktree bits (a sparse checkout's absent files are not "deleted").
    const realIndex = (await gitOk(path, ['rev-parse', '--path-format=absolute', '--git-path', 'index'])).trim();
    if (await copyFile(realIndex, env.GIT_INDEX_FILE).then(() => true, () => false)) {
      await addAll();
      const tree = await git(path, ['write-tree'], { env });
      if (tree.code === 0) return tree.stdout.trim();
    }
    // No index yet, or a copy unusable on its own (a split index): start from HEAD.
    await rm(env.GIT_INDEX_FILE, { force: true });
    const hasHead = (await resolveCommit(path, 'HEAD')) !== null;
    await gitOk(path, hasHead ? ['read-tree', 'HEAD'] : ['read-tree', '--empty'], { env });
    await addAll();
    return (await gitOk(path, ['write-tree'], { env })).trim();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every changed file with its status and counts (`--raw --numstat -z`: exact paths, no quoting). */
async function changedFiles(path: string, from: string, to: string, untracked: Set<string>): Promise<FileDiff[]> {
  const tokens = (await gitOk(path, ['diff', ...DIFF_OPTS, '--raw', '--numstat', '-z', from, to])).split('\0');
  const files: FileDiff[] = [];
  const counts = new Map<string, { add: number; del: number; binary: boolean }>();
  for (let i = 0; i < tokens.length; ) {
    const t = tokens[i]!;
    if (t === '') {
      i++;
    } else if (t.startsWith(':')) {
      // ":old_mode new_mode old_sha new_sha STATUS", then one path, or two for a rename or copy.
      const letter = t.split(' ')[4]?.[0] ?? 'M';
      const two = letter === 'R' || letter === 'C';
      const path = two ? tokens[i + 2]! : tokens[i + 1]!;
      const status = STATUS[letter] ?? 'modified';
      files.push({
        path, oldPath: two ? tokens[i + 1]! : null, status, binary: false, additions: 0, deletions: 0, hunks: [],
        untracked: status === 'added' && untracked.has(path),
      });
      i += two ? 3 : 2;
    } else {
      // "added\tdeleted\tpath", or "added\tdeleted\t" then source and destination for a rename.
      const [a, d, ...rest] = t.split('\t');
      const own = rest.join('\t');
      const path = own !== '' ? own : tokens[i + 2]!;
      counts.set(path, { add: Number(a) || 0, del: Number(d) || 0, binary: a === '-' });
      i += own !== '' ? 1 : 3;
    }
  }
  for (const f of files) {
    const c = counts.get(f.path);
    if (c) Object.assign(f, { additions: c.add, deletions: c.del, binary: c.binary });
  }
  return files;
}

/** Gives each file the hunks of its patch section(s), in git's order; a type change has two sections. */
function attachHunks(files: FileDiff[], sections: PatchSection[]): void {
  let s = 0;
  for (const f of files) {
    const own = sections.slice(s, s + (f.status === 'type_changed' ? 2 : 1));
    s += own.length;
    f.hunks = own.flatMap((sec) => sec.hunks);
    if (own.some((sec) => sec.binary)) f.binary = true;
  }
}
