/**
 * The report state machine, pinned (issue 10): every report kind, from every task status and every session
 * status, in every situation that changes what a report means (its own task named or implied, another
 * session's task, a queue before and after queue_start, no task at all), driven through the real service on
 * a real SQLite file. Each case checks the task's next status and assignee, the session's next status, the
 * queue items, the value `report` returns and the timeline events it appends, against the rules below,
 * which were checked against the service before its report logic became a transition table
 * (src/core/report-transitions.ts).
 *
 * Set REPORT_TRANSITIONS_DUMP=<file> to also write every case's observed outcome (statuses, timeline and
 * bus events, with ids replaced by labels) as JSON, to compare two versions of the code case by case.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../src/core/access.js';
import { SESSION_STATUSES, TASK_STATUSES } from '../src/core/constants.js';
import { executeOp } from '../src/core/operations.js';
import type { ReportKind, SessionStatus, TaskStatus } from '../src/core/schemas.js';
import { MaestroService } from '../src/core/service.js';
import { tempHome } from './helpers.js';

const KINDS: ReportKind[] = ['progress', 'complete', 'blocked', 'needs_input', 'error'];

let home: string;
let svc: MaestroService;
let projectId: string;
const dump: unknown[] = [];

/** A fresh home and database for each test: the tables stay small, the runs fast. */
beforeEach(() => {
  home = tempHome('maestro-report-transitions-');
  svc = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:9' });
  svc.db.pragma('synchronous = OFF'); // durability is beside the point here
  projectId = svc.projects.create({ name: 'transitions', workingDir: home }).id;
});
afterEach(() => {
  svc.close();
  rmSync(home, { recursive: true, force: true });
});
afterAll(() => {
  if (process.env.REPORT_TRANSITIONS_DUMP) writeFileSync(process.env.REPORT_TRANSITIONS_DUMP, `${JSON.stringify(dump, null, 1)}\n`);
});

// ---- the rules (today's behaviour) -------------------------------------------------------------------------

/** The task status a report moves its task to; a progress report never reopens a done task, an error moves nothing. */
function expectedTask(kind: ReportKind, from: TaskStatus): TaskStatus {
  switch (kind) {
    case 'progress':
      return from === 'done' ? 'done' : 'in_progress';
    case 'complete':
      return 'done';
    case 'blocked':
      return 'blocked';
    case 'needs_input':
      return 'needs_input';
    case 'error':
      return from;
  }
}

/**
 * The session status after a report: a failed or stopped session stays so; progress runs, blocked blocks,
 * needs_input waits (until the next progress), an error changes nothing; complete about the session's own work
 * (or no task) completes it when no open work is left and keeps it running otherwise, and about another
 * session's task (an orchestrator closing a subtask) leaves it alone.
 */
function expectedSession(kind: ReportKind, from: SessionStatus, ownWork: boolean, openWorkLeft: boolean): SessionStatus {
  if (from === 'failed' || from === 'stopped') return from;
  switch (kind) {
    case 'progress':
      return 'running';
    case 'blocked':
      return 'blocked';
    case 'needs_input':
      return 'needs_input';
    case 'error':
      return from;
    case 'complete':
      if (!ownWork) return from;
      return openWorkLeft ? 'running' : 'completed';
  }
}

const DEFAULT_REASON: Partial<Record<SessionStatus, string>> = { completed: 'finished', needs_input: 'needs_input' };

// ---- the situations ------------------------------------------------------------------------------------------

interface Setup {
  sid: string;
  /** The task id passed to `report`, if any. */
  taskId?: string;
  /** The task the report is about: named, or implied by the session's current work; null for none. */
  target: string | null;
  /** Whether that task is the session's own work (no task counts as its own). */
  ownWork: boolean;
  /** Whether the session still has open work once a complete report has finished the target. */
  openWorkLeft: boolean;
  /** Every task whose status, assignee and queue items the case watches, by label. */
  labels: Record<string, string>;
  /** Other sessions, by label (to name them in the outcome). */
  others?: Record<string, string>;
  /** Runs after the report: the queue must still drain (no deadlock). */
  drains?: boolean;
}

const task = (title: string, status: TaskStatus = 'todo') => {
  const t = svc.tasks.create({ projectId, title });
  if (status !== 'todo') svc.tasks.update(t.id, { status });
  return t.id;
};

async function session(taskIds: string[], strategy: 'simple' | 'queue' = 'simple'): Promise<string> {
  return (await svc.spawn({ projectId, taskIds, strategy })).session.id;
}

const setSession = (sid: string, status: SessionStatus) => {
  if (status !== 'spawning') svc.sessions.setStatus(sid, status);
};

const OPEN = (s: TaskStatus) => s !== 'done' && s !== 'cancelled';

