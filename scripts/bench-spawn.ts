/**
 * Session spawn at c=64 and task create at c=8 over REST, against a server in its own process (issue 13).
 *
 * What is timed is `POST /api/sessions`: the session recorded with its task and its manifest written, as
 * the original's `POST /api/sessions` records a session without starting a terminal. The server runs
 * without the supervisor (no tmux, no agent): starting an agent is the agent's time, not the server's,
 * and 64 real agents at once would measure the machine. The server is a child process so that the 64
 * clients' own work (JSON, sockets) does not share its event loop.
 *
 * `node dist/scripts/bench-spawn.js` runs it alone; `BENCH_SERVER_DIST=/tmp/dist-before` runs the server
 * from another build (a copy of dist/ with package.json and a node_modules link beside it) in the same
 * run, for a before/after; `BENCH_CPU_PROF_DIR=dir` writes the server's CPU profile there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { percentile } from './bench-slow-clients.js';

const SPAWNS = Number(process.env.BENCH_SPAWNS ?? 1000);
const SPAWN_CONCURRENCY = 64;
const TASK_CREATES = Number(process.env.BENCH_TASK_CREATES ?? 2000);
const TASK_CONCURRENCY = 8;
/**
 * The original's spawn p50 at c=64 on the issue's machine (issue 13). It is not run here: its server
 * (raghavared/agent-maestro, maestro-server/) needs packages this project does not have (compression,
 * helmet, yaml) and a TypeScript build of its own.
 */
export const ORIGINAL_SPAWN_P50_MS = 37;

const THIS_DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface Latencies {
  count: number;
  ms: number;
  perSecond: number;
  p50: number;
  p99: number;
}

