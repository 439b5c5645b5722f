import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MaestroError } from '../core/errors.js';

/*
 * One server per home. Two servers on one MAESTRO_HOME would share the database and, worse, the agents'
 * tmux server: the second would reattach to (and later detach or stop) the first one's agents.
 */

export interface LockInfo {
  pid: number;
  url: string | null;
  startedAt: string;
}

export const lockPath = (home: string): string => join(home, 'server.lock');

/** What the lock file says, whether or not its process still lives; null when missing or unreadable. */
function lockFile(path: string): LockInfo | null {
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    return Number.isInteger(info.pid) ? info : null;
  } catch {
    return null;
  }
}

/** The running server's lock, or null when no live process holds it. */
export function readLock(home: string): LockInfo | null {
  const info = lockFile(lockPath(home));
  return info && isAlive(info.pid) ? info : null;
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, but someone else's
  }
}

export interface HomeLock {
  /** Records the URL once the server listens, for `maestro open` and a second server's error message. */
  setUrl(url: string): void;
  release(): void;
}

/**
 * Writes the lock's content whole before it is seen: into a private temp file, then linked (exclusive:
 * fails when a lock exists) or renamed (replacing ours) into place. A lock file is never seen empty or
 * half-written, which a second server would take for a stale lock and take over.
 */
function placeLock(path: string, info: LockInfo, replace: boolean): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(info), { mode: 0o600 });
  try {
    if (replace) renameSync(tmp, path);
    else linkSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Takes the home's lock, or throws a `conflict` naming the server that holds it. A lock left by a process
 * that died is taken over. Creation is exclusive (a hard link fails on an existing lock), so two servers
 * starting together cannot both win.
 */
export function acquireHomeLock(home: string): HomeLock {
  const path = lockPath(home);
  const info: LockInfo = { pid: process.pid, url: null, startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      placeLock(path, info, false);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readLock(home);
      if (holder) {
        throw new MaestroError(
          'conflict',
          `another Maestro server is running on ${home} (pid ${holder.pid}${holder.url ? `, ${holder.url}` : ''}); stop it first or use another MAESTRO_HOME`,
        );
      }
      // Unreadable, or its process is gone: stale. Remove it and race for it again (once is enough).
      if (attempt > 0) throw new MaestroError('conflict', `cannot take the server lock ${path}`);
      rmSync(path, { force: true });
    }
  }
  let released = false;
  return {
    setUrl(url) {
      info.url = url;
      if (!released) placeLock(path, info, true);
    },
    release() {
      if (released) return;
      released = true;
      // Only our own lock: a successor may have taken over a lock we were thought to have abandoned.
      if (lockFile(path)?.pid === process.pid) rmSync(path, { force: true });
    },
  };
}
