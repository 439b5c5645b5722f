import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { MaestroError } from '../core/errors.js';
import { maestroHome } from '../core/paths.js';
import { maestroBin } from '../install.js';
import { readLock } from '../security/home-lock.js';
import { ensurePrivateDir } from '../security/permissions.js';


export interface RunningServer {
  url: string;
  pid: number;
  /** True when this call started it. */
  started: boolean;
  /** Where a server started here writes its log. */
  logFile?: string;
}

/** The server that holds the home's lock and has recorded its URL, if any. */
export function runningServer(home: string): { url: string; pid: number } | null {
  const lock = readLock(home);
  return lock?.url ? { url: lock.url, pid: lock.pid } : null;
}

/**
 * The home's server, started in the background when none runs: detached from the caller (it outlives
 * `maestro mcp` and `maestro demo`), on $MAESTRO_PORT or 3000, or any free port when that one is taken
 * (clients find it through the home's lock file), logging to `$MAESTRO_HOME/logs/server.log`.
 * Resolves once it listens; fails with the log's path when it does not within `timeoutMs`.
 */
export async function ensureServer(env: NodeJS.ProcessEnv = process.env, timeoutMs = 20_000): Promise<RunningServer> {
  const home = maestroHome(env);
  const running = runningServer(home);
  if (running) return { ...running, started: false };

  const logs = join(home, 'logs');
  ensurePrivateDir(home);
  mkdirSync(logs, { recursive: true, mode: 0o700 });
  const logFile = join(logs, 'server.log');
  const port = env.MAESTRO_PORT?.trim() || '3000';
  let child = start(env, home, logFile, port);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const up = runningServer(home);
    // Not ours when another caller's server won the race for the home's lock.
    if (up) return up.pid === child.pid ? { ...up, started: true, logFile } : { ...up, started: false };
    if (child.exited) {
      // A live lock without a URL yet: a server started at the same moment won the race and is still
      // opening its port. Wait for it rather than start a third one, which would lose the same way.
      if (!readLock(home)) {
        // Otherwise the port was taken (by something else): try any free port, once.
        if (child.port === '0' || Date.now() > deadline) throw notStarted(logFile, child.code);
        child = start(env, home, logFile, '0');
      }
    }
    if (Date.now() > deadline) throw notStarted(logFile, null);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function notStarted(logFile: string, code: number | null): MaestroError {
  const how = code === null ? 'did not start in time' : `exited with code ${code}`;
  return new MaestroError('unavailable', `the Maestro server ${how}; see ${logFile}`);
}

function start(env: NodeJS.ProcessEnv, home: string, logFile: string, port: string) {
  const fd = openSync(logFile, 'a', 0o600);
  const state = { port, pid: undefined as number | undefined, exited: false, code: null as number | null };
  const child = spawn(process.execPath, [maestroBin(), 'serve', '--port', port], {
    detached: true,
    stdio: ['ignore', fd, fd],
    // It outlives the caller: it must not hold the caller's directory (a project that may be deleted or
    // unmounted), and a relative MAESTRO_HOME would then name another place, so it gets the absolute one.
    cwd: home,
    env: { ...env, MAESTRO_HOME: home, MAESTRO_PORT: port === '0' ? '' : port },
  });
  closeSync(fd);
  state.pid = child.pid;
  child.on('exit', (code) => {
    state.exited = true;
    state.code = code;
  });
  child.on('error', () => {
    state.exited = true;
  });
  child.unref();
  return state;
}