/** p50/p99 and throughput of `count` calls of `fn`, `concurrency` at a time. */
export async function timeCalls(count: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<Latencies> {
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        await fn(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const ms = performance.now() - start;
  return { count, ms, perSecond: (count / ms) * 1000, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

export const formatLatencies = (label: string, l: Latencies): string =>
  `${label.padEnd(44)} ${String(l.count).padStart(6)} ops  ${l.ms.toFixed(0).padStart(6)} ms  ${l.perSecond.toFixed(0).padStart(8)} ops/s  p50 ${l.p50.toFixed(2)} ms  p99 ${l.p99.toFixed(2)} ms`;

/**
 * CPU time a process has used, in ms (utime + stime from /proc; Linux only, NaN elsewhere): of its main
 * thread (the event loop every request waits for) and of all its threads (libuv's pool included). Unlike
 * latency, these do not grow when other programs share the machine.
 */
export function cpuMs(pid: number): { main: number; all: number } {
  const read = (file: string) => {
    try {
      const fields = readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
    } catch {
      return NaN;
    }
  };
  return { main: read(`/proc/${pid}/task/${pid}/stat`), all: read(`/proc/${pid}/stat`) };
}
/** USER_HZ: 100 on every Linux Node runs on. */
const CLOCK_TICKS = 100;

export interface BenchServer {
  url: string;
  home: string;
  child: ChildProcess;
  /** A JSON request as the owner; a status other than `expect` throws with the body. */
  api(method: string, path: string, body?: unknown, expect?: number): Promise<any>;
  stop(): Promise<void>;
}

/**
 * A Maestro server without the supervisor in a child process, on a fresh home and an ephemeral port.
 * `distDir` is the build it runs (default: this one).
 */
export async function startBenchServer(opts: { distDir?: string; cpuProfDir?: string } = {}): Promise<BenchServer> {
  const home = mkdtempSync(join(tmpdir(), 'maestro-bench-srv-'));
  const script = join(opts.distDir ?? THIS_DIST, 'scripts', 'bench-spawn.js');
  const nodeArgs = opts.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProfDir] : [];
  if (opts.cpuProfDir) mkdirSync(opts.cpuProfDir, { recursive: true });
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MAESTRO_')));
  const child = spawn(process.execPath, [...nodeArgs, script, 'serve', home], {
    env: { ...clean, MAESTRO_HOME: home },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = await new Promise<{ url: string; secret: string }>((resolveReady, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += String(d);
      const m = /^READY (\S+) (\S+)$/m.exec(out);
      if (m) resolveReady({ url: m[1]!, secret: m[2]! });
    });
    child.once('exit', (code) => reject(new Error(`bench server exited (${code}) before it was ready`)));
  });
  const api = async (method: string, path: string, body?: unknown, expect = method === 'POST' ? 201 : 200) => {
    const res = await fetch(ready.url + path, {
      method,
      headers: { authorization: `Bearer ${ready.secret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== expect) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : null;
  };
  return {
    url: ready.url,
    home,
    child,
    api,
    stop: async () => {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await gone;
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** The child's side: serve until SIGTERM, then close (so that a CPU profile is written). */
async function serveChild(home: string): Promise<void> {
  const { startMaestro } = await import(pathToFileURL(join(THIS_DIST, 'src', 'app.js')).href);
  const { createLogger } = await import(pathToFileURL(join(THIS_DIST, 'src', 'log', 'logger.js')).href);
  const { readSecret } = await import(pathToFileURL(join(THIS_DIST, 'src', 'security', 'secret.js')).href);
  const running = await startMaestro({ home, port: 0, supervisor: false, logger: createLogger('bench', 'silent') });
  process.stdout.write(`READY ${running.url} ${readSecret(home)}\n`);
  process.once('SIGTERM', () => {
    void running.close().then(() => process.exit(0));
  });
}

export interface SpawnFigures {
  spawn: Latencies;
  /** The server's CPU per spawn, in ms: its main thread's, and all its threads'. */
  spawnCpuMs: { main: number; all: number };
  taskCreate: Latencies;
}

/** Spawns SPAWNS sessions (one fresh task each) 64 at a time, then creates TASK_CREATES tasks 8 at a time. */
export async function measureSpawn(server: BenchServer): Promise<SpawnFigures> {
  const workingDir = join(server.home, 'work');
  mkdirSync(workingDir, { recursive: true });
  await server.api('POST', '/api/projects', { name: 'spawn', workingDir });
  const warmup = SPAWN_CONCURRENCY;
  const taskIds: string[] = [];
  await timeCalls(SPAWNS + warmup, 8, async (i) => {
    taskIds[i] = (await server.api('POST', '/api/tasks', { project: 'spawn', title: `spawn task ${i}` })).id;
  });
  const spawnOne = (taskId: string) => server.api('POST', '/api/sessions', { project: 'spawn', taskIds: [taskId] });
  await timeCalls(warmup, SPAWN_CONCURRENCY, (i) => spawnOne(taskIds[i]!));
  const cpuBefore = cpuMs(server.child.pid!);
  const spawn = await timeCalls(SPAWNS, SPAWN_CONCURRENCY, (i) => spawnOne(taskIds[warmup + i]!));
  const cpuAfter = cpuMs(server.child.pid!);
  const spawnCpuMs = { main: (cpuAfter.main - cpuBefore.main) / SPAWNS, all: (cpuAfter.all - cpuBefore.all) / SPAWNS };
  const taskCreate = await timeCalls(TASK_CREATES, TASK_CONCURRENCY, (i) => server.api('POST', '/api/tasks', { project: 'spawn', title: `created ${i}` }));
  return { spawn, spawnCpuMs, taskCreate };
}

export interface SpawnBench extends SpawnFigures {
  /** The same figures from the build in BENCH_SERVER_DIST, measured in the same run, when it is set. */
  before?: SpawnFigures;
}

/** The run whose spawn p50 is the median one: a noisy moment of a shared machine moves one round, not the figure. */
const medianRun = (runs: SpawnFigures[]): SpawnFigures => [...runs].sort((a, b) => a.spawn.p50 - b.spawn.p50)[Math.floor(runs.length / 2)]!;

/**
 * Prints and returns the spawn and task-create figures. With BENCH_SERVER_DIST, that build and this one
 * take turns for BENCH_SPAWN_ROUNDS rounds (3 by default), each on a fresh server, and each reports its median round.
 */
export async function benchSpawn(): Promise<SpawnBench> {
  console.log(`\nsession spawn over REST (server process without agents; ${SPAWNS} spawns at c=${SPAWN_CONCURRENCY}, one fresh task each)`);
  const run = async (distDir: string | undefined, label: string): Promise<SpawnFigures> => {
    const profDir = process.env.BENCH_CPU_PROF_DIR;
    const server = await startBenchServer({ distDir, cpuProfDir: profDir ? join(profDir, label) : undefined });
    try {
      const figures = await measureSpawn(server);
      const cpu = figures.spawnCpuMs;
      console.log(`${formatLatencies(`${label}: POST /api/sessions c=${SPAWN_CONCURRENCY}`, figures.spawn)}  server CPU/spawn ${cpu.main.toFixed(2)} ms main thread, ${cpu.all.toFixed(2)} ms all`);
      console.log(formatLatencies(`${label}: POST /api/tasks c=${TASK_CONCURRENCY}`, figures.taskCreate));
      return figures;
    } finally {
      await server.stop();
    }
  };
  const beforeDir = process.env.BENCH_SERVER_DIST;
  const rounds = Number(process.env.BENCH_SPAWN_ROUNDS ?? (beforeDir ? 3 : 1));
  const befores: SpawnFigures[] = [];
  const afters: SpawnFigures[] = [];
  for (let round = 0; round < rounds; round++) {
    if (beforeDir) befores.push(await run(resolve(beforeDir), 'before'));
    afters.push(await run(undefined, beforeDir ? 'after' : 'http'));
  }
  const now = medianRun(afters);
  const before = beforeDir ? medianRun(befores) : undefined;
  if (before) {
    const median = (runs: SpawnFigures[], pick: (f: SpawnFigures) => number) => runs.map(pick).sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
    const cpu = (pick: (f: SpawnFigures) => number) => `${median(befores, pick).toFixed(2)} -> ${median(afters, pick).toFixed(2)} ms`;
    console.log(
      `median of ${rounds} rounds: spawn p50 ${before.spawn.p50.toFixed(1)} -> ${now.spawn.p50.toFixed(1)} ms, ${before.spawn.perSecond.toFixed(0)} -> ${now.spawn.perSecond.toFixed(0)} spawns/s; ` +
        `server CPU per spawn: main thread ${cpu((f) => f.spawnCpuMs.main)}, all threads ${cpu((f) => f.spawnCpuMs.all)}`,
    );
  }
  console.log(`spawn p50 ${now.spawn.p50.toFixed(1)} ms vs the original's ${ORIGINAL_SPAWN_P50_MS} ms (issue 13's figure, same c=64)`);
  return { ...now, before };
}

const invoked = process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invoked && process.argv[2] === 'serve') await serveChild(process.argv[3]!);
else if (invoked) await benchSpawn();
