import { lstat, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { GitError, nameFiles, stderrGist } from './errors.js';
import { copyIncludes } from './include.js';
import {
  branchExists, canonicalPath, currentBranch, defaultRemote, isGitRepo, resolveCommit, statusPorcelain, worktreeList, worktreeTop,
} from './repo.js';
import { failed, git, gitOk } from './run.js';

/*
 * An agent's own worktree: made on a new branch from a fresh base (fetched first, so a stale local main
 * is not the starting point), with the untracked files the project needs to run copied in (include.ts);
 * its state (dirty files, ahead/behind); removed only when nothing uncommitted would be lost.
 */

export interface CreateWorktreeOptions {
  repoDir: string;
  path: string;
  branch: string;
  base: string;
  fetch?: boolean;
  include?: boolean;
}

export interface CreatedWorktree {
  path: string;
  branch: string;
  base: string;
  baseCommit: string;
  fetched: 'yes' | 'no_remote' | 'failed' | 'skipped';
  copied: string[];
  warnings: string[];
}

const FETCH_TIMEOUT_MS = 20_000;
// A checkout of a big repository takes a while; a hung one must still end.
const CHECKOUT_TIMEOUT_MS = 5 * 60_000;

export async function createWorktree(o: CreateWorktreeOptions): Promise<CreatedWorktree> {
  const path = resolve(o.path);
  const warnings: string[] = [];
  const fmt = await git(o.repoDir, ['check-ref-format', '--branch', o.branch]);
  if (fmt.code !== 0) throw new GitError(`'${o.branch}' is not a valid branch name`, { args: ['check-ref-format'], kind: 'invalid' });
  if (await branchExists(o.repoDir, o.branch)) {
    throw new GitError(`branch '${o.branch}' already exists`, { args: ['show-ref', o.branch], kind: 'exists' });
  }

  const remote = await defaultRemote(o.repoDir);
  let fetched: CreatedWorktree['fetched'] = 'skipped';
  if (o.fetch !== false) {
    if (!remote) fetched = 'no_remote';
    else {
      try {
        const env = await batchSsh(o.repoDir);
        const r = await git(o.repoDir, ['fetch', '--quiet', remote], { timeoutMs: FETCH_TIMEOUT_MS, env });
        fetched = r.code === 0 ? 'yes' : 'failed';
        if (r.code !== 0) warnings.push(`git fetch ${remote} failed: ${stderrGist(r.stderr) || `exit code ${r.code}`}`);
      } catch (err) {
        fetched = 'failed';
        warnings.push(`git fetch ${remote} failed: ${(err as Error).message}`);
      }
    }
  }

  const base = await freshestBase(o.repoDir, o.base, remote);
  const baseCommit = await resolveCommit(o.repoDir, base);
  if (!baseCommit) throw new GitError(`base '${o.base}' names no commit`, { args: ['rev-parse', o.base], kind: 'not_found' });

  // git 2.39 creates the branch before it finds the folder taken: check first, clean up after.
  const there = await lstat(path).catch(() => null);
  if (there && (!there.isDirectory() || (await readdir(path)).length > 0)) {
    throw new GitError(`${path} already exists and is not empty`, { args: ['worktree', 'add', path], kind: 'exists' });
  }
  await mkdir(dirname(path), { recursive: true });
  // --no-track: an agent's branch must not push to or pull from the base it started from.
  const args = ['worktree', 'add', '--no-track', '-b', o.branch, path, baseCommit];
  const r = await git(o.repoDir, args, { timeoutMs: CHECKOUT_TIMEOUT_MS }).catch((err: Error) => err);
  if (r instanceof Error || r.code !== 0) {
    await undoWorktreeAdd(o.repoDir, path, o.branch);
    throw r instanceof Error ? r : failed(args, r, `git worktree add ${path}`);
  }

  let copied: string[] = [];
  if (o.include !== false) {
    const res = await copyIncludes(await worktreeTop(o.repoDir), path);
    copied = res.copied;
    warnings.push(...res.warnings);
  }
  return { path, branch: o.branch, base, baseCommit, fetched, copied, warnings };
}

/** After a failed `worktree add -b`: remove the half-made worktree and the branch it made. */
async function undoWorktreeAdd(repoDir: string, path: string, branch: string): Promise<void> {
  await git(repoDir, ['worktree', 'remove', '--force', '--force', path]).catch(() => undefined);
  await rm(path, { recursive: true, force: true }); // it was empty or absent before
  await git(repoDir, ['worktree', 'prune']).catch(() => undefined);
  const list = await worktreeList(repoDir).catch(() => []);
  if (list.some((w) => w.branch === branch)) return;
  await git(repoDir, ['branch', '-D', '--', branch]).catch(() => undefined);
}

/**
 * ssh in batch mode for a fetch, unless the user configured their own ssh: a server has nobody to type
 * a passphrase or accept a host key, and ssh would ask on the terminal the server was started from.
 */
async function batchSsh(dir: string): Promise<Record<string, string>> {
  if (process.env.GIT_SSH_COMMAND || process.env.GIT_SSH) return {};
  const own = await git(dir, ['config', 'core.sshCommand']);
  return own.stdout.trim() ? {} : { GIT_SSH_COMMAND: 'ssh -o BatchMode=yes' };
}

/**
 * The ref to branch from: `base` itself, unless it is a local branch whose remote counterpart is
 * strictly ahead of it (the local one an ancestor): then `<remote>/<base>`, the same line, only newer.
 */
async function freshestBase(dir: string, base: string, remote: string | null): Promise<string> {
  if (!remote || !(await branchExists(dir, base))) return base;
  const local = await resolveCommit(dir, `refs/heads/${base}`);
  const upstream = await resolveCommit(dir, `refs/remotes/${remote}/${base}`);
  if (!local || !upstream || local === upstream) return base;
  const ancestor = await git(dir, ['merge-base', '--is-ancestor', local, upstream]);
  return ancestor.code === 0 ? `${remote}/${base}` : base;
}

export async function removeWorktree(o: {
  repoDir: string;
  path: string;
  branch: string | null;
  deleteBranch: boolean;
  force: boolean;
}): Promise<{ removedWorktree: boolean; deletedBranch: boolean; refusal: string | null }> {
  const target = await canonicalPath(o.path);
  const list = await worktreeList(o.repoDir);
  const canon = await Promise.all(list.map((w) => canonicalPath(w.path)));
  const index = canon.indexOf(target);
  const entry = index >= 0 ? list[index]! : null;
  const none = { removedWorktree: false, deletedBranch: false };
  if (index === 0) return { ...none, refusal: `${o.path} is the project's main worktree; it is never removed` };
  const dirExists = await isDir(o.path);
  if (!entry && dirExists) return { ...none, refusal: `${o.path} is not a worktree of this repository` };

  // Every check comes before any change: a refusal touches nothing.
  if (entry && dirExists && !o.force) {
    const dirty = (await statusPorcelain(o.path)).map((s) => s.path);
    if (dirty.length) return { ...none, refusal: `${o.path} has uncommitted changes: ${nameFiles(dirty)}; commit them, or force the removal` };
  }
  const deleteBranch = o.deleteBranch && o.branch !== null && (await branchExists(o.repoDir, o.branch));
  if (deleteBranch) {
    const elsewhere = list.find((w, i) => i !== index && w.branch === o.branch);
    if (elsewhere) return { ...none, refusal: `branch '${o.branch}' is checked out in ${elsewhere.path}; it cannot be deleted` };
  }

  let removedWorktree = false;
  if (entry && dirExists) {
    const args = ['worktree', 'remove', ...(o.force ? ['--force'] : []), o.path];
    const r = await git(o.repoDir, args);
    if (r.code !== 0) throw failed(args, r, `git worktree remove ${o.path}`);
    removedWorktree = true;
  } else if (entry) {
    // The folder is gone already: forget the worktree's bookkeeping and go on.
    await gitOk(o.repoDir, ['worktree', 'prune']);
    removedWorktree = true;
  }

  let deletedBranch = false;
  if (deleteBranch) {
    await gitOk(o.repoDir, ['branch', '-D', '--', o.branch!]);
    deletedBranch = true;
  }
  return { removedWorktree, deletedBranch, refusal: null };
}

export async function worktreeStatus(
  path: string,
  base?: string,
): Promise<{ branch: string | null; head: string | null; dirty: string[]; ahead: number; behind: number; exists: boolean }> {
  if (!(await isDir(path)) || !(await isGitRepo(path))) {
    return { branch: null, head: null, dirty: [], ahead: 0, behind: 0, exists: false };
  }
  const [branch, head, status] = await Promise.all([currentBranch(path), resolveCommit(path, 'HEAD'), statusPorcelain(path)]);
  let ahead = 0;
  let behind = 0;
  const baseCommit = base && head ? await resolveCommit(path, base) : null;
  if (baseCommit && head) {
    const [b, a] = (await gitOk(path, ['rev-list', '--left-right', '--count', `${baseCommit}...${head}`])).trim().split(/\s+/);
    behind = Number(b) || 0;
    ahead = Number(a) || 0;
  }
  return { branch, head, dirty: status.map((s) => s.path), ahead, behind, exists: true };
}

/** True when the tip of `branch` is already contained in `into`. */
export async function isMerged(repoDir: string, branch: string, into: string): Promise<boolean> {
  const [tip, target] = await Promise.all([resolveCommit(repoDir, branch), resolveCommit(repoDir, into)]);
  if (!tip) throw new GitError(`branch '${branch}' does not exist`, { args: ['rev-parse', branch], kind: 'not_found' });
  if (!target) throw new GitError(`'${into}' does not exist`, { args: ['rev-parse', into], kind: 'not_found' });
  const r = await git(repoDir, ['merge-base', '--is-ancestor', tip, target]);
  if (r.code > 1) throw failed(['merge-base', '--is-ancestor'], r);
  return r.code === 0;
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}
