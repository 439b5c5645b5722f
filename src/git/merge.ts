import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { nameFiles } from './errors.js';
import { copyIncludes } from './include.js';
import { type Strategy, buildCandidate, isAncestor, mergeTree, replayConflictMessage } from './merge-candidate.js';
import { canonicalPath, identityArgs, resolveCommit, statusPorcelain, worktreeList, worktreeTop } from './repo.js';
import { failed, git, gitOk, splitZ } from './run.js';
import { type TestRun, runTestCommand, withTempWorktree } from './scratch.js';

/*
 * Landing an agent's branch on a target branch, with the product's promises: checks first (the target
 * exists and is not out somewhere we may not touch, its checkout is clean, no conflict), the candidate
 * commit built away from anybody's files (merge-candidate.ts), the tests run on that exact commit in a
 * throw-away worktree, and only then the target moved: a fast-forward of its checkout, or a
 * compare-and-swap of the ref. A refusal is a value naming the files; nothing is left half-done.
 */

export type MergeStrategy = Strategy;
export type MergeRefusal =
  | 'conflict' | 'dirty_target' | 'checked_out_elsewhere' | 'test_failed' | 'nothing_to_merge' | 'not_found' | 'target_moved'
  | 'untracked_in_the_way';

export interface MergeRequest {
  repoDir: string;
  branch: string;
  /** What the source is called in messages and the outcome when `branch` is a stand-in for it (a scratch branch); default: `branch`. */
  label?: string;
  into: string;
  strategy: MergeStrategy;
  message: string;
  testCmd?: string | null;
  testTimeoutMs?: number;
  tmpDir: string;
  dryRun?: boolean;
  allowWorktreeAt?: string[];
}

export interface MergeOutcome {
  ok: boolean;
  dryRun: boolean;
  strategy: MergeStrategy;
  into: string;
  branch: string;
  previous: string | null;
  commit: string | null;
  refusal: MergeRefusal | null;
  message: string;
  files: string[];
  test: TestRun | null;
  updatedWorktree: string | null;
}

const TEST_TIMEOUT_MS = 10 * 60_000;
const CHECKOUT_TIMEOUT_MS = 5 * 60_000;
const IN_PROGRESS = ['MERGE_HEAD', 'CHERRY_PICK_HEAD', 'REVERT_HEAD', 'rebase-merge', 'rebase-apply'];

