import { chmodSync, closeSync, existsSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writePrivateFileInWorker } from './private-file-writer.js';

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
 * writePrivateFile with the same steps off the event loop (in a worker thread, on libuv's threads): a server
 * writing a file per request (a session's manifest) keeps its event loop for other requests while the disk
 * works. Errors name the path, as fs errors do.
 */
export function writePrivateFileAsync(path: string, content: string, mode = 0o600): Promise<void> {
  return writePrivateFileInWorker(path, content, mode);
}

let written = 0;
/** A temporary name of its own per write: two writes of one file in flight at once must not share one. */
const tempName = (path: string): string => `${path}.${process.pid}.${++written}.tmp`;