interface Scenario {
  name: string;
  /** Task statuses to try the target from (null: the scenario has no task to vary). */
  taskStatuses: readonly (TaskStatus | null)[];
  setup(taskFrom: TaskStatus | null, sessionFrom: SessionStatus): Promise<Setup>;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'simple session, its only task named',
    taskStatuses: TASK_STATUSES,
    async setup(from, sessionFrom) {
      const T = task('T', from!);
      const sid = await session([T]);
      setSession(sid, sessionFrom);
      return { sid, taskId: T, target: T, ownWork: true, openWorkLeft: false, labels: { T } };
    },
  },
  {
    name: 'simple session, one of two tasks named (the other still todo)',
    taskStatuses: TASK_STATUSES,
    async setup(from, sessionFrom) {
      const T = task('T', from!);
      const U = task('U');
      const sid = await session([T, U]);
      setSession(sid, sessionFrom);
      return { sid, taskId: T, target: T, ownWork: true, openWorkLeft: true, labels: { T, U } };
    },
  },
  {
    name: 'simple session, no task named (its current task implied)',
    taskStatuses: TASK_STATUSES,
    async setup(from, sessionFrom) {
      const T = task('T', from!);
      const sid = await session([T]);
      setSession(sid, sessionFrom);
      // a finished task is nobody's current work: the report is about no task
      return { sid, target: OPEN(from!) ? T : null, ownWork: true, openWorkLeft: false, labels: { T } };
    },
  },
  {
    name: "another session's task named, unassigned (an orchestrator closing a subtask)",
    taskStatuses: TASK_STATUSES,
    async setup(from, sessionFrom) {
      const U = task('U');
      const F = task('F', from!);
      const sid = await session([U], 'simple');
      setSession(sid, sessionFrom);
      return { sid, taskId: F, target: F, ownWork: false, openWorkLeft: true, labels: { U, F } };
    },
  },
  {
    name: "another live session's task named",
    taskStatuses: TASK_STATUSES,
    async setup(from, sessionFrom) {
      const U = task('U');
      const F = task('F', from!);
      const holder = await session([F]);
      setSession(holder, 'running');
      const sid = await session([U]);
      setSession(sid, sessionFrom);
      return { sid, taskId: F, target: F, ownWork: false, openWorkLeft: true, labels: { U, F }, others: { H: holder } };
    },
  },
  {
    name: 'session without tasks, no task named',
    taskStatuses: [null],
    async setup(_from, sessionFrom) {
      const sid = await session([]);
      setSession(sid, sessionFrom);
      return { sid, target: null, ownWork: true, openWorkLeft: false, labels: {} };
    },
  },
  {
    name: 'queue session before queue_start, no task named (issue 8: must not deadlock the queue)',
    taskStatuses: TASK_STATUSES,
    async setup(from, sessionFrom) {
      const Q1 = task('Q1', from!);
      const Q2 = task('Q2');
      const sid = await session([Q1, Q2], 'queue');
      setSession(sid, sessionFrom);
      return { sid, target: null, ownWork: true, openWorkLeft: true, labels: { Q1, Q2 }, drains: true };
    },
  },
  {
    name: 'queue session before queue_start, a queued item named',
    taskStatuses: TASK_STATUSES,
    async setup(from, sessionFrom) {
      const Q1 = task('Q1');
      const Q2 = task('Q2', from!);
      const sid = await session([Q1, Q2], 'queue');
      setSession(sid, sessionFrom);
      return { sid, taskId: Q2, target: Q2, ownWork: true, openWorkLeft: true, labels: { Q1, Q2 }, drains: true };
    },
  },
  {
    name: 'queue session, its only item started, no task named',
    taskStatuses: TASK_STATUSES,
    async setup(from, sessionFrom) {
      const Q1 = task('Q1');
      const sid = await session([Q1], 'queue');
      svc.queue.start(sid);
      if (from !== 'in_progress') svc.tasks.update(Q1, { status: from! });
      setSession(sid, sessionFrom);
      // an item whose task was finished elsewhere is no longer anyone's current work
      return { sid, target: OPEN(from!) ? Q1 : null, ownWork: true, openWorkLeft: false, labels: { Q1 }, drains: true };
    },
  },
  {
    name: 'queue session, the first of two items started, no task named',
    taskStatuses: TASK_STATUSES,
    async setup(from, sessionFrom) {
      const Q1 = task('Q1');
      const Q2 = task('Q2');
      const sid = await session([Q1, Q2], 'queue');
      svc.queue.start(sid);
      if (from !== 'in_progress') svc.tasks.update(Q1, { status: from! });
      setSession(sid, sessionFrom);
      return { sid, target: OPEN(from!) ? Q1 : null, ownWork: true, openWorkLeft: true, labels: { Q1, Q2 }, drains: true };
    },
  },
];

