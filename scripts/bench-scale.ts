/**
 * Flat costs at scale (issue 13): what create, get, update, a filtered list, a page of the list, a search, queue
 * claim (and complete) and report cost at 100k tasks, against an empty database, measured side by side in one run.
 *
 * Three databases, each a real file opened by the real service:
 * - empty: the measured project holds one page (50) of tasks, shaped as the 100k side's;
 * - 100k tasks: the measured project already holds 100k tasks (half done, trees of ten, some dependencies);
 * - 100k done elsewhere: another project holds 100k done tasks, drained through a finished queue session
 *   (its queue items and timeline), the measured project holds the same page as the empty side's.
 * So a page of the list, and a task picked among the project's, are the same kind of task on every side.
 * The 100k rows are written straight to SQLite (one transaction, prepared statements), not through the API.
 * Then every database gets the same few tasks and sessions through the operations, and each operation runs
 * `ROUNDS` times in every database in turn (interleaved, so the machine's ups and downs hit all three alike).
 * Printed: the p50 of each and the ratio to the empty database, against the 1.2x target.
 * scripts/bench.ts calls `benchScale()`; `node dist/scripts/bench-scale.js` runs it alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { USER } from '../src/core/access.js';
import { newId, newToken } from '../src/core/ids.js';
import { executeOp } from '../src/core/operations.js';
import { MaestroService } from '../src/core/service.js';
import type { Session, Task } from '../src/core/types.js';
import { MaestroClient } from '../src/http/client.js';
import { startServer, type RunningServer } from '../src/http/server.js';
import { createLogger } from '../src/log/logger.js';
import { readSecret } from '../src/security/secret.js';
import { percentile } from './bench-slow-clients.js';

const ROWS = Number(process.env.BENCH_SCALE_TASKS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_SCALE_ROUNDS ?? 400);
const WARMUP = 30;
const TARGET = 1.2;
/** Items queued at any time: a claim's cost follows its queue's length (the waiting count reads every queued item), kept alike. */
const QUEUED = 20;
const PROJECT = 'bench';
/** task_list's default page: the tasks every side starts its measured project with (see `side`). */
const PAGE = 50;

type Kind = 'empty' | 'tasks' | 'done';

interface Side {
  kind: Kind;
  label: string;
  home: string;
  svc: MaestroService;
  /** How the operations are called: in process (executeOp), then over REST (the same calls through the HTTP API). */
  exec: (name: string, input: unknown) => Promise<unknown>;
  server?: RunningServer;
  /** Tasks of the measured project that get and update pick from (the bulk ones, then those created here). */
  pool: string[];
  /** The tasks created in this run, the same number on every side (what agents mostly touch: work under way). */
  recent: string[];
  parent: string;
  queue: string;
  /** Tasks put in the queue one per round, after its claim and complete, so that it stays `QUEUED` long. */
  refill: string[];
  worker: string;
  times: Map<string, number[]>;
}

