/**
 * The server as a whole, from the outside: one server per home (in-process and through the real
 * binary), private file modes, tokens that never leak (manifest, /ws, ps, dashboard, log), a database
 * locked by another connection, a /health that says nothing, and binding beyond loopback only on request.
 */
import Database from 'better-sqlite3';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMaestro } from '../src/app.js';
import { createLogger } from '../src/log/logger.js';
import { readSecret } from '../src/security/secret.js';
import { ROOT, startTestServer, tempHome, waitFor, type TestServer } from './helpers.js';
import { FAST_TIMING, killTmuxServer } from './pty-support.js';
import { MCP_HEADERS, SH_CAT, bearer, deadPid, mcpRequest, openWs, rawRequest, startServe, type ServeProcess } from './security-support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The exit code, or 'still running' when the process has not exited within `ms` (then it is stopped). */
async function exitWithin(proc: ServeProcess, ms = 15_000): Promise<number | null | 'still running'> {
  const code = await Promise.race([proc.exited, sleep(ms).then(() => 'still running' as const)]);
  if (code === 'still running') await proc.stop();
  return code;
}
const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);
const secretOf = (home: string) => readSecret(home) ?? '';

beforeAll(() => {
  // The binary runs dist/: build first (npx tsc -p tsconfig.json).
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) throw new Error('dist/ is missing: build first');
});