export async function mergeBranch(r: MergeRequest): Promise<MergeOutcome> {
  const into = r.into.replace(/^refs\/heads\//, '');
  const ref = r.branch.replace(/^refs\/heads\//, '');
  const branch = r.label ?? ref;
  const out: MergeOutcome = {
    ok: false, dryRun: r.dryRun === true, strategy: r.strategy, into, branch,
    previous: null, commit: null, refusal: null, message: '', files: [], test: null, updatedWorktree: null,
  };
  const refuse = (refusal: MergeRefusal, message: string, files: string[] = []): MergeOutcome =>
    Object.assign(out, { refusal, message, files });
  try {
    // 1. Both branches exist, and there is something to merge.
    const previous = await resolveCommit(r.repoDir, `refs/heads/${into}`);
    out.previous = previous;
    if (!previous) return refuse('not_found', `target branch '${into}' does not exist`);
    const source = await resolveCommit(r.repoDir, `refs/heads/${ref}`);
    if (!source) return refuse('not_found', `branch '${branch}' does not exist`);
    if (await isAncestor(r.repoDir, source, previous)) return refuse('nothing_to_merge', `'${branch}' is already merged into '${into}'`);

    // 2. Where the target is checked out, if anywhere, and whether that checkout is clean.
    const holder = await targetCheckout(r.repoDir, into, r.allowWorktreeAt ?? []);
    if ('refusal' in holder) return refuse(holder.refusal, holder.message, holder.files);

    // 3. Conflicts, computed in the object database only.
    const { tree, conflicts } = await mergeTree(r.repoDir, previous, source);
    if (conflicts.length) return refuse('conflict', `'${branch}' conflicts with '${into}' in ${nameFiles(conflicts)}`, conflicts);

    // 4. The candidate commit.
    const message = r.message.trim() || `Merge branch '${branch}' into ${into}`;
    const identity = await identityArgs(r.repoDir);
    const cand = await buildCandidate({ repoDir: r.repoDir, tmpDir: r.tmpDir, strategy: r.strategy, target: previous, source, tree, message, identity });
    if ('conflict' in cand) return refuse('conflict', replayConflictMessage(branch, into, cand.conflict), cand.conflict.files);
    if (cand.commit === previous) return refuse('nothing_to_merge', `every change of '${branch}' is already in '${into}'`);
    const files = splitZ(await gitOk(r.repoDir, ['diff', '--name-only', '--no-renames', '-z', previous, cand.commit]));
    if (holder.path) {
      const inWay = await pathsInTheWay(holder.path, previous, cand.commit);
      if (inWay.length) return refuse('untracked_in_the_way', untrackedMessage(holder.path, inWay), inWay);
    }
    const how = cand.fastForward ? 'fast-forward' : r.strategy === 'rebase' ? `rebase of ${cand.replayed} commit(s)` : `${r.strategy} commit`;
    out.files = files;
    if (r.dryRun) {
      out.ok = true;
      out.message = `dry run: '${branch}' can be merged into '${into}' (${how}, ${files.length} file(s)); nothing was changed`;
      return out;
    }

    // 5. The tests, on the candidate itself, with the untracked files the project needs to run.
    if (r.testCmd) {
      const top = await worktreeTop(r.repoDir);
      out.test = await withTempWorktree(r.repoDir, r.tmpDir, cand.commit, async (wt) => {
        await copyIncludes(top, wt);
        return runTestCommand(r.testCmd!, wt, r.testTimeoutMs ?? TEST_TIMEOUT_MS);
      });
      if (out.test.exitCode !== 0) {
        const why = out.test.timedOut ? `timed out after ${Math.round((r.testTimeoutMs ?? TEST_TIMEOUT_MS) / 1000)} s` : `exited with ${out.test.exitCode}`;
        const last = out.test.output.trim().split('\n').at(-1)?.slice(0, 200);
        return refuse('test_failed', `the tests failed on the merge of '${branch}' into '${into}' (\`${r.testCmd}\` ${why}${last ? `: ${last}` : ''}); '${into}' did not move`);
      }
    }

    // 6. Move the target.
    const moved = holder.path
      ? await fastForwardCheckout(r.repoDir, holder.path, into, previous, cand.commit)
      : await swapRef(r.repoDir, into, previous, cand.commit, `maestro: ${r.strategy} ${branch}`);
    if (moved) return refuse(moved.refusal, moved.message, moved.files);
    Object.assign(out, { ok: true, commit: cand.commit, updatedWorktree: holder.path, files });
    out.message = `merged '${branch}' into '${into}' (${how}): ${into} is now ${cand.commit.slice(0, 12)}${out.test ? ', tests passed' : ''}`;
    return out;
  } finally {
    await git(r.repoDir, ['worktree', 'prune']).catch(() => undefined);
  }
}

type Refused = { refusal: MergeRefusal; message: string; files: string[] };

/** The allowed, clean checkout of the target ({path: null} when it is checked out nowhere), or why not. */
async function targetCheckout(repoDir: string, into: string, allowed: string[]): Promise<{ path: string | null } | Refused> {
  const holders = (await worktreeList(repoDir)).filter((w) => w.branch === into && !w.bare);
  if (holders.length === 0) return { path: null };
  const ok = new Set(await Promise.all(allowed.map(canonicalPath)));
  for (const h of holders) {
    if (!ok.has(await canonicalPath(h.path))) {
      return { refusal: 'checked_out_elsewhere', message: `'${into}' is checked out in ${h.path}, where Maestro may not update it`, files: [] };
    }
  }
  const path = holders[0]!.path;
  return (await dirtyCheckout(path, into)) ?? { path };
}

/** A refusal when the checkout has tracked changes (untracked files are fine) or an operation in progress. */
async function dirtyCheckout(path: string, into: string): Promise<Refused | null> {
  for (const name of IN_PROGRESS) {
    const p = (await gitOk(path, ['rev-parse', '--path-format=absolute', '--git-path', name])).trim();
    if (await exists(p)) return { refusal: 'dirty_target', message: `a merge, rebase or cherry-pick is in progress in ${path}`, files: [] };
  }
  const dirty = (await statusPorcelain(path)).filter((s) => !s.untracked).map((s) => s.path);
  if (dirty.length === 0) return null;
  return { refusal: 'dirty_target', message: `'${into}' is checked out in ${path} with uncommitted changes in ${nameFiles(dirty)}; commit or stash them first`, files: dirty };
}

/** Files and folders on disk in `wt` that the move would have to overwrite: untracked or ignored, at a path the candidate adds. */
async function pathsInTheWay(wt: string, from: string, to: string): Promise<string[]> {
  const fields = splitZ(await gitOk(wt, ['diff', '--name-status', '--no-renames', '-z', from, to]));
  const added: string[] = [];
  const deleted = new Set<string>();
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'A') added.push(fields[i + 1]!);
    if (fields[i] === 'D') deleted.add(fields[i + 1]!);
  }
  const hits = new Set<string>();
  const checked = new Set<string>();
  for (const p of added) {
    if (await exists(join(wt, p))) hits.add(p);
    // A file (not a folder) where the candidate needs a folder, unless the candidate removes that file.
    const parts = p.split('/');
    for (let k = 1; k < parts.length; k++) {
      const prefix = parts.slice(0, k).join('/');
      if (checked.has(prefix) || deleted.has(prefix)) continue;
      checked.add(prefix);
      const st = await lstat(join(wt, prefix)).catch(() => null);
      if (st && !st.isDirectory()) hits.add(prefix);
    }
  }
  return [...hits].sort();
}

