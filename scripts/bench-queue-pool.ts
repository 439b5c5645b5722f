/**
 * A shared pool drained by many queue sessions at once (issue 13): every task of the pool is in every
 * session's queue, and each of the sessions' clients loops queue_start -> queue_complete over REST until
 * its queue is empty, all at the same time, against a server in its own process.
 *
 * A double claim is a task claimed (or completed) by two queues: counted from the answers the clients got,
 * and again from the database afterwards (the timeline's queue starts and completes per task, and every task
 * done). It must be 0. Also: claims/s over the whole drain, and p50/p99 of queue_start.
 *
 * Each session's client is an agent of its own: one kept-alive connection (node:http, an Agent with one
 * socket), opened before the clock starts, as an agent's process holds its own. Not fetch's shared pool,
 * whose 200 connections were opened by the drain's first burst: Node's event loop (libuv 1.46) accepts one
 * new connection per turn, and under this load a turn (every request ready on the open connections, and
 * the group commit) took 100-350 ms, so connections sat in the kernel's accept queue (173 at once) for up
 * to 6 s. That wait was the 3 s p99 of queue_start, while the server's own time for one stayed under 80 ms;
 * most clients got their first answer after the last claim (half of them claimed nothing), so their sweeps
 * fell after it too, flattering claims/s, and `drainMs` waited for the last connection. Opening the 200
 * connections at once is timed on its own, before the drain (`connectMs`).
 *
 * Size: BENCH_POOL_SESSIONS (200) x BENCH_POOL_TASKS (500): 100,000 queue items, so that the whole part
 * stays under a minute on a small machine. 2,000 tasks took 3 minutes here, most of it filling the queues
 * (each spawn takes 500 task ids, and every further 500 is a queue_add answering the whole queue).
 * `node dist/scripts/bench-queue-pool.js` runs it alone; `BENCH_SERVER_DIST=/tmp/dist-before` runs the server
 * from another build (a copy of dist/ with package.json and a node_modules link beside it), for a before/after.
 */
import Database from 'better-sqlite3';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { homePaths } from '../src/core/paths.js';
import { readSecret } from '../src/security/secret.js';
import { percentile } from './bench-slow-clients.js';
import { cpuMs, formatLatencies, startBenchServer, timeCalls, type BenchServer, type Latencies } from './bench-spawn.js';

const SESSIONS = Number(process.env.BENCH_POOL_SESSIONS ?? 200);
const TASKS = Number(process.env.BENCH_POOL_TASKS ?? 500);
/** The most task ids one spawn or queue_add takes (SessionSpawnInput, QueueAddInput). */
const CHUNK = 500;
/**
 * A queue whose remaining items are all current elsewhere answers `waiting`: its client asks again this much
 * later (an agent between two tool calls takes longer; polling faster only measures the polling).
 */
const WAITING_RETRY_MS = 50;

export interface QueuePoolFigures {
  sessions: number;
  tasks: number;
  /** Tasks claimed by a second queue, or completed twice, seen in the clients' answers. */
  doubleClaimsSeen: number;
  /** The same, counted in the database afterwards; also counts tasks left undone. */
  doubleClaimsStored: number;
  tasksLeftUndone: number;
  claims: number;
  /** Claims per second until the last claim (after it, the queues only see their items finish and end). */
  claimsPerSecond: number;
  /** From the start of the drain to the last claim, and to the last queue seeing `empty`. */
  lastClaimMs: number;
  drainMs: number;
  /** The server main thread's CPU time during the drain over its wall time: near 1, the server is the limit (on a busy machine it can also be waiting for a core). */
  serverBusy: number;
  /** Creating the tasks and the sessions and filling every queue, before the drain. */
  fillMs: number;
  /** queue_start answers `waiting` (everything left is current elsewhere): asked again. */
  waits: number;
  queueStart: Latencies;
  /** queue_start by its answer: a claim, `waiting`, `empty`. */
  queueStartByAnswer: Record<'claim' | 'waiting' | 'empty', { count: number; p50: number; p99: number }>;
  /** Opening every client's connection at once (its first request, GET /health), before the drain. */
  connectMs: number;
  /** Connections opened during the drain: 0 when each client kept its own, as it should. */
  reconnects: number;
  /** Claims per client, fewest / median / most: how evenly the pool was shared. */
  claimsPerClient: { min: number; median: number; max: number };
}

