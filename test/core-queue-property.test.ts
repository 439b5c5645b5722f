/**
 * Queue correctness (issue 8): whatever happens to a queue session first, an agent that then keeps calling
 * queue_start and queue_complete finishes every item whose dependencies can be met.
 *
 * The rule under test is documented at the top of src/core/queue.ts. "Stranded" is defined precisely by
 * `expectedToFinish` below: at the moment the drain begins, an item is expected to finish when
 *   - its task is already done or cancelled (the queue just closes the item; a cancelled task stays cancelled), or
 *   - it is the session's current item (queue_complete finishes it whatever its dependencies), or
 *   - every dependency of its task is done, or is itself an item expected to finish whose task is not cancelled
 *     (a cancelled dependency is never met; a task outside the queue that is not done is never met by this drain).
 * After the drain every such item must be `done` with its task done (or still cancelled), every other item must
 * be `queued` with its task not done, and the last queue_start must answer `empty` or `waiting` accordingly.
 */
import { rmSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER, type Actor } from '../src/core/access.js';
import { migrate } from '../src/core/db.js';
import { MaestroError } from '../src/core/errors.js';
import { MIGRATIONS } from '../src/core/migrations.js';
import { executeOp } from '../src/core/operations.js';
import type { ReportKind, TaskStatus } from '../src/core/schemas.js';
import { MaestroService } from '../src/core/service.js';
import type { QueueStatus } from '../src/core/types.js';
import { databaseBefore } from './core-support.js';
import { tempHome } from './helpers.js';

const API = 'http://127.0.0.1:9';
const KINDS: ReportKind[] = ['progress', 'blocked', 'needs_input', 'error', 'complete'];
const STATUSES: TaskStatus[] = ['todo', 'in_progress', 'blocked', 'needs_input', 'done', 'cancelled'];
const FINISHED = (s: TaskStatus) => s === 'done' || s === 'cancelled';

let home: string;
let svc: MaestroService;
let projectSeq = 0;

/** A real SQLite file; durability (fsync per commit) is beside the point here and would only slow the runs down. */
function open(): MaestroService {
  const s = MaestroService.open({ home, apiUrl: API });
  s.db.pragma('synchronous = OFF');
  return s;
}

beforeAll(() => {
  home = tempHome('maestro-queue-prop-');
  svc = open();
});
afterAll(() => {
  svc.close();
  rmSync(home, { recursive: true, force: true });
});

function restart(): void {
  svc.close();
  svc = open();
}

// ---- the model ------------------------------------------------------------------------------------------

type Op =
  | { t: 'report'; kind: ReportKind; task: number | null }
  | { t: 'start' }
  | { t: 'skip'; reason: boolean }
  | { t: 'complete' }
  | { t: 'update'; task: number; status: TaskStatus }
  | { t: 'restart' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('report' as const), kind: fc.constantFrom(...KINDS), task: fc.option(fc.nat(), { nil: null }) }) },
  { weight: 3, arbitrary: fc.constant({ t: 'start' as const }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('skip' as const), reason: fc.boolean() }) },
  { weight: 2, arbitrary: fc.constant({ t: 'complete' as const }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('update' as const), task: fc.nat(), status: fc.constantFrom(...STATUSES) }) },
  { weight: 1, arbitrary: fc.constant({ t: 'restart' as const }) },
);

const scenarioArb = fc.record({
  tasks: fc.array(
    fc.record({ inQueue: fc.nat(3).map((n) => n !== 0), deps: fc.array(fc.nat(), { maxLength: 2 }), rank: fc.nat(100) }),
    { minLength: 1, maxLength: 6 },
  ),
  ops: fc.array(opArb, { maxLength: 24 }),
});
interface Scenario {
  tasks: Array<{ inQueue: boolean; deps: number[]; rank: number }>;
  ops: Op[];
}

let interleavings = 0;

