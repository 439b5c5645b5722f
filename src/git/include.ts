import { execFile } from 'node:child_process';
import { cp, lstat, mkdir, realpath } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { git, splitZ } from './run.js';

/*
 * Copying into a fresh worktree the files a checkout does not bring: the untracked or ignored files
 * named by `.worktreeinclude` (gitignore syntax, at the repository root: `node_modules/`, `.venv/`,
 * `config/local.json`…) and, by default, the `.env*` files. git lists them (`ls-files --others
 * --ignored --exclude-from`), so matching is git's own; we only copy. A tracked file is never
 * copied (the checkout has it), a path already present in the destination is left alone, a symlink is
 * copied as a link (never followed), and nothing is written through a symlink leading out of the
 * destination. A directory (node_modules: tens of thousands of files) is copied by `cp -a`, several
 * times faster than fs.cp, which stays the fallback where there is no cp.
 */

export interface IncludeCopy {
  copied: string[];
  warnings: string[];
}

const INCLUDE_FILE = '.worktreeinclude';
const COPY_TIMEOUT_MS = 10 * 60_000;
const ENV_PATTERN = '.env*';

/** Copies the include files of the worktree at `src` into the worktree at `dst`. */
export async function copyIncludes(src: string, dst: string): Promise<IncludeCopy> {
  const warnings: string[] = [];
  const paths = [...(await listNamedByIncludeFile(src)), ...(await listEnvFiles(src))];
  const copied: string[] = [];
  const dstReal = await realpath(dst);
  for (const rel of [...new Set(paths)].sort()) {
    try {
      if (await copyOne(src, dstReal, rel)) copied.push(rel.replace(/\/$/, ''));
    } catch (err) {
      warnings.push(`could not copy ${rel}: ${(err as Error).message}`);
    }
  }
  return { copied, warnings };
}

/** What `.worktreeinclude` names: a whole directory once (`dir/`) when all of it matches, else its files. */
async function listNamedByIncludeFile(src: string): Promise<string[]> {
  try {
    if (!(await lstat(join(src, INCLUDE_FILE))).isFile()) return [];
  } catch {
    return [];
  }
  const r = await git(src, ['ls-files', '--others', '--ignored', `--exclude-from=${join(src, INCLUDE_FILE)}`, '--directory', '-z']);
  if (r.code !== 0) return [];
  // With --directory git names an all-matching directory and, sometimes, its files too: keep the directory.
  const entries = splitZ(r.stdout).sort();
  const dirs = entries.filter((e) => e.endsWith('/'));
  return entries.filter((e) => !dirs.some((d) => d !== e && e.startsWith(d)));
}

/**
 * The untracked `.env*` files at any depth, but not inside a directory git ignores (a package in
 * node_modules may ship its own `.env`); a `.env` directory (a Python virtualenv, often) is not copied.
 */
async function listEnvFiles(src: string): Promise<string[]> {
  const r = await git(src, ['ls-files', '--others', '--ignored', `--exclude=${ENV_PATTERN}`, '-z']);
  if (r.code !== 0) return [];
  const files = splitZ(r.stdout).filter((p) => /^\.env/.test(p.slice(p.lastIndexOf('/') + 1)));
  const nested = files.filter((p) => p.includes('/'));
  if (nested.length === 0) return files;
  const parents = [...new Set(nested.map((p) => p.slice(0, p.lastIndexOf('/'))))];
  const ignored = await git(src, ['check-ignore', '--stdin', '-z'], { input: parents.join('\0') + '\0' });
  const ignoredDirs = new Set(splitZ(ignored.stdout));
  return files.filter((p) => !p.includes('/') || !ignoredDirs.has(p.slice(0, p.lastIndexOf('/'))));
}

/** Copies one listed path; false when it was already there (or vanished). */
async function copyOne(src: string, dstReal: string, rel: string): Promise<boolean> {
  const clean = rel.replace(/\/$/, '');
  if (clean.split('/').some((s) => s === '..' || s === '.git' || s === '')) return false;
  const from = join(src, clean);
  const to = join(dstReal, clean);
  if (await exists(to)) return false;
  const st = await lstat(from).catch(() => null);
  if (!st) return false;
  // The parent must stay inside the destination even if a tracked symlink sits on the way.
  await mkdir(dirname(to), { recursive: true });
  const parent = await realpath(dirname(to));
  if (parent !== dstReal && !parent.startsWith(dstReal + sep)) throw new Error('its folder is a symlink leading out of the worktree');
  if (st.isDirectory() && (await cpArchive(from, to))) return true;
  await cp(from, to, {
    recursive: true,
    dereference: false,
    verbatimSymlinks: true, // a link is copied as it reads, never followed out of the repository
    force: false,
    errorOnExist: false,
    preserveTimestamps: true,
  });
  return true;
}

/** `cp -a from to` (links copied as links, modes and times kept); false when cp cannot run here. */
function cpArchive(from: string, to: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    execFile('cp', ['-a', '--', from, to], { timeout: COPY_TIMEOUT_MS, killSignal: 'SIGKILL' }, (err, _out, stderr) => {
      if (!err) return resolve(true);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return resolve(false);
      reject(new Error(String(stderr).trim() || err.message));
    });
  });
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}
