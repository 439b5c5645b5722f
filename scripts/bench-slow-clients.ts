/**
 * Slow clients against a real `maestro serve` child process: WebSocket viewers of a busy terminal and
 * of `/ws` that never read, slowloris connections that send headers a few bytes at a time, and a
 * `/health` probe measuring latency throughout. `benchSlowClients()` prints the figures (scripts/bench.ts
 * calls it); test/security-slow-clients.test.ts runs the same scenario and asserts on its result.
 * Loopback only; every loop is bounded in count and time.
 *
 * Longer than our ~300-line rule on purpose: the scenario and its measuring probes share timing state,
 * and the test and the benchmark must run exactly this one scenario.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { maestroBin } from '../src/install.js';

export const MAESTRO_BIN = maestroBin();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ServeProcess {
  url: string;
  port: number;
  home: string;
  secret: string;
  child: ChildProcess;
  alive(): boolean;
  stderr(): string;
  /** Resident memory of the server process in KiB (VmRSS of /proc/<pid>/status). */
  rssKb(): number;
  /** JSON request as the owner; returns status and parsed body. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
  stop(): Promise<void>;
}

/** `node bin/maestro.js serve --port 0` on a fresh MAESTRO_HOME (needs the build: `npx tsc -p tsconfig.json`). */
export async function startServeProcess(env: Record<string, string> = {}): Promise<ServeProcess> {
  const home = mkdtempSync(join(tmpdir(), 'maestro-sec-'));
  // none of the caller's MAESTRO_* settings (a session id, another home) may leak into the server
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MAESTRO_')));
  const child = spawn(process.execPath, [MAESTRO_BIN, 'serve', '--port', '0'], {
    env: { ...clean, MAESTRO_HOME: home, MAESTRO_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + String(d)).slice(-20_000)));
  let exited = false;
  child.on('exit', () => (exited = true));
  const deadline = Date.now() + 20_000;
  let url = '';
  while (!url) {
    url = /Maestro is running at (http:\/\/[^\s]+)/.exec(stderr)?.[1] ?? '';
    if (exited || Date.now() > deadline) throw new Error(`maestro serve did not start:\n${stderr}`);
    if (!url) await sleep(50);
  }
  const secretFile = join(home, 'secret');
  while (!existsSync(secretFile) && Date.now() < deadline) await sleep(50);
  const secret = readFileSync(secretFile, 'utf8').trim();
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${secret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, json };
  };
  return {
    url,
    port: Number(new URL(url).port),
    home,
    secret,
    child,
    alive: () => !exited && child.exitCode === null,
    stderr: () => stderr,
    rssKb: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN),
    api,
    stop: async () => {
      if (!exited) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([gone, sleep(5000)]);
        if (!exited) child.kill('SIGKILL');
      }
      // the agents live in the server's private tmux server, which outlives it by design
      await new Promise((r) => execFile('tmux', ['-S', join(home, 'tmux.sock'), 'kill-server'], () => r(null)));
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/**
 * Prints without pause: a line of 100 characters in 100 colours, over and over. The colour codes make
 * tmux send about ten times more bytes than plain `yes` does (about 1 MB/s here), so a viewer that does
 * not read fills the kernel's socket buffers (a few MB on loopback) and then the server's in seconds.
 */
export const BUSY_AGENT = `sh -c 'l=$(i=16; while [ $i -lt 116 ]; do printf "\\033[38;5;%dmm" $i; i=$((i+1)); done); yes "$l maestro"'`;

/**
 * Heavy but paced output, as a real agent's worst case: about 700 kB/s of coloured lines. An agent
 * printing as fast as the machine allows (BUSY_AGENT) keeps tmux and itself on both cores of a small
 * machine, and then every process's latency, /health's included, is the scheduler's; this one measures
 * the server.
 */
export const STEADY_AGENT = `${process.execPath} -e 'const l = "\\x1b[32m maestro \\x1b[0m".repeat(15) + "\\n"; setInterval(() => process.stdout.write(l.repeat(100)), 20)'`;

