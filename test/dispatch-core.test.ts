/**
 * The dispatcher in the core, with a stand-in launcher whose "agents" finish (or fail) their task after a
 * random few milliseconds, many at once: the limit holds whatever order events arrive in, dependencies
 * are respected, failures are retried then blocked with the reason, and stop / drain / resume behave.
 */
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { FINISHED_SESSION_STATUSES } from '../src/core/constants.js';
import { Dispatcher } from '../src/core/dispatcher.js';
import { MaestroService } from '../src/core/service.js';
import { rowsOf } from '../src/core/task-import.js';
import type { Session } from '../src/core/types.js';
import { tempHome, waitFor } from './helpers.js';

const services: MaestroService[] = [];

afterEach(() => {
  for (const svc of services.splice(0)) {
    svc.close();
    rmSync(svc.paths.home, { recursive: true, force: true });
  }
});

/** A service whose launcher "runs" each agent: it completes its task, or fails (exit 3) when its title says so. */
function world(home = tempHome()) {
  const svc = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:9' });
  services.push(svc);
  const timers = new Set<NodeJS.Timeout>();
  svc.launcher = {
    launch: async (session: Session) => {
      await new Promise((r) => setTimeout(r, Math.random() * 5));
      const t = setTimeout(() => {
        timers.delete(t);
        if (!svc.db.open) return;
        const task = svc.tasks.get(session.taskIds[0]!);
        if (task.title.includes('[hold]')) return; // works until the test ends
        svc.report(session.id, 'progress', 'working', task.id);
        if (task.title.includes('[fails]')) svc.sessions.setStatus(session.id, 'failed', { exitCode: 3, message: 'agent exited with code 3' });
        else svc.report(session.id, 'complete', 'done', task.id);
      }, 20 + Math.random() * 20);
      timers.add(t);
    },
    stop: async () => undefined,
  };
  let peak = 0;
  svc.bus.subscribe((e) => {
    if (e.type !== 'session.created' && e.type !== 'session.updated') return;
    const live = svc.sessions.list({}).filter((s) => !FINISHED_SESSION_STATUSES.includes(s.status)).length;
    peak = Math.max(peak, live);
  });
  const project = svc.projects.create({ name: 'core', workingDir: home });
  return { svc, project, peak: () => peak };
}

const drained = (svc: MaestroService, projectId: string) =>
  waitFor(() => svc.dispatcher.rows.get(projectId)?.status === 'drained', 20_000, 'the dispatcher to drain');