describe('one server per home', () => {
  it('a second server on the same home fails, in-process and as `maestro serve` (exit 1 naming pid and url)', async () => {
    const first = await startTestServer();
    try {
      const second = await startMaestro({ home: first.home, port: 0, supervisor: false, logger: createLogger('second', 'silent') }).then(
        async (running) => {
          await running.close();
          return 'started';
        },
        (err: Error) => err.message,
      );
      expect(second).toContain(String(process.pid));
      expect(second).toContain(first.url);
      const serve = startServe(['--port', '0'], { MAESTRO_HOME: first.home });
      expect(await exitWithin(serve)).toBe(1);
      expect(serve.out.stderr).toContain(String(process.pid));
      expect(serve.out.stderr).toContain(first.url);
      // The refused servers did not disturb the running one.
      expect((await rawRequest(first.url, { path: '/api/whoami', headers: bearer(secretOf(first.home)) })).status).toBe(200);
    } finally {
      await first.dispose();
    }
  });

  it('of many processes taking the lock at once (each recording its URL), never two hold it together', async () => {
    // Each contender takes the lock, records a URL at once (rewriting the file), holds it a moment, and
    // says when it held it. A lock file ever seen empty or half-written would be taken for stale and
    // taken over: two holders at once. (Later contenders may take it after a release: that is fine.)
    const lockModule = join(ROOT, 'dist', 'src', 'security', 'home-lock.js');
    const script = `import(${JSON.stringify(lockModule)}).then(async (m) => {
      try { const lock = m.acquireHomeLock(process.argv[1]); const from = Date.now(); lock.setUrl('http://127.0.0.1:1'); await new Promise((r) => setTimeout(r, 300)); const to = Date.now(); lock.release(); console.log('won ' + from + ' ' + to); }
      catch (err) { console.log(err.code === 'conflict' ? 'lost' : 'error ' + err.message); }
    });`;
    for (let round = 0; round < 8; round++) {
      const home = tempHome();
      const runs = Array.from({ length: 8 }, () =>
        new Promise<string>((resolve) => {
          const child = spawn(process.execPath, ['-e', script, home], { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          child.stdout.on('data', (d) => (out += d));
          child.on('close', () => resolve(out.trim()));
        }),
      );
      const outcomes = await Promise.all(runs);
      expect(outcomes.filter((o) => !/^(won \d+ \d+|lost)$/.test(o))).toEqual([]);
      const held = outcomes.filter((o) => o.startsWith('won')).map((o) => o.split(' ').slice(1).map(Number) as [number, number]);
      expect(held.length).toBeGreaterThan(0);
      held.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < held.length; i++) expect(held[i]![0], `round ${round}: ${outcomes.join(', ')}`).toBeGreaterThanOrEqual(held[i - 1]![1]);
    }
  });

  it('a lock left by a dead process is taken over', async () => {
    const home = tempHome();
    writeFileSync(join(home, 'server.lock'), JSON.stringify({ pid: deadPid(), url: 'http://127.0.0.1:1', startedAt: new Date().toISOString() }));
    const server = await startTestServer({ home });
    expect(JSON.parse(readFileSync(join(home, 'server.lock'), 'utf8')).pid).toBe(process.pid);
    await server.dispose();
  });

  it('a `maestro serve` killed with SIGKILL leaves its lock behind, and the next one takes it over', async () => {
    const home = tempHome();
    const killed = startServe(['--port', '0'], { MAESTRO_HOME: home });
    await killed.url();
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(existsSync(join(home, 'server.lock'))).toBe(true); // the scenario is real: nobody cleaned up
    const next = startServe(['--port', '0'], { MAESTRO_HOME: home });
    try {
      const url = await next.url();
      expect((await rawRequest(url, { path: '/health' })).status).toBe(200);
      expect(JSON.parse(readFileSync(join(home, 'server.lock'), 'utf8')).pid).toBe(next.child.pid);
    } finally {
      await next.stop();
      await killTmuxServer(home);
    }
  });
});

it('keeps its home private: 0700 folders, 0600 secret, database and manifest files', async () => {
  // A home the server creates itself (mkdtemp would already be 0700), under the usual umask.
  const home = join(tempHome(), 'home');
  const server = await startTestServer({ home });
  try {
    const owner = bearer(secretOf(home));
    await rawRequest(server.url, { method: 'POST', path: '/api/projects', body: { name: 'p', workingDir: home }, headers: owner });
    const task = await rawRequest(server.url, { method: 'POST', path: '/api/tasks', body: { project: 'p', title: 't' }, headers: owner });
    const spawned = await rawRequest(server.url, { method: 'POST', path: '/api/sessions', body: { project: 'p', taskIds: [task.json.id] }, headers: owner });
    expect(spawned.status).toBe(201);
    const db = join(home, 'data', 'maestro.db');
    const dirs = [home, join(home, 'data'), join(home, 'sessions'), join(home, 'sessions', spawned.json.session.id)];
    const files = [join(home, 'secret'), db, `${db}-wal`, `${db}-shm`, spawned.json.manifestPath];
    const actual = Object.fromEntries([...dirs, ...files].map((p) => [p, existsSync(p) ? modeOf(p) : 'missing']));
    const expected = Object.fromEntries([...dirs.map((p) => [p, '700']), ...files.map((p) => [p, '600'])]);
    expect(actual).toEqual(expected);
  } finally {
    await server.dispose();
  }
});

describe('session tokens never leak', () => {
  let server: TestServer;
  let logFile: string;
  let sessionId: string;
  let token: string;
  const frames: string[] = [];
  const argvSeen = new Set<string>();
  let psWhileRunning = '';

  /** Every process's command line, read from /proc (cheap enough to poll while an agent starts). */
  const scanArgv = () => {
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d)))
      try {
        argvSeen.add(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
      } catch {
        /* gone meanwhile */
      }
  };

  beforeAll(async () => {
    const home = tempHome();
    logFile = join(home, 'server.log');
    const logger = pino({ name: 'maestro', level: 'debug' }, pino.destination({ dest: logFile, sync: true }));
    server = await startTestServer({ home, supervisor: true, supervisorTiming: FAST_TIMING, logger });
    const owner = bearer(secretOf(home));
    const events = await openWs(server.url, '/ws', owner);
    if (!events.opened) throw new Error(`/ws refused the owner: ${events.status}`);
    events.ws.on('message', (raw) => frames.push(String(raw)));
    // Spawn a real agent, scanning process arguments all along its start.
    const scanner = setInterval(scanArgv, 20);
    await rawRequest(server.url, { method: 'POST', path: '/api/projects', body: { name: 'leak', workingDir: home }, headers: owner });
    const task = await rawRequest(server.url, { method: 'POST', path: '/api/tasks', body: { project: 'leak', title: 't' }, headers: owner });
    const spawned = await rawRequest(server.url, {
      method: 'POST',
      path: '/api/sessions',
      body: { project: 'leak', taskIds: [task.json.id], agentCommand: SH_CAT },
      headers: owner,
    });
    if (spawned.status !== 201) throw new Error(`spawn failed: ${spawned.body}`);
    sessionId = spawned.json.session.id;
    token = server.svc.sessions.token(sessionId);
    await waitFor(() => server.supervisor!.isLive(sessionId), 10_000, 'the agent to run');
    await sleep(300);
    clearInterval(scanner);
    scanArgv();
    psWhileRunning = execFileSync('ps', ['-eww', '-o', 'args'], { encoding: 'utf8' });
    // The session works with its token (REST and MCP), then the owner stops it.
    const report = await rawRequest(server.url, { method: 'POST', path: '/api/reports/progress', body: { message: 'working' }, headers: bearer(token) });
    if (report.status !== 200) throw new Error(`report failed: ${report.body}`);
    await rawRequest(server.url, {
      method: 'POST',
      path: '/mcp',
      body: mcpRequest('tools/call', { name: 'whoami', arguments: {} }),
      headers: { ...MCP_HEADERS, ...bearer(token) },
    });
    await rawRequest(server.url, { path: '/api/whoami', headers: bearer('not-a-token') }); // a refusal gets logged too
    await rawRequest(server.url, { method: 'POST', path: `/api/sessions/${sessionId}/stop`, body: {}, headers: owner });
    await waitFor(() => frames.some((f) => f.includes('"stopped"') && f.includes(sessionId)), 10_000, 'the stop event on /ws');
    events.ws.close();
  });
  afterAll(async () => {
    await server?.close();
    if (server) await killTmuxServer(server.home);
  });

  it('not in the manifest', () => {
    const manifest = readFileSync(join(server.home, 'sessions', sessionId, 'manifest.json'), 'utf8');
    expect(manifest).toContain(sessionId);
    expect(manifest).not.toContain(token);
  });

  it('not in any /ws event of spawn, report and stop', () => {
    expect(frames.some((f) => f.includes('working'))).toBe(true); // the report's event arrived
    expect(frames.filter((f) => f.includes(token) || f.includes(secretOf(server.home)))).toEqual([]);
  });

  it('not in any process argument while the agent starts and runs', () => {
    expect(psWhileRunning).toContain('ps -eww -o args'); // ps saw whole command lines …
    expect(psWhileRunning).toContain(join(server.home, 'tmux.sock')); // … including the agents' tmux server (which keeps its creator's argv)
    expect(psWhileRunning).not.toContain(token);
    expect([...argvSeen].filter((a) => a.includes(token))).toEqual([]);
  });

  it('not in the server log (debug level), nor the owner secret', () => {
    const log = readFileSync(logFile, 'utf8');
    expect(log).toContain(server.url); // the log was written
    expect(log).not.toContain(token);
    expect(log).not.toContain(secretOf(server.home));
  });

  it.skipIf(!existsSync(join(ROOT, 'dist', 'web', 'index.html')))('not in the dashboard HTML or its scripts', async () => {
    const html = await rawRequest(server.url, { path: '/' });
    expect(html.status).toBe(200);
    const assets = [...html.body.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    const bodies = [html.body, ...(await Promise.all(assets.map(async (p) => (await rawRequest(server.url, { path: p })).body)))];
    for (const body of bodies) {
      expect(body).not.toContain(token);
      expect(body).not.toContain(secretOf(server.home));
    }
  });
});

