/**
 * New connections while the server is busy (fair turns, src/http/turns.ts), against real `maestro serve`
 * child processes. Node 20's libuv accepts one new connection per turn of the event loop, and without
 * slicing a turn lasts as long as the work of every request read in it: kept-alive clients that are
 * always asking make every turn long, and a burst of new connections (hooks and the CLI open one per call)
 * is accepted one per long turn.
 *
 * The scenario: K busy clients, each on its own kept-alive connection opened before the clock, in a child
 * process of their own (so that the burst's clients do not share an event loop with them), loop a page of
 * 100 tasks; after `loadMs` this process opens N new connections at once, each one authenticated GET, and
 * times each from connect to answer. Every busy answer is stamped with the wall clock, so the answers
 * served while the burst waited are counted exactly afterwards (no messages between the processes during
 * the burst). test/http-fair-turns.test.ts runs the same scenario and asserts on its counts.
 *
 * `benchAccept()` runs it on two servers side by side, one with `MAESTRO_TURN_BUDGET_MS=off` and one with
 * the default budget, in alternating order over 3 rounds (the same two servers, seeded and warmed up once).
 * scripts/bench.ts calls it; `node dist/scripts/bench-accept.js` runs it alone.
 */
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { startLoadProcess, type LoadProcess } from './bench-load-process.js';
import { percentile, startServeProcess, type ServeProcess } from './bench-slow-clients.js';

const ROUNDS = 3;
const BUSY_CLIENTS = Number(process.env.BENCH_ACCEPT_BUSY ?? 50);
const BURST = Number(process.env.BENCH_ACCEPT_BURST ?? 200);
const TASKS = 500;
/** Steady load before each burst: its answers/s are the throughput figure (1 s windows swung 0.67-1.14x on a shared machine). */
const LOAD_MS = 2000;
/** The busy clients' request: a page of 100 tasks with their descriptions, real work for the server. */
const PAGE_LIMIT = 100;

/**
 * The wall clock, which both processes read alike (each process's performance.timeOrigin is the wall clock
 * when it started, and the two clocks drift apart afterwards); a millisecond is fine enough here.
 */
const wallNow = () => Date.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A project of `tasks` tasks (each with a description, so that a page is real work); the first task's id. */
export async function seedTasks(srv: ServeProcess, project: string, tasks: number): Promise<{ project: string; taskId: string }> {
  const created = await srv.api('POST', '/api/projects', { name: project, workingDir: srv.home });
  if (created.status !== 201) throw new Error(`project: ${created.status} ${JSON.stringify(created.json)}`);
  const rows = Array.from({ length: tasks }, (_, i) => ({
    key: `t${i}`,
    title: `busy task ${i}`,
    description: `Task ${i} of the fair-turns scenario: a description of a few lines, as real tasks have. `.repeat(3),
  }));
  const imported = await srv.api('POST', '/api/tasks/import', { project, rows });
  if (imported.status !== 200) throw new Error(`import: ${imported.status} ${JSON.stringify(imported.json)}`);
  const page = await srv.api('GET', `/api/tasks?project=${encodeURIComponent(project)}&limit=1`);
  const taskId = page.json?.tasks?.[0]?.id;
  if (page.status !== 200 || typeof taskId !== 'string') throw new Error(`first task: ${page.status} ${JSON.stringify(page.json)}`);
  return { project, taskId };
}

/**
 * The busy clients' process: opens every connection (one request each), says "ready", then each client asks
 * again as soon as answered until stdin says stop; prints every answer's wall-clock time and the statuses.
 * CommonJS run with `node -e`, so that both the built bench and the test (TypeScript) can start it.
 */
const LOAD = `
const { Agent, request } = require('node:http');
const [url, path, count] = [process.argv[1], process.argv[2], Number(process.argv[3])];
const headers = { authorization: 'Bearer ' + process.env.BENCH_ACCEPT_SECRET };
const times = []; const statuses = {}; let failures = 0; let connects = 0; let running = true;
const once = (agent) => new Promise((resolve) => {
  const req = request(url + path, { agent, headers }, (res) => {
    res.resume();
    res.on('end', () => { times.push(Date.now()); statuses[res.statusCode] = (statuses[res.statusCode] || 0) + 1; resolve(); });
  });
  req.on('socket', (socket) => { if (socket.connecting) connects++; });
  req.on('error', () => { failures++; resolve(); });
  req.end();
});
const agents = Array.from({ length: count }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
process.stdin.on('data', () => (running = false));
(async () => {
  await Promise.all(agents.map(once));
  process.stdout.write('ready\\n');
  await Promise.all(agents.map(async (agent) => { while (running) await once(agent); }));
  agents.forEach((agent) => agent.destroy());
  // Exit once the line is out: a pipe is written asynchronously, and exiting at once cut long ones short.
  process.stdout.write(JSON.stringify({ times, statuses, failures, reconnects: connects - count }) + '\\n', () => process.exit(0));
})();
`;

