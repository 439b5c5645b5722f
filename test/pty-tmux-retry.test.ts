import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { Tmux, TmuxError } from '../src/pty/tmux.js';
import { tempHome } from './helpers.js';

/*
 * A worker started just as the previous one ends asks our tmux server for a session while that server is
 * exiting (its last session is gone): tmux answers "server exited unexpectedly". Seen in the auto-dispatch
 * end-to-end test once spawns got fast enough. A tmux that fails that way a given number of times, then
 * is the real one, stands in for the race.
 */

const servers: Tmux[] = [];
afterEach(async () => {
  for (const tmux of servers.splice(0)) await tmux.killServer();
});

function flakyTmux(failures: number, message: string): { tmux: Tmux; calls: () => number } {
  const home = tempHome('maestro-tmux-retry-');
  const counter = join(home, 'calls');
  const bin = join(home, 'tmux');
  writeFileSync(
    bin,
    `#!/bin/sh
n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}
case "$*" in *new-session*) if [ $n -le ${failures} ]; then echo "${message}" >&2; exit 1; fi;; esac
exec tmux "$@"
`,
  );
  chmodSync(bin, 0o755);
  const tmux = new Tmux(join(home, 'tmux.sock'), join(home, 'tmux.conf'), bin);
  servers.push(tmux);
  return { tmux, calls: () => (existsSync(counter) ? Number(readFileSync(counter, 'utf8')) : 0) };
}

const session = (cwd: string) => ({ name: 'w1', cwd, cols: 80, rows: 24, command: 'sleep 30' });

it('asks again when the server it reached was exiting, and the session starts', async () => {
  const { tmux, calls } = flakyTmux(2, 'server exited unexpectedly');
  await tmux.newSession(session(process.cwd()));
  expect(calls()).toBe(3);
  expect(await tmux.hasSession('w1')).toBe(true);
});

it('gives up after three tries, with tmux’s words', async () => {
  const { tmux, calls } = flakyTmux(5, 'server exited unexpectedly');
  const err = await tmux.newSession(session(process.cwd())).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(TmuxError);
  expect((err as TmuxError).message).toBe('tmux new-session failed: server exited unexpectedly');
  expect(calls()).toBe(3);
});

it('does not ask again for any other failure', async () => {
  const { tmux, calls } = flakyTmux(1, 'duplicate session: w1');
  await expect(tmux.newSession(session(process.cwd()))).rejects.toThrow('tmux new-session failed: duplicate session: w1');
  expect(calls()).toBe(1);
});

it('reads a server exiting under list-sessions and kill-session as no sessions left', async () => {
  const home = tempHome('maestro-tmux-gone-');
  const bin = join(home, 'tmux');
  writeFileSync(bin, '#!/bin/sh\necho "server exited unexpectedly" >&2\nexit 1\n');
  chmodSync(bin, 0o755);
  const going = new Tmux(join(home, 'tmux.sock'), join(home, 'tmux.conf'), bin);
  expect(await going.listSessions()).toEqual([]);
  await expect(going.killSession('w1')).resolves.toBeUndefined();
});
