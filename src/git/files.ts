import { open, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, posix, sep } from 'node:path';
import { GitError } from './errors.js';
import { resolveCommit, worktreeTop } from './repo.js';
import { git, gitOk, gitRaw, splitZ } from './run.js';

/*
 * Browsing a worktree for the dashboard: one file's content (as it is on disk, or at a ref) and the list
 * of its files. The file name comes from a browser, so it is checked before anything is read: no '..',
 * no absolute path, nothing inside .git (it holds remote URLs, sometimes with tokens), and on disk no
 * symlink leading out of the worktree.
 */

const MAX_SHOWN = 1024 * 1024;
// git's own heuristic: a NUL byte in the first 8000 bytes makes a file binary.
const SNIFF_BYTES = 8000;

export interface FileContent {
  content: string;
  binary: boolean;
  size: number;
  truncated: boolean;
}

/** `file` as repository-relative POSIX path, or a GitError when it would leave the worktree. */
export function safeRelative(file: string): string {
  const bad = (why: string) => new GitError(`refused path '${file}': ${why}`, { args: [file], kind: 'invalid' });
  if (!file || file.includes('\0')) throw bad('empty or malformed');
  if (isAbsolute(file) || posix.isAbsolute(file) || /^[a-zA-Z]:/.test(file)) throw bad('absolute paths are not allowed');
  const norm = posix.normalize(file.replace(/\\/g, '/'));
  const parts = norm.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw bad('it leaves the worktree');
  if (parts.length === 0) throw bad('it names the worktree itself');
  if (parts[0] === '.git') throw bad("git's own files are not shown");
  return parts.join('/');
}

export async function readFileAt(o: { path: string; file: string; ref?: string }): Promise<FileContent> {
  const rel = safeRelative(o.file);
  const top = await worktreeTop(o.path);
  if (o.ref === undefined) return readWorkingFile(top, rel);
  const commit = await resolveCommit(top, o.ref);
  if (!commit) throw new GitError(`'${o.ref}' names no commit`, { args: ['rev-parse', o.ref], kind: 'not_found' });
  const spec = `${commit}:${rel}`;
  const type = await git(top, ['cat-file', '-t', spec]);
  if (type.code !== 0) throw new GitError(`${rel} does not exist at ${o.ref}`, { args: ['cat-file', spec], kind: 'not_found' });
  if (type.stdout.trim() !== 'blob') throw new GitError(`${rel} is not a file at ${o.ref}`, { args: ['cat-file', spec], kind: 'invalid' });
  const size = Number((await gitOk(top, ['cat-file', '-s', spec])).trim());
  const blob = await gitRaw(top, ['cat-file', 'blob', spec], { maxBytes: MAX_SHOWN });
  return shown(blob.stdout, size);
}

async function readWorkingFile(top: string, rel: string): Promise<FileContent> {
  const full = join(top, rel);
  let real: string;
  try {
    real = await realpath(full);
  } catch {
    throw new GitError(`${rel} does not exist`, { args: [rel], kind: 'not_found' });
  }
  const root = await realpath(top);
  if (real !== root && !real.startsWith(root + sep)) throw new GitError(`refused path '${rel}': a symlink leading out of the worktree`, { args: [rel], kind: 'invalid' });
  const st = await stat(real);
  if (!st.isFile()) throw new GitError(`${rel} is not a file`, { args: [rel], kind: 'invalid' });
  const fh = await open(real, 'r');
  try {
    const buf = Buffer.alloc(Math.min(st.size, MAX_SHOWN));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return shown(buf.subarray(0, bytesRead), st.size);
  } finally {
    await fh.close();
  }
}

function shown(buf: Buffer, size: number): FileContent {
  const binary = buf.subarray(0, SNIFF_BYTES).includes(0);
  return { content: binary ? '' : buf.toString('utf8'), binary, size, truncated: size > buf.length };
}

/**
 * The worktree's files (tracked and untracked-not-ignored, minus the deleted ones) and the folders they
 * imply, sorted; `changed` marks the paths in `changedPaths` (what the caller's diff against the base
 * lists) and every folder above one.
 */
export async function listTree(o: {
  path: string;
  changedPaths?: string[];
}): Promise<Array<{ path: string; type: 'file' | 'dir'; changed: boolean }>> {
  const top = await worktreeTop(o.path);
  const [listed, deleted] = await Promise.all([
    gitOk(top, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']),
    gitOk(top, ['ls-files', '-z', '--deleted']),
  ]);
  const gone = new Set(splitZ(deleted));
  const files = new Set(splitZ(listed).filter((p) => !gone.has(p)));
  const changed = new Set<string>();
  for (const p of o.changedPaths ?? []) {
    changed.add(p);
    for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) changed.add(p.slice(0, i));
  }
  const dirs = new Set<string>();
  for (const f of files) for (let i = f.indexOf('/'); i >= 0; i = f.indexOf('/', i + 1)) dirs.add(f.slice(0, i));
  const entries = [
    ...[...dirs].map((path) => ({ path, type: 'dir' as const, changed: changed.has(path) })),
    ...[...files].map((path) => ({ path, type: 'file' as const, changed: changed.has(path) })),
  ];
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
