/**
 * Real git repositories in temp dirs for the worktree tests (test/worktree-e2e.test.ts) and a small POSIX
 * shell agent that behaves like one: it works in its cwd (the session's worktree, or the project directory),
 * commits what it wrote, reports its task complete through the built CLI, and exits (or stays).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { shellQuote } from '../src/pty/shell.js';
import { BIN } from './helpers.js';

/** git's own variables of an outer process (a hook, a worktree) must not steer the repositories made here. */
const GIT_ENV: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_')));

/**
 * Commits made here skip hooks: a session's worktree has Maestro's pre-commit lease guard, which asks the
 * server, and a test's in-process server cannot answer while execFileSync holds its event loop.
 */
const NO_HOOKS = ['-c', 'core.hooksPath=/dev/null'];

/** Runs git in `cwd` and returns its stdout without the trailing newline; throws with stderr on failure. */
export function git(cwd: string, ...args: string[]): string {
  try {
    return execFileSync('git', args[0] === 'commit' ? [...NO_HOOKS, ...args] : args, { cwd, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).replace(/\n$/, '');
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`git ${args.join(' ')} (in ${cwd}) failed: ${e.stderr || e.message}`);
  }
}

/** Writes `files` (path -> content, directories made as needed) under `dir`. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
}

/**
 * A new repository `root/name` with `files` committed as "initial" on `main` (a README.md when none is
 * given), an identity of its own, no signing. Returns its path.
 */
export function makeRepo(root: string, name: string, files: Record<string, string> = {}): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Maestro Test');
  git(dir, 'config', 'user.email', 'test@maestro.invalid');
  git(dir, 'config', 'commit.gpgsign', 'false');
  writeFiles(dir, Object.keys(files).length ? files : { 'README.md': `# ${name}\n` });
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'initial');
  return dir;
}

/** Writes one file in `dir` (a repository or worktree), stages it and commits it; returns the new commit. */
export function commitFile(dir: string, path: string, content: string, message = `edit ${path}`): string {
  writeFiles(dir, { [path]: content });
  git(dir, 'add', '--', path);
  git(dir, 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

/** The commit a ref points at (default: main), or null when there is no such ref. */
export function revParse(dir: string, ref = 'main'): string | null {
  try {
    return git(dir, 'rev-parse', '--verify', '-q', `${ref}^{commit}`);
  } catch {
    return null;
  }
}

/** Whether a local branch exists. */
export const branchExists = (dir: string, branch: string): boolean => revParse(dir, `refs/heads/${branch}`) !== null;

/** `git status --porcelain` (untracked files included), as is. */
export const porcelain = (dir: string): string => git(dir, 'status', '--porcelain', '--untracked-files=all');

/** Subjects of `git log --format=%s <ref>`, newest first. */
export const subjects = (dir: string, ref = 'main'): string[] => git(dir, 'log', '--format=%s', ref).split('\n');

/** Whether `ancestor` is an ancestor of (or equal to) `of`. */
export function isAncestor(dir: string, ancestor: string, of: string): boolean {
  try {
    git(dir, 'merge-base', '--is-ancestor', ancestor, of);
    return true;
  } catch {
    return false;
  }
}

/** The paths of the repository's worktrees (`git worktree list`), the main one first. */
export const worktreeList = (dir: string): string[] =>
  git(dir, 'worktree', 'list', '--porcelain')
    .split('\n')
    .filter((l) => l.startsWith('worktree '))
    .map((l) => l.slice('worktree '.length));

/** Whether git has a merge (or rebase, cherry-pick) in progress in this checkout: what a half-done merge leaves. */
export function inProgress(dir: string): string[] {
  const left: string[] = [];
  for (const name of ['MERGE_HEAD', 'CHERRY_PICK_HEAD', 'REBASE_HEAD', 'rebase-merge', 'rebase-apply', 'AUTO_MERGE']) {
    const path = resolve(dir, git(dir, 'rev-parse', '--git-path', name));
    if (existsSync(path)) left.push(name);
  }
  return left;
}

/**
 * Everything a refused merge must leave as it was in a checkout: where HEAD is, the branch `ref`, the
 * status, the bytes of `files`, and no merge in progress.
 */
export interface CheckoutState {
  head: string | null;
  ref: string | null;
  status: string;
  files: Record<string, string | null>;
  inProgress: string[];
}

export function checkoutState(dir: string, ref: string, files: string[] = []): CheckoutState {
  return {
    head: revParse(dir, 'HEAD'),
    ref: revParse(dir, ref),
    status: porcelain(dir),
    files: Object.fromEntries(files.map((f) => [f, existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'latin1') : null])),
    inProgress: inProgress(dir),
  };
}

/**
 * The test agent, written once per run. Arguments: FILE CONTENT MESSAGE [MODE].
 * - writes CONTENT (plus a newline) to FILE in its cwd, `git add`s and commits it with MESSAGE (FILE '-': writes nothing);
 * - MODE `complete` (default): then reports its current task complete through the CLI and exits 0;
 *   `exit`: exits 0 without reporting; `stay`: stays alive (sleep 600) until stopped;
 *   `dirty`: writes FILE without committing, then exits 0;
 * - it also leaves its cwd in $MAESTRO_HOME/agent-cwd/$MAESTRO_SESSION_ID (outside any repository).
 * Quiet: it prints nothing unless a step fails.
 */
export function writeAgent(dir: string): string {
  const path = join(dir, 'test-agent.sh');
  const maestro = `${shellQuote(process.execPath)} ${shellQuote(BIN)}`;
  writeFileSync(
    path,
    [
      '#!/bin/sh',
      'set -e',
      'file=$1 content=$2 message=$3 mode=${4:-complete}',
      'mkdir -p "$MAESTRO_HOME/agent-cwd"',
      'pwd -P > "$MAESTRO_HOME/agent-cwd/$MAESTRO_SESSION_ID"',
      'if [ "$file" != - ]; then',
      '  mkdir -p "$(dirname "$file")"',
      `  printf '%s\\n' "$content" > "$file"`,
      '  if [ "$mode" != dirty ]; then git add -- "$file" && git commit -q -m "$message"; fi',
      'fi',
      'case "$mode" in',
      `  complete) ${maestro} report complete "$message" > /dev/null ;;`,
      '  stay) exec sleep 600 ;;',
      'esac',
      'exit 0',
      '',
    ].join('\n'),
  );
  chmodSync(path, 0o755);
  return path;
}

/** The `--agent-command` that runs the test agent with these arguments. */
export function agentCommand(agent: string, file: string, content: string, message: string, mode: 'complete' | 'exit' | 'stay' | 'dirty' = 'complete'): string {
  return ['/bin/sh', agent, file, content, message, mode].map(shellQuote).join(' ');
}

/** Where the test agent of a session said it ran (its `pwd -P`), or null before it ran. */
export function agentCwd(home: string, sessionId: string): string | null {
  const file = join(home, 'agent-cwd', sessionId);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
}