function untrackedMessage(path: string, files: string[]): string {
  return `untracked files in ${path} are in the way of the merge: ${nameFiles(files)}; move or remove them first`;
}

/** Fast-forwards the clean checkout holding the target; null when done. */
async function fastForwardCheckout(repoDir: string, wt: string, into: string, previous: string, candidate: string): Promise<Refused | null> {
  // The tests may have taken minutes: check again what they could have changed.
  if ((await resolveCommit(repoDir, `refs/heads/${into}`)) !== previous) return targetMoved(into);
  const dirty = await dirtyCheckout(wt, into);
  if (dirty) return dirty;
  const r = await git(wt, ['merge', '--ff-only', '--no-stat', candidate], { timeoutMs: CHECKOUT_TIMEOUT_MS }).catch(() => null);
  // Judge by the ref, not the exit code: a post-merge hook failing does not undo the move.
  const now = await resolveCommit(repoDir, `refs/heads/${into}`);
  if (now === candidate) return null;
  if (now !== previous) return targetMoved(into);
  const inWay = r ? untrackedFromStderr(r.stderr) : [];
  if (inWay.length) return { refusal: 'untracked_in_the_way', message: untrackedMessage(wt, inWay), files: inWay };
  if (r) throw failed(['merge', '--ff-only'], r, `git merge --ff-only in ${wt}`);
  throw failed(['merge', '--ff-only'], { stderr: 'timed out', code: -1 }, `git merge --ff-only in ${wt}`);
}

/** The names git lists after "…would be overwritten by merge:", one per tab-indented line. */
function untrackedFromStderr(stderr: string): string[] {
  const lines = stderr.split('\n');
  const start = lines.findIndex((l) => /would be (overwritten|removed) by/.test(l));
  if (start < 0) return [];
  const names: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (!l.startsWith('\t')) break;
    names.push(l.slice(1));
  }
  return names;
}

/** Moves a ref nobody has checked out, only if it still is where we read it. */
async function swapRef(repoDir: string, into: string, previous: string, candidate: string, reason: string): Promise<Refused | null> {
  const args = ['update-ref', '-m', reason, `refs/heads/${into}`, candidate, previous];
  const r = await git(repoDir, args);
  if (r.code === 0) return null;
  if ((await resolveCommit(repoDir, `refs/heads/${into}`)) !== previous) return targetMoved(into);
  throw failed(args, r);
}

function targetMoved(into: string): Refused {
  return { refusal: 'target_moved', message: `'${into}' moved while the merge was being prepared; nothing was changed, try again`, files: [] };
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(() => true, () => false);
}
