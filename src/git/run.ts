import { execFile } from 'node:child_process';
import { GitError, stderrGist } from './errors.js';

/*
 * Running git: always execFile (no shell, explicit argv), always a timeout, always a predictable
 * environment. GIT_TERMINAL_PROMPT=0 makes a fetch that needs credentials fail instead of hanging on a
 * prompt nobody sees; LC_ALL=C keeps git's messages in English, the few we parse (untracked files in the
 * way) included. Output is read as bytes and decoded once, so a cap (maxBytes) cuts bytes, not characters.
 */

export interface GitResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface GitOptions {
  input?: string;
  /** Default 60 s. */
  timeoutMs?: number;
  /** Added to (and overriding) the process environment. */
  env?: Record<string, string>;
}

export interface GitRawOptions extends GitOptions {
  /** Stop reading stdout beyond this many bytes (git is killed); the result says `truncated`. */
  maxBytes?: number;
}

export interface GitRawResult {
  stdout: Buffer;
  stderr: string;
  code: number;
  truncated: boolean;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
// Without a cap of our own, execFile's default (1 MB) would kill a legitimate big listing.
const DEFAULT_MAX_BYTES = 512 * 1024 * 1024;

export function gitEnv(extra?: Record<string, string>): NodeJS.ProcessEnv {
  // GIT_OPTIONAL_LOCKS=0: reading status must not rewrite (and lock) the index an agent is using.
  return { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C', LANG: 'C', ...extra };
}

/** Runs git and resolves with its bytes whatever its exit code; rejects only when git cannot run or times out. */
export function gitRaw(cwd: string, args: string[], opts: GitRawOptions = {}): Promise<GitRawResult> {
  const timeout = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBuffer = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      { cwd, env: gitEnv(opts.env), timeout, maxBuffer, encoding: 'buffer', killSignal: 'SIGKILL', windowsHide: true },
      (err, stdout, stderrBuf) => {
        const stderr = stderrBuf.toString('utf8');
        if (!err) return resolve({ stdout, stderr, code: 0, truncated: false });
        const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean; signal?: string | null };
        if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
          // The caller asked for at most maxBytes: what we have is the answer, cut.
          return resolve({ stdout: stdout.subarray(0, maxBuffer), stderr, code: 0, truncated: true });
        }
        if (typeof e.code === 'number') return resolve({ stdout, stderr, code: e.code, truncated: false });
        if (e.killed) {
          const message = `git ${subcommand(args)} timed out after ${Math.round(timeout / 1000)} s`;
          return reject(new GitError(message, { args, stderr, code: null, kind: 'timeout' }));
        }
        if (e.signal) {
          return reject(new GitError(`git ${subcommand(args)} was killed by ${e.signal}`, { args, stderr, code: null, kind: 'exit' }));
        }
        reject(new GitError(`git could not run in ${cwd}: ${e.message}`, { args, stderr, code: null, kind: 'spawn' }));
      },
    );
    // Without input git must not wait on a stdin that never closes.
    child.stdin?.on('error', () => {}); // git may exit before reading all of it
    child.stdin?.end(opts.input ?? '');
  });
}

/** Runs git and resolves whatever its exit code (see GitResult.code). */
export async function git(cwd: string, args: string[], opts: GitOptions = {}): Promise<GitResult> {
  const r = await gitRaw(cwd, args, opts);
  return { stdout: r.stdout.toString('utf8'), stderr: r.stderr, code: r.code };
}

/** Runs git and resolves with its stdout; rejects with a GitError carrying stderr when it exits non-zero. */
export async function gitOk(cwd: string, args: string[], opts: GitOptions = {}): Promise<string> {
  const r = await git(cwd, args, opts);
  if (r.code !== 0) throw failed(args, r);
  return r.stdout;
}

/** The GitError for a command that exited non-zero. */
export function failed(args: string[], r: { stderr: string; code: number }, what?: string): GitError {
  const gist = stderrGist(r.stderr) || `exit code ${r.code}`;
  return new GitError(`${what ?? `git ${subcommand(args)}`} failed: ${gist}`, {
    args, stderr: r.stderr, code: r.code, kind: 'exit',
  });
}

/** The subcommand of an argv, skipping `-c name=value` pairs and other leading options. */
function subcommand(args: string[]): string {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-c' || args[i] === '-C') i++;
    else if (!args[i]!.startsWith('-')) return args[i]!;
  }
  return '';
}

/** Splits NUL-terminated output (-z) into its fields, without the empty tail. */
export function splitZ(out: string): string[] {
  const parts = out.split('\0');
  if (parts.length && parts[parts.length - 1] === '') parts.pop();
  return parts;
}
