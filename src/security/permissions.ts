import { chmodSync, closeSync, existsSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/*
 * Maestro's home holds the owner secret, every session token (in the database) and the agents' tmux
 * socket: nobody but its owner may read or traverse it.
 */

/** Creates `dir` (and missing parents) and makes it 0700, tightening one that already exists. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/**
 * Makes a SQLite database and its WAL and shared-memory files 0600. SQLite gives -wal and -shm the mode of
 * the main file, so creating that one 0600 before SQLite opens it covers files made later too.
 */
export function ensurePrivateDatabase(file: string): void {
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(path)) chmodSync(path, 0o600);
}

/** Writes a file only its owner can read, atomically (a reader sees the old or the new content), in a private folder. */
export function writePrivateFile(path: string, content: string, mode = 0o600): void {
  ensurePrivateDir(dirname(path));
  const tmp = tempName(path);
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, path);
}

/**
 * writePrivateFile with the same steps on libuv's threads: a server writing a file per request (a
 * session's manifest) keeps its event loop for other requests while the disk works.
 */
export async function writePrivateFileAsync(path: string, content: string, mode = 0o600): Promise<void> {
  // In a folder made just now nobody has the path yet: nothing to replace, so no temporary file and rename
  // (unless another write of the same file got there first: then it is replaced as usual).
  if (await makePrivateDir(dirname(path)))
    try {
      return await writeFile(path, content, { mode, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  const tmp = tempName(path);
  await writeFile(tmp, content, { mode });
  await rename(tmp, path);
}

/**
 * ensurePrivateDir off the event loop; true when it made the folder itself. A folder made just now is 0700
 * at most (a umask only takes bits away): only one that was there before is tightened. The plain mkdir comes
 * first because the recursive one costs the event loop more, and the parent (the home's `sessions/`) is
 * there nearly always.
 */
async function makePrivateDir(dir: string): Promise<boolean> {
  try {
    await mkdir(dir, { mode: 0o700 });
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') await mkdir(dir, { recursive: true, mode: 0o700 });
    else if (code !== 'EEXIST') throw err;
  }
  await chmod(dir, 0o700);
  return false;
}

let written = 0;
/** A temporary name of its own per write: two writes of one file in flight at once must not share one. */
const tempName = (path: string): string => `${path}.${process.pid}.${++written}.tmp`;
