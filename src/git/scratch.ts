import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { git, gitOk } from './run.js';

/*
 * Throw-away places for merge.ts: a detached worktree at a commit (to replay commits, to run the tests of
 * a candidate) that is removed whatever happens, and the test command run there with a time limit.
 * Hooks are off in them (core.hooksPath=/dev/null): a post-checkout hook of the project must not run,
 * or install things, in a folder that lives for a minute.
 */

export const NO_HOOKS = ['-c', 'core.hooksPath=/dev/null'];
const CHECKOUT_TIMEOUT_MS = 5 * 60_000;
const TAIL_BYTES = 4096;

/** Runs `fn` in a new detached worktree of `repoDir` at `commit`, under `tmpDir`; always removes it. */
export async function withTempWorktree<T>(repoDir: string, tmpDir: string, commit: string, fn: (path: string) => Promise<T>): Promise<T> {
  await mkdir(tmpDir, { recursive: true });
  // git accepts an existing empty directory; mkdtemp makes the name unique among concurrent merges.
  const path = await mkdtemp(join(tmpDir, 'maestro-merge-'));
  try {
    await gitOk(repoDir, [...NO_HOOKS, 'worktree', 'add', '--detach', path, commit], { timeoutMs: CHECKOUT_TIMEOUT_MS });
    return await fn(path);
  } finally {
    await git(repoDir, ['worktree', 'remove', '--force', '--force', path]).catch(() => undefined);
    await rm(path, { recursive: true, force: true });
    await git(repoDir, ['worktree', 'prune']).catch(() => undefined);
  }
}

export interface TestRun {
  cmd: string;
  exitCode: number | null;
  timedOut: boolean;
  /** The last 4 KB of stdout and stderr, interleaved as they came. */
  output: string;
  durationMs: number;
}

/**
 * Runs the project's test command with `sh -c` (the one place a shell is used: the command is the
 * project's own, written for one) in its own process group, so a timeout, or the end, kills everything
 * it started, servers included, before its folder is deleted.
 */
export function runTestCommand(cmd: string, cwd: string, timeoutMs: number): Promise<TestRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    let tail = Buffer.alloc(0);
    const keep = (chunk: Buffer) => {
      tail = Buffer.concat([tail, chunk]);
      if (tail.length > TAIL_BYTES) tail = tail.subarray(tail.length - TAIL_BYTES);
    };
    const child = spawn('sh', ['-c', cmd], { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1' } });
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        /* already gone */
      }
    };
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 2000).unref();
    }, timeoutMs);
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let done = false;
    const finish = (exitCode: number | null, extra = '') => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      killGroup('SIGKILL'); // whatever it left running in the background
      if (extra) keep(Buffer.from(extra));
      resolve({ cmd, exitCode, timedOut, output: tail.toString('utf8'), durationMs: Date.now() - started });
    };
    child.on('error', (err) => finish(null, `\n${err.message}\n`));
    // 'close' waits for the pipes; a background process holding them must not hold us: 'exit' plus a grace.
    child.on('close', (code) => finish(timedOut ? null : code));
    child.on('exit', (code) => setTimeout(() => finish(timedOut ? null : code), 1000).unref());
  });
}
