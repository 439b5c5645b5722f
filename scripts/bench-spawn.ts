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
 *
 * `BENCH_ORIGINAL_DIR=/tmp/orig/maestro-server` also runs the original Maestro server (raghavared/agent-maestro,
 * folder maestro-server/: express 5, JSON files) in the same run, rounds alternating with ours, with the same
 * client, concurrency, counts and warm-up, each on a fresh data dir. On the original the same work is: a
 * project (`POST /api/projects`), one task each (`POST /api/tasks`), then `POST /api/sessions` with that task,
 * which records the session, adds it to the task and emits its events, without a terminal or a manifest.
 * (Its `POST /api/sessions/spawn` would also run its `maestro manifest generate` CLI as a child process per
 * session and push a spawn event to its desktop UI, which then opens the terminal: not the same request.)
 * `npm run bench` never fetches anything, so the original is built beforehand, once:
 *
 *   git clone --depth 1 https://github.com/raghavared/agent-maestro /tmp/orig/repo
 *   cp -r /tmp/orig/repo/maestro-server /tmp/orig/maestro-server
 *   (cd /tmp/orig/maestro-server && npm install --no-audit --no-fund && npx tsc)
 *   BENCH_ORIGINAL_DIR=/tmp/orig/maestro-server node dist/scripts/bench-spawn.js     # here, after our build
 *
 * Its node-pty dependency builds a native addon on install (make, g++ and python3): the server loads it at
 * start, though it only opens terminals itself with MAESTRO_PTY_HOST=server, which this bench leaves unset.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
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
 * The original's spawn p50 at c=64 on the issue's machine (issue 13): the target when the original is not
 * run beside ours (BENCH_ORIGINAL_DIR unset; it needs a build of its own, see above).
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
  const running = await startMaestro({ home, port: 0, supervisor: false, logger: createLogger('bench', 'error') });
  process.stdout.write(`READY ${running.url} ${readSecret(home)}\n`);
  process.once('SIGTERM', () => {
    void running.close().then(() => process.exit(0));
  });
}

/**
 * The original Maestro server (BENCH_ORIGINAL_DIR: its maestro-server/ folder, built) in a child process on a
 * fresh data dir and home, on a free port. Its auth is off unless MAESTRO_AUTH_ENABLED is set (and MAESTRO_*
 * variables are not passed on), so its routes take no token. Ready when `GET /health` answers.
 */
