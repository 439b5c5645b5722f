/**
 * Many sessions (issue 13: 200 agents, run after run, leave thousands). The session list read three or
 * four statements per session (5,000 sessions held the server 470 ms), `status` loaded every session to count
 * them, and the dispatcher's held tasks walked the project's tasks once per session (300-430 ms at 5,000).
 * The list is now read in a few statements for all its sessions: checked against the rules worked out
 * session by session from other reads, and by counting statements, never by timing.
 */
import { describe, expect, it } from 'vitest';
import { USER } from '../src/core/access.js';
import { HELD_TASKS_SQL } from '../src/core/dispatch-plan.js';
import { executeOp } from '../src/core/operations.js';
import type { MaestroService } from '../src/core/service.js';
import type { Session, SessionSummary, TimelineEvent } from '../src/core/types.js';
import { coreForEachTest } from './core-support.js';
import { TurnCounter } from './turn-counter.js';

const OPEN = ['todo', 'in_progress', 'blocked', 'needs_input'];
const REPORTS = ['progress', 'complete', 'blocked', 'error', 'needs_input'];

/** What the list must say of one session, worked out from its timeline, its tasks and its queue as read one by one. */
function expected(svc: MaestroService, session: Session, projectName: string): SessionSummary {
  const reports = svc.sessions.timeline(session.id, { limit: 10_000 }).filter((e: TimelineEvent) => REPORTS.includes(e.kind));
  let currentTaskId: string | null = null;
  let queue: SessionSummary['queue'] = null;
  if (session.strategy === 'queue') {
    const items = svc.queue.list(session.id);
    const current = items.find((i) => i.state === 'in_progress');
    currentTaskId = current && current.taskStatus !== 'done' && current.taskStatus !== 'cancelled' ? current.taskId : null;
    const count = (f: (i: (typeof items)[number]) => boolean) => items.filter(f).length;
    queue = {
      total: items.length,
      queued: count((i) => i.state === 'queued'),
      inProgress: count((i) => i.state === 'in_progress'),
      done: count((i) => i.state === 'done'),
      waiting: count((i) => i.state === 'queued' && !i.ready),
    };
  } else {
    // its open tasks (assigned or handed to it), in creation order: work under way before todo
    const open = svc.tasks.list({ assignee: session.id }).filter((t) => OPEN.includes(t.status));
    currentTaskId = (open.find((t) => t.status !== 'todo') ?? open[0])?.id ?? null;
  }
  return { ...session, projectName, lastReport: reports.at(-1) ?? null, currentTaskId, queue };
}

/** A project with sessions in every shape: reports of each kind or none, several tasks, queues part way, children. */
async function mixedSessions(svc: MaestroService, name: string, n: number) {
  const project = svc.projects.create({ name, workingDir: '/tmp' });
  const mk = (title: string, extra: { dependencies?: string[] } = {}) => svc.tasks.create({ projectId: project.id, title, ...extra });
  const lead = (await svc.spawn({ projectId: project.id, taskIds: [mk('plan').id], role: 'orchestrator' })).session;
  for (let i = 0; i < n; i++) {
    const kind = i % 6;
    if (kind < 3) {
      const a = mk(`a${i}`);
      const b = mk(`b${i}`, { dependencies: [a.id] });
      const { session } = await svc.spawn({ projectId: project.id, taskIds: [a.id, b.id], parentSessionId: i % 2 ? lead.id : undefined });
      if (kind >= 1) svc.report(session.id, 'progress', `on it ${i}`);
      if (kind === 2) svc.report(session.id, i % 4 === 0 ? 'blocked' : 'complete', `end ${i}`);
      // a task assigned later, by hand
      if (i % 5 === 0) svc.tasks.update(mk(`c${i}`).id, { assignee: session.id, status: 'in_progress' });
    } else {
      const tasks = [mk(`q${i}-1`), mk(`q${i}-2`), mk(`q${i}-3`)];
      const blocker = mk(`q${i}-blocker`);
      svc.tasks.update(tasks[2]!.id, { dependencies: [blocker.id] });
      const { session } = await svc.spawn({ projectId: project.id, taskIds: tasks.map((t) => t.id), strategy: 'queue' });
      if (kind >= 4) svc.queue.start(session.id);
      if (kind === 5) {
        svc.queue.complete(session.id);
        svc.queue.start(session.id);
        svc.tasks.update(tasks[1]!.id, { status: 'cancelled' }); // its current task finished elsewhere
      }
    }
  }
  return project;
}

