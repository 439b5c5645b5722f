import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { GitError } from './errors.js';
import { git, gitOk, splitZ } from './run.js';

/*
 * Reading a repository's state: where it is, which branch is out, which remote, which worktrees, what
 * is modified. Everything here only reads; the modules that change things (worktree.ts, merge.ts) build
 * on it.
 */

export interface WorktreeEntry {
  path: string;
  head: string | null;
  /** The short branch name ('main'), null when detached or bare. */
  branch: string | null;
  bare: boolean;
  detached: boolean;
}

export interface StatusEntry {
  path: string;
  /** git's two-letter XY code ('M ', ' M', 'A ', '??'…). */
  code: string;
  untracked: boolean;
}

/** True when `dir` is inside a git working tree (a missing directory is simply not one). */
export async function isGitRepo(dir: string): Promise<boolean> {
  try {
    const r = await git(dir, ['rev-parse', '--is-inside-work-tree']);
    return r.code === 0 && r.stdout.trim() === 'true';
  } catch {
    return false;
  }
}

/**
 * The top of the project's main worktree, even when `dir` is inside a linked worktree: that is where the
 * project lives, where `.worktreeinclude` and `.env` are, and where the target branch is usually out.
 */
export async function repoRoot(dir: string): Promise<string> {
  const list = await worktreeList(dir);
  const main = list[0];
  if (main && !main.bare) return main.path;
  return (await gitOk(dir, ['rev-parse', '--show-toplevel'])).trim();
}

/** The top of the worktree containing `dir` (linked or main). */
export async function worktreeTop(dir: string): Promise<string> {
  return (await gitOk(dir, ['rev-parse', '--show-toplevel'])).trim();
}

/** The branch checked out in `dir`, null when HEAD is detached. */
export async function currentBranch(dir: string): Promise<string | null> {
  const r = await git(dir, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  if (r.code === 0) return r.stdout.trim() || null;
  if (r.code === 1) return null; // detached
  throw new GitError(`not a git repository: ${dir}`, { args: ['symbolic-ref'], stderr: r.stderr, code: r.code });
}

/** 'origin' when it exists, else the first remote, else null. */
export async function defaultRemote(dir: string): Promise<string | null> {
  const remotes = (await gitOk(dir, ['remote'])).split('\n').map((l) => l.trim()).filter(Boolean);
  return remotes.includes('origin') ? 'origin' : remotes[0] ?? null;
}

/** The full sha of the commit `ref` names, or null when it names none. */
export async function resolveCommit(dir: string, ref: string): Promise<string | null> {
  // --end-of-options: a ref starting with '-' is a (bad) ref, never an option.
  const r = await git(dir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  const sha = r.stdout.trim();
  return r.code === 0 && /^[0-9a-f]{40,64}$/.test(sha) ? sha : null;
}

/** True when the local branch `name` exists. */
export async function branchExists(dir: string, name: string): Promise<boolean> {
  return (await git(dir, ['show-ref', '--verify', '--quiet', `refs/heads/${name}`])).code === 0;
}

/** The worktrees of the repository, the main one first (`git worktree list --porcelain -z`). */
export async function worktreeList(dir: string): Promise<WorktreeEntry[]> {
  const out = await gitOk(dir, ['worktree', 'list', '--porcelain', '-z']);
  const entries: WorktreeEntry[] = [];
  let cur: WorktreeEntry | null = null;
  for (const field of out.split('\0')) {
    if (field === '') {
      cur = null; // an empty field ends a record
      continue;
    }
    const sp = field.indexOf(' ');
    const key = sp < 0 ? field : field.slice(0, sp);
    const value = sp < 0 ? '' : field.slice(sp + 1);
    if (key === 'worktree') {
      cur = { path: value, head: null, branch: null, bare: false, detached: false };
      entries.push(cur);
    } else if (!cur) continue;
    else if (key === 'HEAD') cur.head = /^0+$/.test(value) ? null : value; // an unborn branch shows zeros
    else if (key === 'branch') cur.branch = value.replace(/^refs\/heads\//, '');
    else if (key === 'bare') cur.bare = true;
    else if (key === 'detached') cur.detached = true;
  }
  return entries;
}

/** Modified, staged and untracked files of the worktree at `dir` (`--porcelain=v1 -z`, every untracked file). */
export async function statusPorcelain(dir: string): Promise<StatusEntry[]> {
  const fields = splitZ(await gitOk(dir, ['status', '--porcelain=v1', '-z', '--untracked-files=all']));
  const entries: StatusEntry[] = [];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const code = f.slice(0, 2);
    entries.push({ path: f.slice(3), code, untracked: code === '??' });
    // A rename or copy is followed by its source path, which is not an entry of its own.
    if (code[0] === 'R' || code[0] === 'C') i++;
  }
  return entries;
}

/** The real path of `p`, or `p` resolved when it does not exist: paths compare equal however they were spelled. */
export async function canonicalPath(p: string): Promise<string> {
  try {
    return await realpath(p);
  } catch {
    return resolve(p);
  }
}

/** `-c user.name=… -c user.email=…` for the parts of an identity the repository lacks, so commits never fail on it. */
export async function identityArgs(dir: string): Promise<string[]> {
  const r = await git(dir, ['config', '--get-regexp', '^user\\.(name|email)$']);
  const have = new Set(r.stdout.split('\n').map((l) => l.split(' ')[0]).filter(Boolean));
  const args: string[] = [];
  if (!have.has('user.name')) args.push('-c', 'user.name=Maestro');
  if (!have.has('user.email')) args.push('-c', 'user.email=maestro@localhost');
  return args;
}