it('answers 503 with Retry-After quickly while another connection holds the write lock, and recovers', async () => {
  const server = await startTestServer();
  const owner = bearer(secretOf(server.home));
  const task = { method: 'POST', path: '/api/tasks', body: { project: 'p', title: 't' }, headers: owner } as const;
  const holder = new Database(join(server.home, 'data', 'maestro.db'));
  try {
    await rawRequest(server.url, { method: 'POST', path: '/api/projects', body: { name: 'p', workingDir: server.home }, headers: owner });
    holder.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    const busy = await rawRequest(server.url, task);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(busy.status).toBe(503);
    expect(busy.json.error.code).toBe('unavailable');
    expect(Number(busy.headers['retry-after'])).toBeGreaterThan(0);
    const health = await rawRequest(server.url, { path: '/health', timeoutMs: 2000 });
    expect(health.status).toBe(200);
    holder.exec('COMMIT');
    expect((await rawRequest(server.url, task)).status).toBe(201);
    expect(holder.pragma('integrity_check', { simple: true })).toBe('ok');
  } finally {
    if (holder.inTransaction) holder.exec('ROLLBACK');
    holder.close();
    await server.dispose();
  }
});

it('/health reveals nothing but {ok:true}', async () => {
  const server = await startTestServer();
  try {
    const res = await rawRequest(server.url, { path: '/health' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true });
  } finally {
    await server.dispose();
  }
});

describe('binding beyond loopback', () => {
  it('`serve --host 0.0.0.0` without --allow-remote refuses to start', async () => {
    const serve = startServe(['--host', '0.0.0.0', '--port', '0'], { MAESTRO_HOME: tempHome() });
    const code = await exitWithin(serve);
    expect(code).not.toBe(0);
    expect(code).not.toBe('still running');
    expect(serve.out.stderr).toMatch(/allow-remote/);
  });

  it('with --allow-remote it starts, warns, and still demands a credential', async () => {
    const serve = startServe(['--host', '0.0.0.0', '--allow-remote', '--port', '0'], { MAESTRO_HOME: tempHome() });
    try {
      const port = new URL(await serve.url()).port;
      expect(serve.out.stderr).toMatch(/warn|"level":40/i);
      const res = await rawRequest(`http://127.0.0.1:${port}`, { path: '/api/projects' });
      expect(res.status).toBe(401);
    } finally {
      await serve.stop();
    }
  });
});