describe('the session list, read for all its sessions at once', () => {
  const core = coreForEachTest();

  it('says of each session what its timeline, tasks and queue say, one by one', async () => {
    const { svc } = core;
    const project = await mixedSessions(svc, 'mixed', 36);
    const listed = await svc.listSessions({ projectId: project.id });
    expect(listed).toHaveLength(37);
    expect(listed).toEqual(svc.sessions.list({ projectId: project.id }).map((s) => expected(svc, s, 'mixed')));
    // every shape is there to compare
    expect(new Set(listed.map((s) => `${s.strategy}:${s.lastReport?.kind ?? 'none'}:${s.currentTaskId === null ? 'idle' : 'on'}`)).size).toBeGreaterThanOrEqual(6);
    // and a list across projects, the whole of each
    const other = await mixedSessions(svc, 'other', 6);
    const all = await executeOp(svc, USER, 'session.list', { all: true });
    expect(all).toHaveLength(44);
    for (const p of [project, other]) expect(all.filter((s) => s.projectId === p.id)).toEqual(await svc.listSessions({ projectId: p.id }));
  });

  it('runs as many statements for 60 sessions as for 6', async () => {
    const { svc } = core;
    const few = await mixedSessions(svc, 'few', 6);
    const many = await mixedSessions(svc, 'many', 60);
    const statements = async (f: () => unknown) => {
      const prepare = svc.store.prepare.bind(svc.store);
      let n = 0;
      svc.store.prepare = (sql: string) => (n++, prepare(sql));
      try {
        await f();
      } finally {
        svc.store.prepare = prepare;
      }
      return n;
    };
    const forFew = await statements(() => svc.listSessions({ projectId: few.id }));
    expect(await statements(() => svc.listSessions({ projectId: many.id }))).toBe(forFew);
    expect(forFew).toBeLessThanOrEqual(8);
    // and status counts its sessions without reading them
    const status = await statements(() => svc.status(many.id));
    expect(await statements(() => svc.status(few.id))).toBe(status);
  });

  it('status counts the sessions of each project by status as the list has them', async () => {
    const { svc } = core;
    const a = await mixedSessions(svc, 'a', 12);
    const b = await mixedSessions(svc, 'b', 7);
    const counts = (sessions: Session[]) => {
      const byStatus: Record<string, number> = {};
      for (const s of sessions) byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
      return { total: sessions.length, active: sessions.filter((s) => !['completed', 'failed', 'stopped'].includes(s.status)).length, byStatus };
    };
    const status = await svc.status();
    expect(status.sessions).toEqual(counts(svc.sessions.list()));
    for (const p of [a, b]) expect(status.byProject.find((x) => x.projectId === p.id)!.sessions).toEqual(counts(svc.sessions.list({ projectId: p.id })));
    expect(Object.keys(status.sessions.byStatus).length).toBeGreaterThanOrEqual(3);
    expect((await svc.status(b.id)).sessions).toEqual(counts(svc.sessions.list({ projectId: b.id })));
  });

  it('reads a long list a page at a time, giving the turn away in between, and misses none', async () => {
    const { svc } = core;
    const project = svc.projects.create({ name: 'long', workingDir: '/tmp' });
    const spawned: string[] = [];
    for (let i = 0; i < 450; i++) spawned.push((await svc.spawn({ projectId: project.id, taskIds: [] })).session.id);
    // Sessions made in the same millisecond, 150 at a time, so that pages of 200 end inside a run of equal
    // times (their ids break the tie), whatever the machine's speed.
    const at = svc.db.prepare('UPDATE sessions SET created_at = ? WHERE id = ?');
    spawned.forEach((id, i) => at.run(new Date(Date.UTC(2026, 0, 1) + Math.floor(i / 150)).toISOString(), id));
    const turns = new TurnCounter();
    const listed = await svc.listSessions({ projectId: project.id });
    expect(turns.stop()).toBeGreaterThanOrEqual(2); // pages of 200
    // the order of one read of them all, created_at then id
    const ordered = [...spawned].sort((a, b) => Math.floor(spawned.indexOf(a) / 150) - Math.floor(spawned.indexOf(b) / 150) || (a < b ? -1 : 1));
    expect(listed.map((s) => s.id)).toEqual(ordered);
    expect(svc.sessions.list({ projectId: project.id }).map((s) => s.id)).toEqual(ordered);
  });

  it("finds the tasks live sessions hold through each session's own tasks, not the project's", () => {
    const plan = (core.svc.db.prepare(`EXPLAIN QUERY PLAN ${HELD_TASKS_SQL}`).all('p', 'p', 'p') as Array<{ detail: string }>).map((r) => r.detail);
    expect(plan).toContain('SEARCH t USING INDEX tasks_assignee (assignee_session_id=?)');
    expect(plan.join('\n')).not.toMatch(/SEARCH t USING .*INDEX tasks_(project|status)/);
  });
});
