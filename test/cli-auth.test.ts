import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pty from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSecret, secretPath } from '../src/security/secret.js';
import { BIN, runCli, tempHome, waitFor } from './helpers.js';
import { CLEAN_ENV } from './cli-support.js';

/*
 * The owner's side of authentication, through the real binary: `maestro serve` prints a login link,
 * the CLI finds the server and its secret from MAESTRO_HOME alone, `maestro open` prints the link, and
 * `maestro secret rotate` locks out the old secret at once.
 */

let home: string;
let child: ChildProcess;
let stderr = '';
let url: string;

/** The CLI with nothing but the home: no URL, no port, no token. */
const cli = (args: string[], env: Record<string, string | undefined> = {}) => runCli(args, { ...CLEAN_ENV, MAESTRO_HOME: home, ...env });
const status = async (token: string) => (await fetch(`${url}/api/projects`, { headers: { authorization: `Bearer ${token}` } })).status;

beforeAll(async () => {
  home = tempHome('maestro-cli-auth-');
  child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
    env: { ...process.env, ...CLEAN_ENV, MAESTRO_HOME: home, MAESTRO_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (d) => (stderr += d));
  url = await waitFor(() => /Maestro is running at (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1], 20_000, 'the server to start');
});

afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

describe('owner credentials from the CLI', () => {
  it('keeps the secret (a 0600 file) out of a logged stderr; maestro open prints the login link', async () => {
    const secret = readSecret(home)!;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(secretPath(home)).mode & 0o777).toBe(0o600);
    // stderr is a pipe here, as when it goes to a log: the secret stays out of it.
    expect(stderr).not.toContain(secret);
    expect(stderr).toContain('run `maestro open` for its login link');
    const open = await cli(['open', '--print']);
    expect(open.code).toBe(0);
    expect(open.stdout.trim()).toBe(`${url}/#token=${secret}`);
  });

  it('prints the login link when started on a terminal', async () => {
    const own = tempHome('maestro-cli-auth-tty-');
    const term = pty.spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
      cols: 200,
      rows: 40,
      env: { ...process.env, ...CLEAN_ENV, MAESTRO_HOME: own, MAESTRO_LOG_LEVEL: 'warn' } as Record<string, string>,
    });
    let screen = '';
    term.onData((d) => (screen += d));
    try {
      const link = await waitFor(() => /Dashboard login link[^:]*: (http:\/\/\S+)/.exec(screen)?.[1], 20_000, 'the login link');
      expect(link).toMatch(new RegExp(`/#token=${readSecret(own)}$`));
    } finally {
      term.kill();
      // A closed terminal (SIGHUP) stops the server cleanly: it releases the home's lock.
      await waitFor(() => !existsSync(join(own, 'server.lock')), 10_000, 'the server to release its lock');
      rmSync(own, { recursive: true, force: true });
    }
  });

  it('finds the running server and its secret from MAESTRO_HOME alone', async () => {
    const created = await cli(['project', 'create', 'auth-demo', '--dir', home, '--json']);
    expect(created.code, created.stderr).toBe(0);
    expect((await cli(['whoami', '--json'])).json()).toMatchObject({ kind: 'user' });
    expect(await status('not-the-secret')).toBe(401);
  });

  it('says where it looked when the home has no secret, and exits 1', async () => {
    const elsewhere = tempHome('maestro-cli-auth-other-');
    try {
      const r = await cli(['project', 'list'], { MAESTRO_HOME: elsewhere, MAESTRO_API_URL: url });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/authentication required/);
      expect(r.stderr).toContain(`no owner secret at ${elsewhere}/secret`);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('rotates the secret: the old one and its dashboard cookie stop working at once, the CLI goes on', async () => {
    const old = readSecret(home)!;
    const login = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: old }) });
    expect(login.status).toBe(204);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect((await fetch(`${url}/api/projects`, { headers: { cookie } })).status).toBe(200);

    const rotated = await cli(['secret', 'rotate', '--json']);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.json()).toEqual({ rotated: true, serverRunning: true });
    const fresh = readSecret(home)!;
    expect(fresh).not.toBe(old);
    expect(await status(old)).toBe(401);
    expect((await fetch(`${url}/api/projects`, { headers: { cookie } })).status).toBe(401);
    expect(await status(fresh)).toBe(200);
    expect((await cli(['open', '--print'])).stdout.trim()).toBe(`${url}/#token=${fresh}`);
    expect((await cli(['project', 'list'])).code).toBe(0);
  });

  it('rotates the file itself when no server runs on the home', async () => {
    const idle = tempHome('maestro-cli-auth-idle-');
    try {
      const r = await cli(['secret', 'rotate'], { MAESTRO_HOME: idle, MAESTRO_API_URL: 'http://127.0.0.1:9' });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/the server is not running/);
      expect(readSecret(idle)).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(statSync(secretPath(idle)).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(idle, { recursive: true, force: true });
    }
  });
});