/** A project and a session whose agent prints without pause; resolves once its terminal is live. */
export async function spawnBusySession(srv: ServeProcess, agentCommand = BUSY_AGENT): Promise<string> {
  const workingDir = join(srv.home, 'work');
  mkdirSync(workingDir, { recursive: true });
  const project = await srv.api('POST', '/api/projects', { name: 'busy', workingDir });
  if (project.status !== 201) throw new Error(`project: ${project.status} ${JSON.stringify(project.json)}`);
  const spawned = await srv.api('POST', '/api/sessions', { project: 'busy', agentCommand, name: 'busy' });
  if (spawned.status !== 201) throw new Error(`spawn: ${spawned.status} ${JSON.stringify(spawned.json)}`);
  const id = String(spawned.json.session.id);
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; await sleep(100)) {
    const screen = await srv.api('GET', `/api/sessions/${id}/screen`);
    if (screen.status === 200 && screen.json.live && String(screen.json.text).includes('maestro')) return id;
  }
  throw new Error(`session ${id} never showed output`);
}

/** TCP states of the server's side of each connection, by the client's port (/proc/net/tcp; '01' = established). */
export function serverSideStates(serverPort: number): Map<number, string> {
  const states = new Map<number, string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4) continue;
      const local = parseInt(cols[1]!.split(':')[1]!, 16);
      const remote = parseInt(cols[2]!.split(':')[1]!, 16);
      if (local === serverPort && remote !== 0) states.set(remote, cols[3]!);
    }
  }
  return states;
}

export interface Viewer {
  kind: 'terminal' | 'events';
  ws: WebSocket;
  localPort: number;
  /** When the server's side of the connection stopped being ESTABLISHED (ms since the scenario began). */
  droppedAt: number | null;
  closeCode: number | null;
  closeReason: string;
  bytes: number;
}

/** Opens a viewer; `read: false` pauses its socket as soon as the upgrade is done, so it never reads. */
export async function openViewer(srv: ServeProcess, path: string, kind: Viewer['kind'], read: boolean): Promise<Viewer> {
  const ws = new WebSocket(srv.url.replace('http', 'ws') + path, { headers: { authorization: `Bearer ${srv.secret}` } });
  const viewer: Viewer = { kind, ws, localPort: 0, droppedAt: null, closeCode: null, closeReason: '', bytes: 0 };
  ws.on('message', (data: Buffer) => (viewer.bytes += data.length));
  ws.on('close', (code, reason) => {
    viewer.closeCode = code;
    viewer.closeReason = String(reason);
  });
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const socket = (ws as unknown as { _socket: Socket })._socket;
  viewer.localPort = socket.localPort!;
  if (!read) socket.pause();
  return viewer;
}