// ---- observation -----------------------------------------------------------------------------------------------

interface Snapshot {
  tasks: Record<string, { status: TaskStatus; assignee: string | null }>;
  queue: Record<string, string> | null;
}

function observe(setup: Setup, label: (id: string | null) => string | null): Snapshot {
  const tasks: Snapshot['tasks'] = {};
  for (const [name, id] of Object.entries(setup.labels)) {
    const t = svc.tasks.get(id);
    tasks[name] = { status: t.status, assignee: label(t.assignee) };
  }
  const session = svc.sessions.get(setup.sid);
  const queue =
    session.strategy === 'queue' ? Object.fromEntries(svc.queue.list(setup.sid).map((q) => [label(q.taskId)!, q.state])) : null;
  return { tasks, queue };
}

function drainQueue(sid: string): { order: string[]; reason: string | undefined } {
  const order: string[] = [];
  for (let i = 0; i < 10; i++) {
    const r = svc.queue.start(sid);
    if (!r.item) return { order, reason: r.reason };
    order.push(r.item.taskId);
    svc.queue.complete(sid);
  }
  throw new Error('the queue never drained');
}

async function runCase(scenario: Scenario, kind: ReportKind, taskFrom: TaskStatus | null, sessionFrom: SessionStatus): Promise<string[]> {
  const setup = await scenario.setup(taskFrom, sessionFrom);
  const names = new Map<string, string>([
    [setup.sid, 'S'],
    ...Object.entries({ ...setup.labels, ...setup.others }).map(([k, v]) => [v, k] as [string, string]),
  ]);
  const label = (id: string | null) => (id === null ? null : (names.get(id) ?? id));
  const where = `${scenario.name} | ${kind} | task ${taskFrom ?? '-'} | session ${sessionFrom}`;
  const problems: string[] = [];
  const check = (what: string, actual: unknown, expected: unknown) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected))
      problems.push(`${where}: ${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  };

  const before = observe(setup, label);
  const lastEvent = svc.sessions.timeline(setup.sid).at(-1)?.id ?? 0;
  const bus: string[] = [];
  const off = svc.bus.subscribe((e) => {
    const detail =
      e.type === 'task.updated'
        ? `${label(e.task.id)}=${e.task.status}`
        : e.type === 'session.updated'
          ? `${label(e.session.id)}=${e.session.status}`
          : e.type === 'session.event'
            ? `${label(e.sessionId)}:${e.event.kind}`
            : e.type === 'queue.updated'
              ? `${label(e.sessionId)} current=${label(e.status.current?.taskId ?? null)} queued=${e.status.counts.queued}`
              : '';
    bus.push(`${e.type} ${detail}`);
  });
  const message = `${kind} report`;
  let result: ReturnType<MaestroService['report']>;
  try {
    result = svc.report(setup.sid, kind, message, setup.taskId);
  } finally {
    off();
  }
  const after = observe(setup, label);
  const events = svc.sessions.timeline(setup.sid, { afterId: lastEvent });

  // the task
  const target = setup.target === null ? null : label(setup.target)!;
  const expectedTasks = structuredClone(before.tasks);
  let taskMoved = false;
  if (target !== null) {
    const was = before.tasks[target]!;
    const next = expectedTask(kind, was.status);
    taskMoved = next !== was.status;
    if (taskMoved) expectedTasks[target] = { status: next, assignee: was.assignee ?? 'S' };
  }
  check('tasks', after.tasks, expectedTasks);

  // the queue: a complete report that finished its task closes this session's item for it; one that reopened a
  // finished task puts its item (ended with the task) back in the queue; nothing else moves
  const expectedQueue = before.queue && { ...before.queue };
  if (expectedQueue && kind === 'complete' && taskMoved && target !== null && target in expectedQueue) expectedQueue[target] = 'done';
  if (expectedQueue && taskMoved && target !== null && target in expectedQueue && !OPEN(before.tasks[target]!.status) && OPEN(expectedTasks[target]!.status))
    expectedQueue[target] = 'queued';
  check('queue items', after.queue, expectedQueue);

  // the session
  const nextSession = expectedSession(kind, sessionFrom, setup.ownWork, setup.openWorkLeft);
  check('session status', svc.sessions.get(setup.sid).status, nextSession);

  // the timeline: the report (about its task), then the status change it caused, if any
  const expectedEvents: unknown[] = [{ kind, message, taskId: target, data: null }];
  if (nextSession !== sessionFrom) {
    const reason = DEFAULT_REASON[nextSession];
    expectedEvents.push({
      kind: 'status',
      message: `${kind} report: status ${sessionFrom} -> ${nextSession}`,
      taskId: null,
      data: { from: sessionFrom, to: nextSession, ...(reason ? { reason } : {}) },
    });
  }
  check(
    'timeline',
    events.map((e) => ({ kind: e.kind, message: e.message, taskId: label(e.taskId), data: e.data })),
    expectedEvents,
  );

  // what report() answers
  check('result.event', { id: result.event.id, kind: result.event.kind }, { id: events[0]?.id, kind });
  check('result.task', result.task && { id: label(result.task.id), status: result.task.status }, target && { id: target, status: after.tasks[target]!.status });
  check('result.session', result.session.status, nextSession);

  // the queue is never deadlocked by a report: queue_start / queue_complete finish every item
  let drained: ReturnType<typeof drainQueue> | null = null;
  if (setup.drains) {
    drained = drainQueue(setup.sid);
    check('drain reason', drained.reason, 'empty');
    check('queue after drain', Object.values(observe(setup, label).queue ?? {}), Object.values(after.queue ?? {}).map(() => 'done'));
    for (const [name, t] of Object.entries(observe(setup, label).tasks))
      check(`task ${name} after drain`, t.status, after.tasks[name]!.status === 'cancelled' ? 'cancelled' : 'done');
  }

  dump.push({
    case: where,
    before,
    after,
    session: svc.sessions.get(setup.sid).status,
    result: { task: result.task && { id: label(result.task.id), status: result.task.status }, session: result.session.status },
    timeline: events.map((e) => ({ kind: e.kind, message: e.message, taskId: label(e.taskId), data: e.data })),
    bus,
    drained: drained && { order: drained.order.map(label), reason: drained.reason },
  });
  return problems;
}

describe('report transitions: every kind from every task and session status', () => {
  for (const scenario of SCENARIOS)
    it(scenario.name, { timeout: 180_000 }, async () => {
      const problems: string[] = [];
      let cases = 0;
      for (const kind of KINDS)
        for (const taskFrom of scenario.taskStatuses)
          for (const sessionFrom of SESSION_STATUSES) {
            problems.push(...(await runCase(scenario, kind, taskFrom, sessionFrom)));
            cases++;
          }
      expect(problems).toEqual([]);
      expect(cases).toBe(KINDS.length * scenario.taskStatuses.length * SESSION_STATUSES.length);
    });
});

describe('report transitions: sequences', () => {
  const asSession = (id: string): Actor => ({ kind: 'session', session: svc.sessions.get(id) });
  const call = (actor: Actor, op: string, input: unknown) => executeOp(svc, actor, op, input) as Promise<any>;

  it('needs_input holds until the next progress; error changes nothing; complete finishes the last open task', async () => {
    const T = task('T');
    const U = task('U');
    const sid = await session([T, U]);
    const me = asSession(sid);
    const states: string[] = [];
    const reports: Array<[string, string]> = [
      ['progress', 'go'],
      ['needs_input', 'which one?'],
      ['error', 'flaky test'],
      ['progress', 'answered, going on'],
      ['complete', 'T done'],
      ['blocked', 'U waits on a review'],
      ['complete', 'U done'],
      ['progress', 'one more thing'],
    ];
    for (const [kind, message] of reports) {
      await call(me, `report.${kind}`, { message });
      states.push(`${svc.tasks.get(T).status}/${svc.tasks.get(U).status}/${svc.sessions.get(sid).status}`);
    }
    expect(states).toEqual([
      'in_progress/todo/running',
      'needs_input/todo/needs_input',
      'needs_input/todo/needs_input',
      'in_progress/todo/running',
      'done/todo/running',
      'done/blocked/blocked',
      'done/done/completed',
      'done/done/running',
    ]);
  });

  it('every report kind before queue_start leaves the queue alone and it drains (through the operations)', async () => {
    const ids = [task('A'), task('B'), task('C')];
    const sid = await session(ids, 'queue');
    const me = asSession(sid);
    for (const kind of ['progress', 'blocked', 'needs_input', 'error', 'complete'] as const) {
      const r = await call(me, `report.${kind}`, { message: `${kind} first` });
      expect(r.task).toBeNull();
    }
    expect(ids.map((id) => svc.tasks.get(id).status)).toEqual(['todo', 'todo', 'todo']);
    expect(svc.queue.list(sid).map((q) => q.state)).toEqual(['queued', 'queued', 'queued']);
    const order: string[] = [];
    for (;;) {
      const r = await call(me, 'queue.start', {});
      if (!r.item) {
        expect(r.reason).toBe('empty');
        break;
      }
      order.push(r.item.taskId);
      await call(me, 'report.progress', { message: `on ${r.item.title}` });
      await call(me, 'queue.complete', {});
    }
    expect(order).toEqual(ids);
    expect(ids.map((id) => svc.tasks.get(id).status)).toEqual(['done', 'done', 'done']);
    expect(svc.sessions.get(sid).status).toBe('running');
  });
});