/**
 * One agent's client: its own kept-alive connection to the server (as an agent's process has), JSON in
 * and out as the owner; a status other than 200 throws with the body. `connects` counts the connections
 * it had to open.
 */
class AgentClient {
  connects = 0;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private readonly target: URL;

  constructor(
    url: string,
    private readonly secret: string,
  ) {
    this.target = new URL(url);
  }

  call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<any> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.target.hostname,
          port: this.target.port,
          method,
          path,
          agent: this.agent,
          headers: { authorization: `Bearer ${this.secret}`, ...(text === undefined ? {} : { 'content-type': 'application/json' }) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const answer = Buffer.concat(chunks).toString();
            if (res.statusCode !== 200) reject(new Error(`${method} ${path}: ${res.statusCode} ${answer.slice(0, 300)}`));
            else resolve(answer ? JSON.parse(answer) : null);
          });
        },
      );
      req.on('socket', (socket) => {
        if (socket.connecting) this.connects++;
      });
      req.on('error', reject);
      req.end(text);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

const chunks = <T>(items: T[], size: number): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

async function fillPool(server: BenchServer): Promise<string[]> {
  await server.api('POST', '/api/projects', { name: 'pool', workingDir: server.home });
  const taskIds: string[] = [];
  await timeCalls(TASKS, 8, async (i) => {
    taskIds[i] = (await server.api('POST', '/api/tasks', { project: 'pool', title: `pool task ${i}` })).id;
  });
  const [first = [], ...rest] = chunks(taskIds, CHUNK);
  const sessionIds: string[] = [];
  await timeCalls(SESSIONS, 8, async (i) => {
    const { session } = await server.api('POST', '/api/sessions', { project: 'pool', strategy: 'queue', name: `pool-${i}`, taskIds: first });
    for (const more of rest) await server.api('POST', '/api/queue/add', { sessionId: session.id, taskIds: more }, 200);
    sessionIds[i] = session.id;
  });
  return sessionIds;
}

/** Counts what the database says: queue starts and completes per task on the timelines, and tasks not done. */
function storedDoubleClaims(home: string): { doubles: number; undone: number } {
  const db = new Database(homePaths(home).db, { readonly: true });
  try {
    const perTask = (action: string) =>
      (
        db
          .prepare(
            `SELECT COUNT(*) AS n FROM (SELECT task_id FROM timeline WHERE json_extract(data_json, '$.action') = ? GROUP BY task_id HAVING COUNT(*) > 1)`,
          )
          .get(action) as { n: number }
      ).n;
    const undone = (db.prepare(`SELECT COUNT(*) AS n FROM tasks WHERE status <> 'done'`).get() as { n: number }).n;
    return { doubles: perTask('start') + perTask('queue_complete'), undone };
  } finally {
    db.close();
  }
}