export async function startOriginalServer(dir: string): Promise<{ url: string; home: string; child: ChildProcess; stop(): Promise<void> }> {
  const entry = join(dir, 'dist', 'server.js');
  if (!existsSync(entry)) throw new Error(`BENCH_ORIGINAL_DIR: ${entry} does not exist; build the original first (see the header of scripts/bench-spawn.ts)`);
  const home = mkdtempSync(join(tmpdir(), 'maestro-bench-orig-'));
  const port = await freePort();
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MAESTRO_')));
  // Its config reads these (src/infrastructure/config/Config.ts); HOME too, since it defaults paths under ~.
  const child = spawn(process.execPath, [entry], {
    cwd: dir,
    env: {
      ...clean,
      HOME: home,
      PORT: String(port),
      HOST: '127.0.0.1',
      SERVER_URL: `http://127.0.0.1:${port}`,
      DATA_DIR: join(home, 'data'),
      SESSION_DIR: join(home, 'sessions'),
      SKILLS_DIR: join(home, 'skills'),
      LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    }
    rmSync(home, { recursive: true, force: true });
  };
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) {
      rmSync(home, { recursive: true, force: true });
      throw new Error(`the original server exited (${child.exitCode}) before it was ready`);
    }
    const up = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (up) return { url, home, child, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error('the original server did not answer GET /health within 60 s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A port free right now (the original cannot listen on port 0: its config rejects it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

export interface SpawnFigures {
  spawn: Latencies;
  /** The server's CPU per spawn, in ms: its main thread's, and all its threads'. */
  spawnCpuMs: { main: number; all: number };
  taskCreate: Latencies;
}

/** One server's way of doing the measured calls: each returns once the server answered with success. */
interface SpawnTarget {
  child: ChildProcess;
  createTask(title: string): Promise<string>;
  createSession(taskId: string): Promise<unknown>;
}

/** Spawns SPAWNS sessions (one fresh task each) 64 at a time, then creates TASK_CREATES tasks 8 at a time. */
async function measureTarget(target: SpawnTarget): Promise<SpawnFigures> {
  const warmup = SPAWN_CONCURRENCY;
  const taskIds: string[] = [];
  await timeCalls(SPAWNS + warmup, 8, async (i) => {
    taskIds[i] = await target.createTask(`spawn task ${i}`);
  });
  await timeCalls(warmup, SPAWN_CONCURRENCY, (i) => target.createSession(taskIds[i]!));
  const cpuBefore = cpuMs(target.child.pid!);
  const spawn = await timeCalls(SPAWNS, SPAWN_CONCURRENCY, (i) => target.createSession(taskIds[warmup + i]!));
  const cpuAfter = cpuMs(target.child.pid!);
  const spawnCpuMs = { main: (cpuAfter.main - cpuBefore.main) / SPAWNS, all: (cpuAfter.all - cpuBefore.all) / SPAWNS };
  const taskCreate = await timeCalls(TASK_CREATES, TASK_CONCURRENCY, (i) => target.createTask(`created ${i}`));
  return { spawn, spawnCpuMs, taskCreate };
}

/** Our server: `POST /api/sessions` with the project's name and the task. */
export async function measureSpawn(server: BenchServer): Promise<SpawnFigures> {
  const workingDir = join(server.home, 'work');
  mkdirSync(workingDir, { recursive: true });
  await server.api('POST', '/api/projects', { name: 'spawn', workingDir });
  return measureTarget({
    child: server.child,
    createTask: async (title) => (await server.api('POST', '/api/tasks', { project: 'spawn', title })).id,
    createSession: (taskId) => server.api('POST', '/api/sessions', { project: 'spawn', taskIds: [taskId] }),
  });
}

/**
 * The original: its project and tasks are addressed by id; `POST /api/sessions` with `projectId` and `taskIds`
 * records the session (status idle), adds it to the task, and emits session:created and task:session_added.
 */
async function measureOriginal(dir: string): Promise<SpawnFigures> {
  const server = await startOriginalServer(dir);
  try {
    const post = async (path: string, body: unknown) => {
      const res = await fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await res.text();
      if (res.status !== 201) throw new Error(`original: POST ${path}: ${res.status} ${text.slice(0, 300)}`);
      return JSON.parse(text);
    };
    const workingDir = join(server.home, 'work');
    mkdirSync(workingDir, { recursive: true });
    const projectId: string = (await post('/api/projects', { name: 'spawn', workingDir })).id;
    return await measureTarget({
      child: server.child,
      createTask: async (title) => (await post('/api/tasks', { projectId, title })).id,
      createSession: (taskId) => post('/api/sessions', { projectId, taskIds: [taskId] }),
    });
  } finally {
    await server.stop();
  }
}

export interface SpawnBench extends SpawnFigures {
  /** The same figures from the build in BENCH_SERVER_DIST, measured in the same run, when it is set. */
  before?: SpawnFigures;
  /** The original server's spawn figures (BENCH_ORIGINAL_DIR), measured in the same run, when it is set. */
  original?: Latencies;
  /** The original's CPU per spawn, in ms (main thread, all threads), in the same run as `original`. */
  originalSpawnCpuMs?: { main: number; all: number };
  /** The original's `POST /api/tasks` at c=8. */
  originalTaskCreate?: Latencies;
}

/** The run whose spawn p50 is the median one: a noisy moment of a shared machine moves one round, not the figure. */
const medianRun = (runs: SpawnFigures[]): SpawnFigures => [...runs].sort((a, b) => a.spawn.p50 - b.spawn.p50)[Math.floor(runs.length / 2)]!;
const medianOf = (runs: SpawnFigures[], pick: (f: SpawnFigures) => number) => runs.map(pick).sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;

const printFigures = (label: string, figures: SpawnFigures) => {
  const cpu = figures.spawnCpuMs;
  console.log(`${formatLatencies(`${label}: POST /api/sessions c=${SPAWN_CONCURRENCY}`, figures.spawn)}  server CPU/spawn ${cpu.main.toFixed(2)} ms main thread, ${cpu.all.toFixed(2)} ms all`);
  console.log(formatLatencies(`${label}: POST /api/tasks c=${TASK_CONCURRENCY}`, figures.taskCreate));
};

/**
 * Prints and returns the spawn and task-create figures. With BENCH_SERVER_DIST and/or BENCH_ORIGINAL_DIR, those
 * servers and this build take turns for BENCH_SPAWN_ROUNDS rounds (3 by default), each on a fresh server (the
 * order rotating every round, so that none always runs first), and each reports its median round.
 */
export async function benchSpawn(): Promise<SpawnBench> {
  console.log(`\nsession spawn over REST (server process without agents; ${SPAWNS} spawns at c=${SPAWN_CONCURRENCY}, one fresh task each)`);
  const run = async (distDir: string | undefined, label: string): Promise<SpawnFigures> => {
    const profDir = process.env.BENCH_CPU_PROF_DIR;
    const server = await startBenchServer({ distDir, cpuProfDir: profDir ? join(profDir, label) : undefined });
    try {
      const figures = await measureSpawn(server);
      printFigures(label, figures);
      return figures;
    } finally {
      await server.stop();
    }
  };
  const beforeDir = process.env.BENCH_SERVER_DIST;
  const originalDir = process.env.BENCH_ORIGINAL_DIR;
  const rounds = Number(process.env.BENCH_SPAWN_ROUNDS ?? (beforeDir || originalDir ? 3 : 1));
  const befores: SpawnFigures[] = [];
  const afters: SpawnFigures[] = [];
  const originals: SpawnFigures[] = [];
  const turns: (() => Promise<unknown>)[] = [];
  if (originalDir) {
    turns.push(async () => {
      const figures = await measureOriginal(resolve(originalDir));
      printFigures('original', figures);
      originals.push(figures);
    });
  }
  if (beforeDir) turns.push(async () => befores.push(await run(resolve(beforeDir), 'before')));
  turns.push(async () => afters.push(await run(undefined, beforeDir ? 'after' : 'http')));
  for (let round = 0; round < rounds; round++) {
    for (let t = 0; t < turns.length; t++) await turns[(round + t) % turns.length]!();
  }
  const now = medianRun(afters);
  const before = beforeDir ? medianRun(befores) : undefined;
  if (before) {
    const cpu = (pick: (f: SpawnFigures) => number) => `${medianOf(befores, pick).toFixed(2)} -> ${medianOf(afters, pick).toFixed(2)} ms`;
    console.log(
      `median of ${rounds} rounds: spawn p50 ${before.spawn.p50.toFixed(1)} -> ${now.spawn.p50.toFixed(1)} ms, ${before.spawn.perSecond.toFixed(0)} -> ${now.spawn.perSecond.toFixed(0)} spawns/s; ` +
        `server CPU per spawn: main thread ${cpu((f) => f.spawnCpuMs.main)}, all threads ${cpu((f) => f.spawnCpuMs.all)}`,
    );
  }
  if (!originalDir) {
    console.log(`spawn p50 ${now.spawn.p50.toFixed(1)} ms vs the original's ${ORIGINAL_SPAWN_P50_MS} ms (issue 13's figure, same c=64)`);
    return { ...now, before };
  }
  const original = medianRun(originals);
  const originalSpawnCpuMs = { main: medianOf(originals, (f) => f.spawnCpuMs.main), all: medianOf(originals, (f) => f.spawnCpuMs.all) };
  const ourCpu = { main: medianOf(afters, (f) => f.spawnCpuMs.main), all: medianOf(afters, (f) => f.spawnCpuMs.all) };
  const o = original.spawn;
  const s = now.spawn;
  // Each round's two runs are minutes apart at most, so their ratio drifts less with the shared machine's load
  // than the ratio of the two medians.
  const paired = afters.map((f, i) => f.spawn.p50 / originals[i]!.spawn.p50).sort((a, b) => a - b);
  console.log(`ours/original spawn p50 round by round: ${paired.map((r) => r.toFixed(2)).join(', ')} (median ${paired[Math.floor(paired.length / 2)]!.toFixed(2)}x)`);
  console.log(
    `median of ${rounds} rounds, ours vs the original measured in this run: spawn p50 ${s.p50.toFixed(1)} vs ${o.p50.toFixed(1)} ms (${(s.p50 / o.p50).toFixed(2)}x), ` +
      `p99 ${s.p99.toFixed(1)} vs ${o.p99.toFixed(1)} ms (${(s.p99 / o.p99).toFixed(2)}x), ${s.perSecond.toFixed(0)} vs ${o.perSecond.toFixed(0)} spawns/s (${(s.perSecond / o.perSecond).toFixed(2)}x); ` +
      `server CPU per spawn ${ourCpu.all.toFixed(2)} vs ${originalSpawnCpuMs.all.toFixed(2)} ms all threads (${ourCpu.main.toFixed(2)} vs ${originalSpawnCpuMs.main.toFixed(2)} ms main thread); ` +
      `task create c=${TASK_CONCURRENCY} ${now.taskCreate.perSecond.toFixed(0)} vs ${original.taskCreate.perSecond.toFixed(0)}/s (${(now.taskCreate.perSecond / original.taskCreate.perSecond).toFixed(2)}x)`,
  );
  return { ...now, before, original: o, originalSpawnCpuMs: original.spawnCpuMs, originalTaskCreate: original.taskCreate };
}

const invoked = process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invoked && process.argv[2] === 'serve') await serveChild(process.argv[3]!);
else if (invoked) await benchSpawn();