async function runScenario({ tasks: spec, ops }: Scenario): Promise<void> {
  // a fresh home now and then keeps the database small, so every run costs the same
  if (++interleavings % 100 === 0) {
    svc.close();
    rmSync(home, { recursive: true, force: true });
    home = tempHome('maestro-queue-prop-');
    svc = open();
  }
  const projectId = svc.projects.create({ name: `p${++projectSeq}`, workingDir: home }).id;
  const ids: string[] = [];
  spec.forEach((t, i) => {
    const deps = i === 0 ? [] : [...new Set(t.deps.map((d) => ids[d % i]!))];
    ids.push(svc.tasks.create({ projectId, title: `t${i}`, dependencies: deps }).id);
  });
  const queued = spec.map((t, i) => ({ ...t, i })).filter((t, i) => t.inQueue || (i === 0 && !spec.some((s) => s.inQueue)));
  queued.sort((a, b) => a.rank - b.rank || a.i - b.i);
  const queueIds = queued.map((t) => ids[t.i]!);
  const { session } = await svc.spawn({ projectId, taskIds: queueIds, strategy: 'queue' });
  const sid = session.id;

  const tolerate = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      // queue_complete with nothing current, queue_skip with nothing left: refused, and that is all
      if (err instanceof MaestroError && err.code === 'conflict') return;
      throw err;
    }
  };
  const checkInvariants = () => {
    const items = svc.queue.list(sid);
    expect(items.filter((q) => q.state === 'in_progress').length).toBeLessThanOrEqual(1);
    // a finished item never hides open work: reopening a task puts it back in the queue
    for (const q of items) if (q.state === 'done') expect(FINISHED(q.taskStatus), `item ${q.title}`).toBe(true);
  };

  for (const op of ops) {
    switch (op.t) {
      case 'report': {
        const before = op.task === null ? snapshot(sid) : null;
        tolerate(() => svc.report(sid, op.kind, `${op.kind} report`, op.task === null ? undefined : ids[op.task % ids.length]));
        // a report without a task never changes queue state, nor the status of a task that is not the current item
        if (before) {
          const cur = before.find((q) => q.current)?.taskId;
          const others = (snap: Snap) => snap.filter((q) => q.taskId !== cur);
          expect(others(snapshot(sid))).toEqual(others(before));
          // it is about the current item: only a `complete` report (or a finished task) ends it
          const after = snapshot(sid).find((q) => q.taskId === cur);
          if (cur && op.kind !== 'complete' && !FINISHED(after!.taskStatus)) expect(after!.current).toBe(true);
        }
        break;
      }
      case 'start':
        tolerate(() => svc.queue.start(sid));
        break;
      case 'skip':
        tolerate(() => svc.queue.skip(sid, op.reason ? 'later' : undefined));
        break;
      case 'complete':
        tolerate(() => svc.queue.complete(sid, 'done'));
        break;
      case 'update':
        tolerate(() => svc.tasks.update(ids[op.task % ids.length]!, { status: op.status }));
        break;
      case 'restart':
        restart();
        break;
    }
    checkInvariants();
  }

  // ---- what must finish, computed from the state the drain starts from --------------------------------
  const startItems = svc.queue.list(sid);
  const status = new Map(ids.map((id) => [id, svc.tasks.get(id).status]));
  const depsOf = new Map(ids.map((id) => [id, svc.tasks.get(id).dependencies]));
  const expected = new Set<string>();
  for (const q of startItems) if (FINISHED(q.taskStatus) || q.state === 'in_progress') expected.add(q.taskId);
  for (let changed = true; changed; ) {
    changed = false;
    for (const q of startItems) {
      if (expected.has(q.taskId)) continue;
      const met = depsOf.get(q.taskId)!.every((d) => status.get(d) === 'done' || (expected.has(d) && status.get(d) !== 'cancelled'));
      if (met) {
        expected.add(q.taskId);
        changed = true;
      }
    }
  }

  // ---- the drain: an agent that keeps calling queue_start and queue_complete -------------------------------
  let last = svc.queue.start(sid);
  for (let guard = 0; last.item !== null; guard++) {
    expect(guard, 'the drain terminates').toBeLessThan(startItems.length * 2 + 2);
    const task = svc.tasks.get(last.item.taskId);
    // a fresh start claims the task and respects dependencies; the current item keeps whatever its agent reported
    if (!last.alreadyStarted) {
      expect(task.status).toBe('in_progress');
      for (const d of task.dependencies) expect(svc.tasks.get(d).status).toBe('done');
    } else expect(FINISHED(task.status)).toBe(false);
    svc.queue.complete(sid);
    last = svc.queue.start(sid);
  }

  const end = svc.queue.list(sid);
  for (const q of end) {
    if (expected.has(q.taskId)) {
      expect(q.state, `item ${q.title} is finished`).toBe('done');
      expect(q.taskStatus).toBe(status.get(q.taskId) === 'cancelled' ? 'cancelled' : 'done');
    } else {
      expect(q.state, `item ${q.title} waits on an unmet dependency`).toBe('queued');
      expect(q.taskStatus).not.toBe('done');
    }
  }
  expect(last.reason).toBe(expected.size === end.length ? 'empty' : 'waiting');
}