export async function measureQueuePool(server: BenchServer): Promise<QueuePoolFigures> {
  const fillStart = performance.now();
  const sessionIds = await fillPool(server);
  const fillMs = performance.now() - fillStart;
  const secret = readSecret(server.home);
  if (!secret) throw new Error(`no owner secret in ${server.home}`);
  const clients = sessionIds.map(() => new AgentClient(server.url, secret));
  const connectStart = performance.now();
  await Promise.all(clients.map((client) => client.call('GET', '/health')));
  const connectMs = performance.now() - connectStart;
  const claimedBy = new Map<string, string>();
  const claimsOf = new Map<string, number>(sessionIds.map((id) => [id, 0]));
  const completed = new Set<string>();
  let doubleClaimsSeen = 0;
  let waits = 0;
  let lastClaimMs = 0;
  const startLatencies: number[] = [];
  const byAnswer = { claim: [] as number[], waiting: [] as number[], empty: [] as number[] };
  const begin = performance.now();
  const cpuBefore = cpuMs(server.child.pid!).main;
  try {
    await Promise.all(
      sessionIds.map(async (sessionId, i) => {
        const client = clients[i]!;
        for (;;) {
          const t = performance.now();
          const started = await client.call('POST', '/api/queue/start', { sessionId });
          const ms = performance.now() - t;
          startLatencies.push(ms);
          if (!started.item) {
            byAnswer[started.reason === 'empty' ? 'empty' : 'waiting'].push(ms);
            if (started.reason === 'empty') return;
            waits++;
            await new Promise((r) => setTimeout(r, WAITING_RETRY_MS));
            continue;
          }
          const taskId: string = started.item.taskId;
          if (!started.alreadyStarted) {
            byAnswer.claim.push(ms);
            if (claimedBy.has(taskId)) doubleClaimsSeen++;
            claimedBy.set(taskId, sessionId);
            claimsOf.set(sessionId, claimsOf.get(sessionId)! + 1);
            lastClaimMs = performance.now() - begin;
          }
          const done = await client.call('POST', '/api/queue/complete', { sessionId });
          if (completed.has(done.taskId)) doubleClaimsSeen++;
          completed.add(done.taskId);
        }
      }),
    );
  } finally {
    clients.forEach((client) => client.close());
  }
  const drainMs = performance.now() - begin;
  const serverBusy = (cpuMs(server.child.pid!).main - cpuBefore) / drainMs;
  const stored = storedDoubleClaims(server.home);
  const perClient = [...claimsOf.values()].sort((a, b) => a - b);
  const summary = (values: number[]) => ({ count: values.length, p50: percentile(values, 0.5), p99: percentile(values, 0.99) });
  return {
    sessions: SESSIONS,
    tasks: TASKS,
    doubleClaimsSeen,
    doubleClaimsStored: stored.doubles,
    tasksLeftUndone: stored.undone,
    claims: claimedBy.size,
    claimsPerSecond: (claimedBy.size / lastClaimMs) * 1000,
    lastClaimMs,
    drainMs,
    serverBusy,
    fillMs,
    waits,
    queueStart: { count: startLatencies.length, ms: drainMs, perSecond: (startLatencies.length / drainMs) * 1000, p50: percentile(startLatencies, 0.5), p99: percentile(startLatencies, 0.99) },
    queueStartByAnswer: { claim: summary(byAnswer.claim), waiting: summary(byAnswer.waiting), empty: summary(byAnswer.empty) },
    connectMs,
    // each client's first request (the warm-up) opened its connection; any further one is a reconnect
    reconnects: clients.reduce((n, client) => n + client.connects, 0) - clients.length,
    claimsPerClient: { min: perClient[0] ?? 0, median: perClient[Math.floor(perClient.length / 2)] ?? 0, max: perClient.at(-1) ?? 0 },
  };
}

/** Prints and returns the pool's figures. */
export async function benchQueuePool(): Promise<QueuePoolFigures> {
  console.log(`\nqueue pool over REST: ${SESSIONS} queue sessions x ${TASKS} shared tasks (${SESSIONS * TASKS} queue items), all draining at once`);
  const profDir = process.env.BENCH_CPU_PROF_DIR;
  const server = await startBenchServer({ distDir: process.env.BENCH_SERVER_DIST, cpuProfDir: profDir ? join(profDir, 'queue-pool') : undefined });
  try {
    const f = await measureQueuePool(server);
    console.log(`${SESSIONS} clients' connections opened at once in ${f.connectMs.toFixed(0)} ms (before the drain; ${f.reconnects} reopened during it)`);
    console.log(formatLatencies(`POST /api/queue/start (c=${SESSIONS})`, f.queueStart));
    const answers = Object.entries(f.queueStartByAnswer).map(([answer, l]) => `${answer} ${l.count}: p50 ${l.p50.toFixed(1)} p99 ${l.p99.toFixed(1)} ms`);
    const share = f.claimsPerClient;
    console.log(`  by answer: ${answers.join('; ')}; claims per client ${share.min} / ${share.median} / ${share.max} (fewest / median / most)`);
    console.log(
      `fill ${f.fillMs.toFixed(0)} ms; drain: ${f.claims} claims in ${f.lastClaimMs.toFixed(0)} ms = ${f.claimsPerSecond.toFixed(0)} claims/s, every queue empty after ${f.drainMs.toFixed(0)} ms (server main-thread CPU ${(f.serverBusy * 100).toFixed(0)}% of that); ${f.waits} 'waiting' answers; ` +
        `double claims ${f.doubleClaimsSeen} seen, ${f.doubleClaimsStored} stored; ${f.tasksLeftUndone} tasks left undone`,
    );
    return f;
  } finally {
    await server.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await benchQueuePool();