/** A connection that sends a request's headers one line per second and never finishes them. */
export interface Slowloris {
  openedAt: number;
  closedAt: number | null;
  answer: string;
}
function slowloris(port: number, started: number, maxMs: number): Slowloris {
  const s: Slowloris = { openedAt: performance.now() - started, closedAt: null, answer: '' };
  const socket = connect(port, '127.0.0.1');
  let n = 0;
  const drip = setInterval(() => socket.writable && socket.write(`X-Slow-${n++}: ${'a'.repeat(20)}\r\n`), 1000);
  const giveUp = setTimeout(() => socket.destroy(), maxMs);
  socket.on('connect', () => socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n'));
  socket.on('data', (d) => (s.answer += String(d).slice(0, 200)));
  socket.on('error', () => undefined);
  socket.on('close', () => {
    clearInterval(drip);
    clearTimeout(giveUp);
    if (s.closedAt === null) s.closedAt = performance.now() - started;
  });
  return s;
}

/**
 * `/health` every `everyMs`, from a process of its own: what the server answers, not how busy this
 * process (hundreds of slow sockets of its own) is. It prints its latencies when told to stop.
 */
const PROBE = `
const { get } = require('node:http');
const [url, every] = [process.argv[1], Number(process.argv[2])];
const latencies = []; let failures = 0; let running = true;
const once = () => new Promise((resolve) => {
  const t = performance.now();
  const req = get(url + '/health', { agent: false, timeout: 5000 }, (res) => {
    res.resume();
    res.on('end', () => { if (res.statusCode === 200) latencies.push(performance.now() - t); else failures++; resolve(); });
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', () => { failures++; latencies.push(5000); resolve(); });
});
(async () => {
  while (running) await Promise.all([once(), new Promise((r) => setTimeout(r, every))]);
  process.stdout.write(JSON.stringify({ latencies, failures }));
})();
process.stdin.on('data', () => (running = false));
process.stdin.resume();
`;

function healthProbe(url: string, everyMs: number) {
  const child = spawn(process.execPath, ['-e', PROBE, url, String(everyMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += String(d)));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    stop: async (): Promise<{ latencies: number[]; failures: number }> => {
      child.stdin!.end('stop\n');
      await exited;
      return JSON.parse(out) as { latencies: number[]; failures: number };
    },
  };
}

/**
 * The close a laggard gets, as a client that reads again soon enough sees it: a /ws viewer stops reading,
 * a burst of big events overfills its buffers (the server closes it with 1013 and cuts it off a moment
 * later), and it reads again right after the burst, so the close frame reaches it before the cut-off.
 */
export async function laggardClose(srv: ServeProcess): Promise<{ code: number | null; reason: string }> {
  const viewer = await openViewer(srv, '/ws', 'events', false);
  const description = 'l'.repeat(64 * 1024);
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < 120) await srv.api('POST', '/api/tasks', { project: 'busy', title: `burst ${next++}`, description });
  }));
  (viewer.ws as unknown as { _socket: Socket })._socket.resume();
  await Promise.race([new Promise((r) => viewer.ws.once('close', r)), sleep(5000)]);
  viewer.ws.terminate();
  return { code: viewer.closeCode, reason: viewer.closeReason };
}

export const percentile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;
};

export interface ScenarioOptions {
  /** The busy session's agent (default BUSY_AGENT, as fast as the machine allows). */
  agentCommand?: string;
  terminalViewers?: number;
  eventViewers?: number;
  slowloris?: number;
  headersTimeoutMs?: number;
  /** How long to wait for every non-reading viewer to be dropped. */
  maxMs?: number;
}

export interface ScenarioResult {
  sessionId: string;
  /** What a /ws viewer that fell behind, then read again at once, saw of its close. */
  laggard: { code: number | null; reason: string };
  viewers: Viewer[];
  /** Reading viewers (one terminal, one /ws): a server must keep them. */
  controls: Viewer[];
  slowloris: Slowloris[];
  peakRssKb: number;
  health: { latencies: number[]; failures: number };
  aliveAfter: boolean;
  healthAfter: number;
  elapsedMs: number;
}