interface LoadCounts {
  /** Wall-clock time of every answer, the first (connection-opening) ones included. */
  times: number[];
  statuses: Record<string, number>;
  failures: number;
  /** Connections opened after the first: 0 when each client kept its own. */
  reconnects: number;
}

function startLoad(srv: ServeProcess, path: string, clients: number): Promise<LoadProcess<LoadCounts>> {
  return startLoadProcess(['-e', LOAD, srv.url, path, String(clients)], { ...process.env, BENCH_ACCEPT_SECRET: srv.secret }, 'the busy clients process');
}

/** One new connection (no agent, `Connection: close`) with one authenticated GET: its status and connect-to-answer time. */
function newConnectionGet(srv: ServeProcess, path: string): Promise<{ status: number; ms: number; answeredAt: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = request(srv.url + path, { agent: false, headers: { authorization: `Bearer ${srv.secret}`, connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, answeredAt: wallNow() }));
    });
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started, answeredAt: wallNow() }));
    req.end();
  });
}

export interface BurstOptions {
  /** Kept-alive clients looping a page of tasks. */
  busyClients: number;
  /** New connections opened at once. */
  burst: number;
  /** How long the busy clients run before the burst. */
  loadMs: number;
}

export interface BurstResult {
  /** Connect-to-answer of each burst request, ms. */
  latencies: number[];
  /** Burst answers by status (0: no answer, the connection failed). */
  burstStatuses: Record<string, number>;
  /** Busy clients' answers by status, their failed requests and reopened connections. */
  busyStatuses: Record<string, number>;
  busyFailures: number;
  busyReconnects: number;
  /** Busy answers in the `loadMs` before the burst, and between its start and its last answer. */
  servedBefore: number;
  servedDuringBurst: number;
  loadMs: number;
  /** From the burst's start to its last answer. */
  burstMs: number;
}

/** The scenario on a running server seeded by `seedTasks`; leaves the server running. */
export async function runAcceptBurst(srv: ServeProcess, seeded: { project: string; taskId: string }, opts: BurstOptions): Promise<BurstResult> {
  const load = await startLoad(srv, `/api/tasks?project=${encodeURIComponent(seeded.project)}&limit=${PAGE_LIMIT}`, opts.busyClients);
  try {
    const loadStart = wallNow();
    await sleep(opts.loadMs);
    const burstStart = wallNow();
    const answers = await Promise.all(Array.from({ length: opts.burst }, () => newConnectionGet(srv, `/api/tasks/${seeded.taskId}`)));
    const burstEnd = Math.max(...answers.map((a) => a.answeredAt));
    const counts = await load.stop();
    const within = (from: number, to: number) => counts.times.filter((t) => t >= from && t <= to).length;
    const burstStatuses: Record<string, number> = {};
    for (const a of answers) burstStatuses[a.status] = (burstStatuses[a.status] ?? 0) + 1;
    return {
      latencies: answers.map((a) => a.ms),
      burstStatuses,
      busyStatuses: counts.statuses,
      busyFailures: counts.failures,
      busyReconnects: counts.reconnects,
      servedBefore: within(loadStart, burstStart),
      servedDuringBurst: within(burstStart, burstEnd),
      loadMs: burstStart - loadStart,
      burstMs: burstEnd - burstStart,
    };
  } finally {
    load.kill();
  }
}

export interface AcceptSide {
  p50: number;
  p99: number;
  max: number;
  /** Busy clients' answers/s before the burst and while it waited, over every round. */
  busyBeforePerSecond: number;
  busyDuringPerSecond: number;
  /** Answers other than 200 (burst and busy), failed requests and reopened busy connections: 0 expected. */
  notOk: number;
}