type Snap = Array<{ taskId: string; state: string; position: number; skipCount: number; taskStatus: TaskStatus; current: boolean }>;
function snapshot(sid: string): Snap {
  return svc.queue.list(sid).map((q) => ({
    taskId: q.taskId,
    state: q.state,
    position: q.position,
    skipCount: q.skipCount,
    taskStatus: q.taskStatus,
    current: q.state === 'in_progress',
  }));
}

// ---- the property -------------------------------------------------------------------------------------------

describe('queue property: no interleaving strands an item', () => {
  it('drains every item with satisfiable dependencies after thousands of random interleavings', async () => {
    const t0 = Date.now();
    await fc.assert(
      fc.asyncProperty(scenarioArb, (s) => runScenario(s)),
      { numRuns: Number(process.env.QUEUE_PROPERTY_RUNS ?? 2000) },
    );
    const seconds = (Date.now() - t0) / 1000;
    console.log(`queue property: ${interleavings} interleavings in ${seconds.toFixed(1)}s`);
    expect(interleavings).toBeGreaterThanOrEqual(Math.min(2000, Number(process.env.QUEUE_PROPERTY_RUNS ?? 2000)));
  }, 120_000);
});

// ---- plain regressions ----------------------------------------------------------------------------------------

describe('queue regressions', () => {
  let projectId: string;
  const asSession = (id: string): Actor => ({ kind: 'session', session: svc.sessions.get(id) });
  const call = (actor: Actor, op: string, input: unknown) => executeOp(svc, actor, op, input) as Promise<any>;

  beforeAll(() => {
    projectId = svc.projects.create({ name: `regress${++projectSeq}`, workingDir: home }).id;
  });

  async function queueOf(n: number, deps: (ids: string[], i: number) => string[] = () => []) {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push(svc.tasks.create({ projectId, title: `r${i}`, dependencies: deps(ids, i) }).id);
    const { session } = await svc.spawn({ projectId, taskIds: ids, strategy: 'queue' });
    return { ids, sid: session.id, me: asSession(session.id) };
  }

  async function drain(me: Actor): Promise<string[]> {
    const order: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await call(me, 'queue.start', {});
      if (!r.item) {
        expect(r.reason).toBe('empty');
        return order;
      }
      order.push(r.item.taskId);
      await call(me, 'queue.complete', {});
    }
    throw new Error('queue never drained');
  }

  it('report_progress before the first queue_start touches no queued task and the queue still drains (issue 8)', async () => {
    const { ids, sid, me } = await queueOf(3);
    const r = await call(me, 'report.progress', { message: 'looking around first' });
    expect(r.task).toBeNull();
    expect(r.event.taskId).toBeNull();
    expect(ids.map((id) => svc.tasks.get(id).status)).toEqual(['todo', 'todo', 'todo']);
    expect(svc.queue.current(sid)).toBeNull();
    expect(svc.queue.list(sid).map((q) => q.state)).toEqual(['queued', 'queued', 'queued']);
    expect(svc.currentTask(sid)).toBeNull();
    expect(await drain(me)).toEqual(ids);
    expect(ids.map((id) => svc.tasks.get(id).status)).toEqual(['done', 'done', 'done']);
  });

  it('every report kind without a task before queue_start leaves the queue alone, across a restart', async () => {
    const { ids, sid, me } = await queueOf(3, (prev, i) => (i === 2 ? [prev[0]!] : []));
    for (const kind of ['progress', 'blocked', 'needs_input', 'error'] as const) svc.report(sid, kind, kind);
    svc.report(sid, 'complete', 'nothing to complete yet');
    restart();
    expect(ids.map((id) => svc.tasks.get(id).status)).toEqual(['todo', 'todo', 'todo']);
    expect(await drain(asSession(sid))).toEqual(ids);
    void me;
  });

  it('a report without a task attaches to the current queue item', async () => {
    const { ids, sid, me } = await queueOf(2);
    await call(me, 'queue.start', {});
    const r = await call(me, 'report.blocked', { message: 'stuck' });
    expect(r.task.id).toBe(ids[0]);
    expect(svc.tasks.get(ids[0]!).status).toBe('blocked');
    expect(svc.tasks.get(ids[1]!).status).toBe('todo');
    expect((await call(me, 'queue.start', {})).alreadyStarted).toBe(true);
    expect(await drain(me)).toEqual(ids);
    void sid;
  });

  it('a queued item started by an explicit report or task_update is resumed first, blocked ones last, none stranded', async () => {
    const { ids, sid, me } = await queueOf(4);
    await call(me, 'report.progress', { message: 'on the third', taskId: ids[2] });
    svc.tasks.update(ids[0]!, { status: 'blocked' });
    expect(svc.queue.status(sid).next?.taskId).toBe(ids[2]);
    expect(await drain(me)).toEqual([ids[2], ids[1], ids[3], ids[0]]);
  });

  it('a finished task that is reopened goes back into the queue', async () => {
    const { ids, sid, me } = await queueOf(2);
    expect(await drain(me)).toEqual(ids);
    const announced: QueueStatus[] = [];
    const off = svc.bus.subscribe((e) => {
      if (e.type === 'queue.updated' && e.sessionId === sid) announced.push(e.status);
    });
    svc.tasks.update(ids[0]!, { status: 'todo' });
    off();
    expect(svc.queue.list(sid).find((q) => q.taskId === ids[0])?.state).toBe('queued');
    // watchers (the dashboard, orchestrators) hear of it, as of any other queue change
    expect(announced.map((s) => s.next?.taskId)).toEqual([ids[0]]);
    expect(await drain(me)).toEqual([ids[0]]);
  });

  it('a queue_start that changes nothing announces nothing; one that sweeps a task finished elsewhere does', async () => {
    const { ids, sid } = await queueOf(2, (ids, i) => (i === 1 ? [ids[0]!] : []));
    const other = await svc.spawn({ projectId, taskIds: [ids[0]!], strategy: 'queue' });
    expect(svc.queue.start(other.session.id).item?.taskId).toBe(ids[0]); // held elsewhere: this queue waits
    const announced: QueueStatus[] = [];
    const off = svc.bus.subscribe((e) => {
      if (e.type === 'queue.updated' && e.sessionId === sid) announced.push(e.status);
    });
    try {
      for (let i = 0; i < 3; i++) expect(svc.queue.start(sid)).toMatchObject({ item: null, reason: 'waiting' });
      expect(announced).toEqual([]);
      svc.tasks.update(ids[0]!, { status: 'cancelled' }); // finished elsewhere; ids[1] waits on it still
      expect(svc.queue.start(sid)).toMatchObject({ item: null, reason: 'waiting' });
      expect(announced.map((s) => s.counts.done)).toEqual([1]);
    } finally {
      off();
    }
  });

  it('ends a queued item when its task is finished elsewhere, or when it is queued (again) already finished; the current one at the next queue_start', async () => {
    const { ids, sid } = await queueOf(4);
    const state = (taskId: string) => svc.queue.list(sid).find((i) => i.taskId === taskId)!.state;
    svc.tasks.update(ids[3]!, { status: 'done' });
    expect(state(ids[3]!)).toBe('done'); // before any queue_start
    expect(svc.queue.start(sid).item?.taskId).toBe(ids[0]);
    svc.tasks.update(ids[0]!, { status: 'cancelled' });
    expect(state(ids[0]!)).toBe('in_progress'); // the current item: queue_complete still answers for it
    svc.queue.skip(sid); // back into the queue, its task already finished: it ends there
    expect(state(ids[0]!)).toBe('done');
    const finished = svc.tasks.create({ projectId, title: 'finished before it was queued' });
    svc.tasks.update(finished.id, { status: 'done' });
    svc.queue.add(sid, [finished.id]);
    expect(state(finished.id)).toBe('done');
    svc.tasks.update(ids[3]!, { status: 'todo' }); // reopened: back in the queue
    expect(state(ids[3]!)).toBe('queued');
    expect(svc.queue.status(sid).counts).toMatchObject({ total: 5, queued: 3, inProgress: 0, done: 2, waiting: 0 });
    expect(svc.queue.start(sid).item?.taskId).toBe(ids[1]);
  });

  it('ends, when migration 16 runs, the queued items whose tasks were finished before it', () => {
    const { db, at } = databaseBefore(16);
    db.prepare(
      `INSERT INTO sessions (id, project_id, name, role, strategy, status, token, created_at, updated_at) VALUES ('ses_old', 'prj_old', 'q', 'worker', 'queue', 'running', 'secret', ?, ?)`,
    ).run(at, at);
    const task = db.prepare(`INSERT INTO tasks (id, project_id, title, description, status, priority, seq, created_at, updated_at) VALUES (?, 'prj_old', ?, '', ?, 'medium', ?, ?, ?)`);
    const item = db.prepare(`INSERT INTO queue_items (session_id, task_id, position, state) VALUES ('ses_old', ?, ?, ?)`);
    [['tsk_done', 'done', 'queued'], ['tsk_cancelled', 'cancelled', 'queued'], ['tsk_todo', 'todo', 'queued'], ['tsk_current', 'done', 'in_progress']].forEach(([id, status, state], i) => {
      task.run(id, id, status, i + 1, at, at);
      item.run(id, i, state);
    });
    expect(migrate(db)).toBe(MIGRATIONS.length - 15);
    expect(db.prepare(`SELECT task_id, state FROM queue_items ORDER BY position`).all()).toEqual([
      { task_id: 'tsk_done', state: 'done' },
      { task_id: 'tsk_cancelled', state: 'done' },
      { task_id: 'tsk_todo', state: 'queued' },
      { task_id: 'tsk_current', state: 'in_progress' }, // its session's next queue_start sweeps it
    ]);
    db.close();
  });

  it('queue_complete and queue_skip keep a status set elsewhere on the current item', async () => {
    const { ids, sid } = await queueOf(2);
    svc.queue.start(sid);
    svc.tasks.update(ids[0]!, { status: 'cancelled' });
    svc.queue.skip(sid);
    expect(svc.tasks.get(ids[0]!).status).toBe('cancelled');
    expect(svc.queue.start(sid).item?.taskId).toBe(ids[1]);
    svc.tasks.update(ids[1]!, { status: 'cancelled' });
    svc.queue.complete(sid);
    expect(svc.tasks.get(ids[1]!).status).toBe('cancelled');
    expect(svc.queue.start(sid)).toEqual({ item: null, alreadyStarted: false, reason: 'empty' });
    void USER;
  });
});