/** The whole scenario on a running server; leaves the server running (the caller stops it). */
export async function runSlowClients(srv: ServeProcess, opts: ScenarioOptions = {}): Promise<ScenarioResult> {
  const { terminalViewers = 50, eventViewers = 20, slowloris: lorisCount = 500, headersTimeoutMs = 2000, maxMs = 40_000 } = opts;
  const sessionId = await spawnBusySession(srv, opts.agentCommand);
  const laggard = await laggardClose(srv);
  const started = performance.now();
  let peakRssKb = srv.rssKb();
  const sampler = setInterval(() => srv.alive() && (peakRssKb = Math.max(peakRssKb, srv.rssKb())), 100);
  const probe = healthProbe(srv.url, 100);
  const controls = [await openViewer(srv, `/ws/terminal/${sessionId}`, 'terminal', true), await openViewer(srv, '/ws', 'events', true)];
  const viewers: Viewer[] = [];
  for (let i = 0; i < terminalViewers; i++) viewers.push(await openViewer(srv, `/ws/terminal/${sessionId}`, 'terminal', false));
  for (let i = 0; i < eventViewers; i++) viewers.push(await openViewer(srv, '/ws', 'events', false));

  // /ws only carries events: a task with a big description every 20 ms (about 3 MB/s to each /ws
  // viewer) keeps it busy until every non-reading /ws viewer is dropped, then stops.
  const eventsDropped = () => viewers.every((v) => v.kind !== 'events' || v.droppedAt !== null);
  let feeding = true;
  const feeder = (async () => {
    const description = 'e'.repeat(64 * 1024);
    for (let i = 0; feeding && !eventsDropped() && i < 1500; i++)
      await Promise.all([srv.api('POST', '/api/tasks', { project: 'busy', title: `event ${i}`, description }), sleep(20)]);
  })();

  const loris: Slowloris[] = [];
  for (let i = 0; i < lorisCount; i++) {
    loris.push(slowloris(srv.port, started, headersTimeoutMs + 20_000));
    if (i % 50 === 49) await sleep(100);
  }

  const deadline = performance.now() + maxMs;
  while (performance.now() < deadline) {
    const states = serverSideStates(srv.port);
    for (const v of viewers) if (v.droppedAt === null && states.get(v.localPort) !== '01') v.droppedAt = performance.now() - started;
    const lorisDone = loris.every((l) => l.closedAt !== null);
    if (viewers.every((v) => v.droppedAt !== null) && lorisDone) break;
    await sleep(200);
  }
  feeding = false;
  await feeder;
  // Read now: what is still buffered arrives, then the close frame (if the server sent one) or the end.
  for (const v of viewers) (v.ws as unknown as { _socket: Socket })._socket.resume();
  await Promise.race([Promise.all(viewers.map((v) => v.closeCode !== null || new Promise((r) => v.ws.once('close', r)))), sleep(10_000)]);
  clearInterval(sampler);
  const health = await probe.stop();
  const healthAfter = (await fetch(`${srv.url}/health`)).status;
  for (const v of [...viewers, ...controls]) v.ws.terminate();
  return { sessionId, laggard, viewers, controls, slowloris: loris, peakRssKb, health, aliveAfter: srv.alive(), healthAfter, elapsedMs: performance.now() - started };
}

export function describeResult(r: ScenarioResult): string {
  const codes = new Map<string, number>();
  for (const v of r.viewers) {
    const key = `${v.kind} ${v.closeCode ?? 'open'}${v.closeReason ? ` "${v.closeReason}"` : ''}`;
    codes.set(key, (codes.get(key) ?? 0) + 1);
  }
  const dropped = r.viewers.map((v) => v.droppedAt).filter((t): t is number => t !== null);
  const lorisLife = r.slowloris.map((l) => (l.closedAt ?? NaN) - l.openedAt);
  return [
    `slow clients: ${r.viewers.length} non-reading viewers, ${r.slowloris.length} slowloris, ${(r.elapsedMs / 1000).toFixed(1)} s`,
    `  peak server RSS            ${(r.peakRssKb / 1024).toFixed(1)} MB`,
    `  /health under load         p50 ${percentile(r.health.latencies, 0.5).toFixed(1)} ms  p99 ${percentile(r.health.latencies, 0.99).toFixed(1)} ms  (${r.health.latencies.length} probes, ${r.health.failures} failed)`,
    `  viewers dropped            ${dropped.length}/${r.viewers.length}, last after ${(Math.max(0, ...dropped) / 1000).toFixed(1)} s`,
    `  laggard that read again    closed ${r.laggard.code} "${r.laggard.reason}"`,
    `  viewer closes seen         ${[...codes].map(([k, n]) => `${k} x${n}`).join(', ')}`,
    `  slowloris lifetime         p50 ${(percentile(lorisLife, 0.5) / 1000).toFixed(1)} s  max ${(Math.max(...lorisLife) / 1000).toFixed(1)} s`,
  ].join('\n');
}

/** `npm run bench` part: the scenario on a fresh server, figures printed. */
export async function benchSlowClients(): Promise<void> {
  for (const [label, opts] of [
    ['an agent printing as fast as it can', {}],
    ['an agent printing 700 kB/s', { agentCommand: STEADY_AGENT, maxMs: 15_000 }],
  ] as const) {
    const srv = await startServeProcess({ MAESTRO_HEADERS_TIMEOUT_MS: '2000' });
    try {
      console.log(`${label}:\n${describeResult(await runSlowClients(srv, opts))}`);
    } finally {
      await srv.stop();
    }
  }
}

