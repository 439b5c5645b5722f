import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startMaestro, type MaestroOptions, type RunningMaestro } from '../src/app.js';
import { MaestroError } from '../src/core/errors.js';
import { createLogger } from '../src/log/logger.js';
import { readSecret } from '../src/security/secret.js';

export const ROOT = resolve(import.meta.dirname, '..');
export const BIN = join(ROOT, 'bin', 'maestro.js');

/** The owner's credential for a server on `home`, as the CLI sends it. */
export function ownerAuth(home: string): { authorization: string } {
  const secret = readSecret(home);
  if (!secret) throw new Error(`no owner secret in ${home}: has a server started there?`);
  return { authorization: `Bearer ${secret}` };
}

/** A fresh MAESTRO_HOME in the OS temp dir. */
export function tempHome(prefix = 'maestro-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TestServer extends RunningMaestro {
  /** Stops the server and starts a new one on the same home (same port), as after a restart. */
  restart(downMs?: number): Promise<TestServer>;
  /** Stops the server and deletes its home. */
  dispose(): Promise<void>;
}

export async function startTestServer(opts: MaestroOptions = {}): Promise<TestServer> {
  const home = opts.home ?? tempHome();
  const running = await startMaestro({
    supervisor: false,
    logger: createLogger('maestro-test', process.env.MAESTRO_TEST_LOG ?? 'silent'),
    ...opts,
    home,
    port: opts.port ?? 0,
  });
  const server: TestServer = Object.assign(running, {
    restart: async (downMs = 0) => {
      await running.close();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      return startTestServer({ ...opts, home, port: running.server.port });
    },
    dispose: async () => {
      await running.close();
      rmSync(home, { recursive: true, force: true });
    },
  });
  return server;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json<T = any>(): T;
}

/** Runs the built `maestro` binary as a child process. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}, input?: string, cwd?: string): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, MAESTRO_LOG_LEVEL: 'silent', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) =>
      resolvePromise({
        code: code ?? -1,
        stdout,
        stderr,
        json: () => JSON.parse(stdout),
      }),
    );
    child.stdin.end(input ?? '');
  });
}

/** Polls until `check` returns a truthy value (or throws after `timeoutMs`, naming `what` it waited for). */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * One HTTP request with a JSON body (when given) and these headers: the status, the content type, the raw
 * text and its JSON (null when it is not JSON), for tests that look at any of them.
 */
export async function requestJson(url: string, method: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, type: res.headers.get('content-type'), text, json };
}

/** A request as the owner of the server's home; the status and the parsed JSON answer. */
export async function ownerApi<T = any>(
  server: { url: string; home: string },
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(server.url + path, {
    method,
    headers: { ...ownerAuth(server.home), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** The MaestroError a promise is rejected with (fails the test when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<MaestroError> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof MaestroError)) throw new Error(`expected a MaestroError, got ${String(err)}`);
    return err;
  }
  throw new Error('expected the call to fail');
}