describe('dispatcher (core, stand-in agents)', () => {
  it('never runs more than maxWorkers at once over 40 tasks, and never starts a task before its dependencies are done', async () => {
    const { svc, project, peak } = world();
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const deps = i >= 8 ? [ids[i - 8]!, ids[(i * 7) % (i - 1 || 1)]!].filter((d, k, a) => a.indexOf(d) === k) : [];
      ids.push(svc.tasks.create({ projectId: project.id, title: `t${i}`, priority: (['low', 'medium', 'high', 'critical'] as const)[i % 4], dependencies: deps }).id);
    }
    await svc.dispatcher.start(project.id, { maxWorkers: 4, retries: 0, template: null, startedBy: null });
    await drained(svc, project.id);
    expect(peak()).toBe(4);
    const tasks = new Map(svc.tasks.list({ projectId: project.id }).map((t) => [t.id, t]));
    expect([...tasks.values()].every((t) => t.status === 'done')).toBe(true);
    const sessions = svc.sessions.list({ projectId: project.id });
    expect(sessions).toHaveLength(40);
    for (const s of sessions)
      for (const dep of tasks.get(s.taskIds[0]!)!.dependencies) expect(s.createdAt >= tasks.get(dep)!.completedAt!).toBe(true);
    // The ready roots (tasks 0-7) were started highest priority first. Counted among the roots only: a
    // stand-in agent that finishes while the first four start frees its slot, and a dependent it made
    // ready (critical, say) rightly goes before a lower root.
    const roots = new Set(ids.slice(0, 8));
    const rootOrder = svc.dispatcher.rows
      .workers(project.id)
      .filter((w) => roots.has(w.taskId))
      .map((w) => tasks.get(w.taskId)!.priority);
    expect(rootOrder).toEqual(['critical', 'critical', 'high', 'high', 'medium', 'medium', 'low', 'low']);
  });

  it('retries a failing task up to the limit, then blocks it with the reason; its dependents never start; drains', async () => {
    const { svc, project } = world();
    const bad = svc.tasks.create({ projectId: project.id, title: 'flaky [fails]' });
    const after = svc.tasks.create({ projectId: project.id, title: 'after', dependencies: [bad.id] });
    const other = svc.tasks.create({ projectId: project.id, title: 'other' });
    await svc.dispatcher.start(project.id, { maxWorkers: 2, retries: 2, template: null, startedBy: null });
    await drained(svc, project.id);
    const blocked = svc.tasks.get(bad.id);
    expect(blocked).toMatchObject({ status: 'blocked', assignee: null });
    expect(blocked.description).toMatch(/^Blocked by auto-dispatch after 3 failed attempt\(s\): worker ses_\w+ failed, exit code 3, agent exited with code 3$/);
    expect(svc.tasks.get(after.id).status).toBe('todo');
    expect(svc.tasks.get(other.id).status).toBe('done');
    const log = svc.dispatcher.rows.entries(project.id, 0);
    expect(log.filter((e) => e.kind === 'failed').map((e) => e.message.match(/attempt \d\/\d/)?.[0])).toEqual(['attempt 1/3', 'attempt 2/3']);
    expect(log.filter((e) => e.kind === 'blocked')).toHaveLength(1);
    expect(log.at(-2)!.message).toContain(`${after.id} 'after' can never start: depends on ${bad.id} (flaky [fails]), which is blocked`);
    expect(svc.dispatcher.rows.get(project.id)!.reason).toBe('nothing left to start: 1 done, 1 blocked, 1 can never start');
  });

  it('stop starts nothing more; a start after it is a new run (attempts counted afresh); a running dispatcher resumes after a reopen', async () => {
    const home = tempHome();
    const { svc, project } = world(home);
    svc.launcher = { launch: async () => undefined, stop: async () => undefined }; // agents that never finish
    const a = svc.tasks.create({ projectId: project.id, title: 'a' });
    const b = svc.tasks.create({ projectId: project.id, title: 'b' });
    await svc.dispatcher.start(project.id, { maxWorkers: 1, retries: 1, template: null, startedBy: null });
    const [w1] = svc.dispatcher.rows.workers(project.id);
    expect(w1!.taskId).toBe(a.id);
    await svc.dispatcher.stop(project.id);
    await svc.stopSession(w1!.sessionId); // the worker ends with its task not done: no decision while stopped
    await new Promise((r) => setTimeout(r, 50));
    expect(svc.tasks.get(a.id).status).toBe('todo');
    expect(svc.dispatcher.rows.workers(project.id)).toHaveLength(1);

    // A new run: generation 2; the ended worker of run 1 is not its business, the task is free again.
    await svc.dispatcher.start(project.id, { maxWorkers: 1, retries: 1, template: null, startedBy: null });
    expect(svc.dispatcher.rows.get(project.id)!.generation).toBe(2);
    const run2 = svc.dispatcher.rows.workers(project.id, 2);
    expect(run2.map((w) => w.taskId)).toEqual([a.id]);

    // The service closes (a server restart) with the dispatcher running; a new one over the same home resumes it.
    svc.close();
    services.splice(services.indexOf(svc), 1);
    const again = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:9' });
    services.push(again);
    again.launcher = { launch: async () => undefined, stop: async () => undefined };
    again.dispatcher.resume();
    await again.stopSession(run2[0]!.sessionId); // fails its attempt: retried (retries 1)
    await waitFor(() => again.dispatcher.rows.workers(project.id, 2).length === 2, 5000, 'the resumed dispatcher to retry');
    const log = again.dispatcher.rows.entries(project.id, 0).map((e) => e.message);
    expect(log.some((m) => m.startsWith(`${a.id} failed (attempt 1/2): worker ${run2[0]!.sessionId} stopped`))).toBe(true);
    expect(again.tasks.get(b.id).assignee).toBeNull();
  });

  it('starts work at once for a task created, or a big import announced as one event, without waiting for its tick', async () => {
    const { svc, project } = world();
    svc.tasks.create({ projectId: project.id, title: 'keeps a worker busy [hold]' });
    // Its own dispatcher with an hour-long tick: only events can make it act within the test.
    const dispatcher = new Dispatcher(svc, (req) => svc.spawn(req), { tickMs: 3_600_000 });
    try {
      await dispatcher.start(project.id, { maxWorkers: 3, retries: 0, template: null, startedBy: null });
      expect(dispatcher.rows.workers(project.id)).toHaveLength(1);
      const created = svc.tasks.create({ projectId: project.id, title: 'created later [hold]' });
      await waitFor(() => dispatcher.rows.workers(project.id).some((w) => w.taskId === created.id), 5000, 'a worker for the new task');
      await new Promise((r) => setTimeout(r, 100)); // the workers' own session events have settled
      expect(dispatcher.rows.workers(project.id)).toHaveLength(2);
      // More than 200 changes: the import announces one tasks.imported event, no task event per task.
      const imported = svc.importer.run(project.id, rowsOf(Array.from({ length: 250 }, (_, i) => ({ key: `k${i}`, title: `imported ${i} [hold]` }))));
      expect(imported.created).toBe(250);
      await waitFor(() => dispatcher.rows.workers(project.id).length === 3, 5000, 'a worker for an imported task');
    } finally {
      await dispatcher.close();
    }
  });
});