/** xorshift: the same picks in every run. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return ((x >>> 0) % 1_000_000) / 1_000_000;
  };
}

const iso = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();

/** `rows` tasks in `projectId`, written in one transaction: done ones, todo ones, trees of ten, a chain of dependencies here and there. */
function bulkTasks(svc: MaestroService, projectId: string, allDone: boolean, finishedSession?: string, rows = ROWS): string[] {
  const db = svc.db;
  const ids: string[] = [];
  const task = db.prepare(
    `INSERT INTO tasks (id, project_id, parent_id, title, description, status, priority, seq, created_at, updated_at, completed_at, merged_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const dep = db.prepare(`INSERT INTO task_dependencies (task_id, depends_on_id, until) VALUES (?, ?, 'done')`);
  const item = db.prepare(`INSERT INTO queue_items (session_id, task_id, position, state, started_at, completed_at) VALUES (?, ?, ?, 'done', ?, ?)`);
  const event = db.prepare(`INSERT INTO timeline (session_id, kind, message, task_id, data_json, created_at) VALUES (?, 'complete', ?, ?, NULL, ?)`);
  const priorities = ['low', 'medium', 'high', 'critical'];
  const base = (db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM tasks').get() as { s: number }).s;
  db.transaction(() => {
    for (let i = 0; i < rows; i++) {
      const id = newId('tsk');
      const done = allDone || i % 2 === 0;
      const at = iso(i);
      const parent = i % 10 === 0 ? null : ids[i - (i % 10)]!;
      task.run(id, projectId, parent, `task ${i}`, `what task ${i} is about`, done ? 'done' : 'todo', priorities[i % 4], base + i + 1, at, at, done ? at : null, done ? at : null);
      if (!allDone && i % 5 === 3) dep.run(id, ids[i - 1]!);
      if (finishedSession) {
        item.run(finishedSession, id, i, at, at);
        event.run(finishedSession, `completed task ${i}`, id, at);
      }
      ids.push(id);
    }
  })();
  return ids;
}

const call = <T>(svc: MaestroService, name: string, input: unknown) => executeOp(svc, USER, name, input) as Promise<T>;
const run = <T>(s: Side, name: string, input: unknown) => s.exec(name, input) as Promise<T>;

async function side(kind: Kind, label: string): Promise<Side> {
  const home = mkdtempSync(join(tmpdir(), `maestro-bench-scale-${kind}-`));
  const svc = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:9' });
  const project = svc.projects.create({ name: PROJECT, workingDir: home });
  let pool: string[] = [];
  if (kind === 'tasks') pool = bulkTasks(svc, project.id, false);
  // One page of the same tasks, so that a page (and a task picked from the pool) is the same kind of task on
  // every side: the ratio is then the cost of the 99,950 others, not of tasks with more to load.
  if (kind === 'empty' || kind === 'done') pool = bulkTasks(svc, project.id, false, undefined, PAGE);
  if (kind === 'done') {
    const old = svc.projects.create({ name: 'finished-work', workingDir: home });
    const session = newId('ses');
    svc.db
      .prepare(
        `INSERT INTO sessions (id, project_id, name, role, strategy, status, token, created_at, updated_at)
         VALUES (?, ?, 'drained queue', 'worker', 'queue', 'completed', ?, ?, ?)`,
      )
      .run(session, old.id, newToken(), iso(0), iso(ROWS));
    bulkTasks(svc, old.id, true, session);
  }
  // The same few things everywhere, through the operations.
  const mk = (title: string, extra: Record<string, unknown> = {}) => call<Task>(svc, 'task.create', { project: PROJECT, title, ...extra });
  const parent = await mk('a parent');
  for (let i = 0; i < 5; i++) await mk(`child ${i}`, { parentId: parent.id });
  for (let i = 0; i < 5; i++) await call(svc, 'task.update', { taskId: (await mk(`blocked ${i}`)).id, status: 'blocked' });
  const queued: string[] = [];
  for (let i = 0; i < 2 * (ROUNDS + WARMUP) + QUEUED; i++) queued.push((await mk(`queued ${i}`)).id);
  const { session: queue } = await call<{ session: Session }>(svc, 'session.spawn', { project: PROJECT, strategy: 'queue', taskIds: queued.slice(0, QUEUED) });
  const own = await mk('the worker task');
  const { session: worker } = await call<{ session: Session }>(svc, 'session.spawn', { project: PROJECT, taskIds: [own.id] });
  pool.push(parent.id, own.id);
  return { kind, label, home, svc, exec: (name, input) => call(svc, name, input), pool, recent: [], parent: parent.id, queue: queue.id, refill: queued.slice(QUEUED), worker: worker.id, times: new Map() };
}

interface Op {
  label: string;
  /** A yardstick, not one of ours: raw SQLite on the same database, in process only, held to no target. */
  reference?: boolean;
  run: (s: Side, i: number, pick: () => number) => Promise<unknown>;
  /** Run after it, not timed. */
  then?: (s: Side, i: number) => Promise<unknown>;
}

const OPS: Op[] = [
  {
    label: 'task create',
    run: async (s, i) => {
      const { id } = await run<Task>(s, 'task.create', { project: PROJECT, title: `new ${i}`, description: 'made by the bench' });
      s.pool.push(id);
      s.recent.push(id);
    },
  },
  {
    label: 'task get (any in project)',
    run: (s, _i, pick) => run(s, 'task.get', { taskId: s.pool[Math.floor(pick() * s.pool.length)]! }),
  },
  // SQLite's own cost of finding one row among 100k (picked alike): its B-tree is deeper, its pages miss the CPU's caches.
  {
    label: '  raw SQLite: a row by id',
    reference: true,
    run: async (s, _i, pick) => s.svc.store.prepare('SELECT * FROM tasks WHERE id = ?').get(s.pool[Math.floor(pick() * s.pool.length)]!),
  },
  { label: 'task get (a recent one)', run: (s, _i, pick) => run(s, 'task.get', { taskId: s.recent[Math.floor(pick() * s.recent.length)]! }) },
  {
    label: 'task update (any, title)',
    run: (s, i, pick) => run(s, 'task.update', { taskId: s.pool[Math.floor(pick() * s.pool.length)]!, title: `renamed ${i}` }),
  },
  { label: 'task list (a parent: 5)', run: (s) => run(s, 'task.list', { project: PROJECT, parentId: s.parent }) },
  { label: 'task list (blocked: 5)', run: (s) => run(s, 'task.list', { project: PROJECT, status: ['blocked'] }) },
  // A page of the whole project (task_list's default 50) and a search that finds 5: at 100k, an index in seq
  // order and the full-text index answer them, never a read of every task.
  { label: 'task list (page of 50)', run: (s) => run(s, 'task.list', { project: PROJECT }) },
  { label: 'task list (search: 5 found)', run: (s) => run(s, 'task.list', { project: PROJECT, search: 'blocked' }) },
  { label: 'queue claim (queue_start)', run: (s) => run(s, 'queue.start', { sessionId: s.queue }) },
  {
    label: 'queue complete',
    run: (s) => run(s, 'queue.complete', { sessionId: s.queue }),
    then: (s) => run(s, 'queue.add', { sessionId: s.queue, taskIds: [s.refill.shift()!] }),
  },
  { label: 'report progress', run: (s, i) => run(s, 'report.progress', { sessionId: s.worker, message: `step ${i}` }) },
];

/** What scripts/bench.ts's summary shows: the highest ratio of the run and where it was. */
export interface ScaleFigures {
  target: number;
  worst: { ratio: number; what: string };
  /** The raw SQLite yardstick's ratio at 100k tasks (what SQLite alone pays for the larger table). */
  rawRatio: number;
  misses: string[];
}
const worst = { ratio: 0, what: '' };
let rawRatio = Number.NaN;

/** Every operation `ROUNDS` times (after `WARMUP`) on every side in turn; prints the p50s and their ratios to the empty side. */
async function pass(sides: Side[], how: string, withReferences: boolean): Promise<string[]> {
  const ops = OPS.filter((op) => withReferences || !op.reference);
  // The same random picks on every side (each side its own generator, seeded alike).
  const picks = new Map(sides.map((s) => [s.kind, rng(0x5eed)]));
  // The yardsticks draw from their own: ours then get the same picks with or without them.
  const referencePicks = new Map(sides.map((s) => [s.kind, rng(0xbee5)]));
  for (const s of sides) s.times.clear();
  for (let round = 0; round < ROUNDS + WARMUP; round++)
    for (const op of ops)
      for (let k = 0; k < sides.length; k++) {
        const s = sides[(round + k) % sides.length]!; // who goes first turns round
        const t = performance.now();
        await op.run(s, round, (op.reference ? referencePicks : picks).get(s.kind)!);
        const ms = performance.now() - t;
        await op.then?.(s, round);
        if (round < WARMUP) continue;
        if (!s.times.has(op.label)) s.times.set(op.label, []);
        s.times.get(op.label)!.push(ms);
      }
  const [empty, ...others] = sides as [Side, Side, Side];
  const cell = (ms: number) => `${ms.toFixed(3)} ms`.padStart(10);
  console.log(`scale: ${how}: p50 of ${ROUNDS} calls each (the queue ${QUEUED} items long), ratio to the empty database; target <= ${TARGET}x`);
  console.log(`  ${'operation'.padEnd(28)}${'empty'.padStart(10)}${others.map((o) => `${o.label.padStart(22)}${'ratio'.padStart(12)}`).join('')}`);
  const misses: string[] = [];
  for (const op of ops) {
    const base = percentile(empty.times.get(op.label)!, 0.5);
    const cols = others.map((o) => {
      const p50 = percentile(o.times.get(op.label)!, 0.5);
      const ratio = p50 / base;
      if (op.reference) {
        if (o.kind === 'tasks') rawRatio = ratio;
        return `${cell(p50).padStart(22)}${`${ratio.toFixed(2)}x ref`.padStart(12)}`;
      }
      if (ratio > worst.ratio) Object.assign(worst, { ratio, what: `${op.label} at ${o.label}, ${how}` });
      if (ratio > TARGET) misses.push(`${op.label} at ${o.label} (${ratio.toFixed(2)}x)`);
      return `${cell(p50).padStart(22)}${`${ratio.toFixed(2)}x ${ratio <= TARGET ? 'ok' : 'OVER'}`.padStart(12)}`;
    });
    console.log(`  ${op.label.padEnd(28)}${cell(base)}${cols.join('')}`);
  }
  return misses.map((m) => `${m} (${how})`);
}

export async function benchScale(): Promise<ScaleFigures> {
  const built = performance.now();
  const sides: Side[] = [];
  try {
    sides.push(await side('empty', 'empty'));
    sides.push(await side('tasks', `${ROWS / 1000}k tasks`));
    sides.push(await side('done', `${ROWS / 1000}k done elsewhere`));
    console.log(`scale: three databases built in ${((performance.now() - built) / 1000).toFixed(1)} s (${ROWS} rows bulk-inserted in one transaction each)`);
    const misses = await pass(sides, 'in process (executeOp)', true);
    for (const s of sides) {
      s.server = await startServer({ svc: s.svc, port: 0, logger: createLogger('bench-scale', 'silent') });
      const client = new MaestroClient({ baseUrl: s.server.url, secret: readSecret(s.home)! });
      s.exec = (name, input) => client.call(name as never, input as never);
    }
    misses.push(...(await pass(sides, 'over REST (MaestroClient, one caller)', false)));
    console.log(misses.length === 0 ? `scale: every ratio within ${TARGET}x` : `scale: over ${TARGET}x: ${misses.join(', ')}`);
    return { target: TARGET, worst: { ...worst }, rawRatio, misses };
  } finally {
    for (const s of sides) {
      await s.server?.close();
      s.svc.close();
      rmSync(s.home, { recursive: true, force: true });
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await benchScale();
