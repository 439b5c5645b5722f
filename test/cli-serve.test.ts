import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, tempHome, waitFor } from './helpers.js';
import { CLEAN_ENV, cliFor, ok } from './cli-support.js';

/* `maestro serve` as a real process: prints where it listens, serves the CLI, stops cleanly on a signal. */

const homes: string[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

function startServe(args: string[], home: string) {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    env: { ...process.env, ...CLEAN_ENV, MAESTRO_HOME: home, MAESTRO_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d) => (out.stdout += d));
  child.stderr!.on('data', (d) => (out.stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out, exited };
}

describe('maestro serve', { timeout: 60_000 }, () => {
  it('listens, serves the CLI and shuts down gracefully on SIGTERM', async () => {
    const home = tempHome('maestro-cli-serve-');
    homes.push(home);
    const serve = startServe(['--port', '0'], home);
    const url = await waitFor(() => /Maestro is running at (http:\/\/127\.0\.0\.1:\d+)/.exec(serve.out.stderr)?.[1], 20_000);
    expect(serve.out.stderr).toMatch(/"msg":"maestro listening"/);

    const cli = cliFor(() => url, () => home);
    const project = await ok(cli, ['project', 'create', 'served', '--dir', home]);
    expect(project.name).toBe('served');
    expect(existsSync(join(home, 'data', 'maestro.db'))).toBe(true);

    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(serve.out.stderr).toContain('Maestro stopped.');
    expect(serve.out.stdout).toBe('');
    const down = await cli(['project', 'list']);
    expect(down.code).toBe(3);

    // the data is still there for the next run
    const again = startServe(['--port', '0'], home);
    const url2 = await waitFor(() => /Maestro is running at (http:\/\/\S+)/.exec(again.out.stderr)?.[1], 20_000);
    expect(await ok(cliFor(() => url2, () => home), ['project', 'list'])).toEqual([expect.objectContaining({ name: 'served' })]);

    // a second server on the same port says so
    const port = new URL(url2).port;
    const clashHome = tempHome('maestro-cli-serve-clash-');
    homes.push(clashHome);
    const clash = startServe(['--port', port], clashHome);
    expect(await clash.exited).toBe(1);
    expect(clash.out.stderr).toContain(`error: 127.0.0.1:${port} is already in use (is Maestro already running?); choose another with --port`);

    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
  });
});