export interface AcceptFigures {
  busyClients: number;
  burst: number;
  rounds: number;
  off: AcceptSide;
  fair: AcceptSide;
}

function side(results: BurstResult[]): AcceptSide {
  const latencies = results.flatMap((r) => r.latencies);
  const sum = (f: (r: BurstResult) => number) => results.reduce((n, r) => n + f(r), 0);
  const not200 = (statuses: Record<string, number>) => Object.entries(statuses).reduce((n, [status, count]) => n + (status === '200' ? 0 : count), 0);
  return {
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: Math.max(...latencies),
    busyBeforePerSecond: (sum((r) => r.servedBefore) / sum((r) => r.loadMs)) * 1000,
    busyDuringPerSecond: (sum((r) => r.servedDuringBurst) / sum((r) => r.burstMs)) * 1000,
    notOk: sum((r) => not200(r.burstStatuses) + not200(r.busyStatuses) + r.busyFailures + r.busyReconnects),
  };
}

function printTable(f: AcceptFigures): void {
  const rows: Array<[string, (s: AcceptSide) => number]> = [
    ['burst: connect to answer, p50 (ms)', (s) => s.p50],
    ['burst: p99 (ms)', (s) => s.p99],
    ['burst: max (ms)', (s) => s.max],
    ['busy answers/s before the burst', (s) => s.busyBeforePerSecond],
    ['busy answers/s while the burst waited', (s) => s.busyDuringPerSecond],
  ];
  console.log(`${''.padEnd(40)} ${'off'.padStart(9)} ${'fair'.padStart(9)} ${'fair/off'.padStart(9)}`);
  for (const [label, get] of rows) {
    const [off, fair] = [get(f.off), get(f.fair)];
    console.log(`${label.padEnd(40)} ${off.toFixed(0).padStart(9)} ${fair.toFixed(0).padStart(9)} ${(fair / off).toFixed(2).padStart(8)}x`);
  }
  console.log(`answers other than 200, failed requests, reopened busy connections: off ${f.off.notOk}, fair ${f.fair.notOk}`);
}

/** Prints and returns the figures of both servers, side by side. */
export async function benchAccept(): Promise<AcceptFigures> {
  console.log(`\nnew connections under load: a burst of ${BURST} new connections while ${BUSY_CLIENTS} kept-alive clients loop a page of ${PAGE_LIMIT} tasks (${TASKS} in the project); MAESTRO_TURN_BUDGET_MS=off vs the default, ${ROUNDS} rounds`);
  const servers = { off: await startServeProcess({ MAESTRO_TURN_BUDGET_MS: 'off' }), fair: await startServeProcess() };
  try {
    const seeded = { off: await seedTasks(servers.off, 'accept', TASKS), fair: await seedTasks(servers.fair, 'accept', TASKS) };
    // Not counted: a first run warms up both servers (JIT, SQLite's cache), which the first round would pay alone.
    for (const name of ['off', 'fair'] as const) await runAcceptBurst(servers[name], seeded[name], { busyClients: BUSY_CLIENTS, burst: 10, loadMs: 500 });
    const results: Record<'off' | 'fair', BurstResult[]> = { off: [], fair: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // Alternating order, so that a machine getting busier or quieter weighs on both alike.
      for (const name of round % 2 === 0 ? (['off', 'fair'] as const) : (['fair', 'off'] as const)) {
        const r = await runAcceptBurst(servers[name], seeded[name], { busyClients: BUSY_CLIENTS, burst: BURST, loadMs: LOAD_MS });
        results[name].push(r);
        console.log(
          `  round ${round + 1} ${name.padEnd(4)}: burst p50 ${percentile(r.latencies, 0.5).toFixed(0)} ms, p99 ${percentile(r.latencies, 0.99).toFixed(0)} ms; busy answers ${r.servedBefore} in the ${r.loadMs.toFixed(0)} ms before it, ${r.servedDuringBurst} in the ${r.burstMs.toFixed(0)} ms it took`,
        );
      }
    }
    const figures: AcceptFigures = { busyClients: BUSY_CLIENTS, burst: BURST, rounds: ROUNDS, off: side(results.off), fair: side(results.fair) };
    printTable(figures);
    return figures;
  } finally {
    await Promise.all([servers.off.stop(), servers.fair.stop()]);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await benchAccept();
