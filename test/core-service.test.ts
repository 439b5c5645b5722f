import { mkdirSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MaestroService } from '../src/core/service.js';
import { executeOp, operationsFor } from '../src/core/operations.js';
import { MIGRATIONS } from '../src/core/migrations.js';
import { newId } from '../src/core/ids.js';
import { USER, type Actor } from '../src/core/access.js';
import type { MaestroEvent } from '../src/core/events.js';
import { rejection, tempHome } from './helpers.js';

let home: string;
let svc: MaestroService;

const asSession = (id: string): Actor => ({ kind: 'session', session: svc.sessions.get(id) });
const call = (actor: Actor, op: string, input: unknown) => executeOp(svc, actor, op, input) as Promise<any>;

beforeEach(() => {
  home = tempHome();
  svc = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:9' });
});
afterEach(() => {
  svc.close();
  rmSync(home, { recursive: true, force: true });
});

describe('projects', () => {
  it('creates, resolves by id or name, and rejects duplicates and relative paths', async () => {
    const p = await call(USER, 'project.create', { name: 'web', workingDir: home });
    expect(p.id).toMatch(/^prj_/);
    expect((await call(USER, 'project.get', { project: 'web' })).id).toBe(p.id);
    expect((await call(USER, 'project.get', { project: p.id })).name).toBe('web');
    const dup = await rejection(call(USER, 'project.create', { name: 'web', workingDir: home }));
    expect([dup.code, dup.field]).toEqual(['conflict', 'name']);
    const rel = await rejection(call(USER, 'project.create', { name: 'x', workingDir: 'relative/dir' }));
    expect([rel.code, rel.field]).toEqual(['invalid_input', 'workingDir']);
    const missing = await rejection(call(USER, 'project.get', { project: 'nope' }));
    expect([missing.code, missing.field]).toEqual(['not_found', 'project']);
  });
});

describe('tasks', () => {
  let projectId: string;
  beforeEach(() => {
    projectId = svc.projects.create({ name: 'p', workingDir: home }).id;
  });

  it('builds a tree of subtasks at any depth and computes readiness from dependencies', async () => {
    const root = await call(USER, 'task.create', { title: 'Ship v1', priority: 'high' });
    const a = await call(USER, 'task.create', { title: 'Design', parentId: root.id });
    const b = await call(USER, 'task.create', { title: 'Build', parentId: root.id, dependencies: [a.id] });
    const c = await call(USER, 'task.create', { title: 'Unit tests', parentId: b.id });
    expect(a.projectId).toBe(projectId);
    expect(b.ready).toBe(false);
    expect(b.dependencies).toEqual([a.id]);

    const tree = await call(USER, 'task.tree', {});
    expect(tree).toHaveLength(1);
    expect(tree[0].children.map((n: any) => n.title)).toEqual(['Design', 'Build']);
    expect(tree[0].children[1].children[0].id).toBe(c.id);

    const { tasks: ready } = await call(USER, 'task.list', { ready: true });
    expect(ready.map((t: any) => t.id).sort()).toEqual([root.id, a.id, c.id].sort());
    await call(USER, 'task.complete', { taskId: a.id });
    expect((await call(USER, 'task.get', { taskId: b.id })).ready).toBe(true);
    const sub = await call(USER, 'task.tree', { rootId: b.id });
    expect(sub.map((n: any) => n.id)).toEqual([b.id]);
  });

  it('rejects dependency cycles with an error naming the cycle', async () => {
    const a = await call(USER, 'task.create', { title: 'A' });
    const b = await call(USER, 'task.create', { title: 'B', dependencies: [a.id] });
    const c = await call(USER, 'task.create', { title: 'C', dependencies: [b.id] });
    const err = await rejection(call(USER, 'task.update', { taskId: a.id, dependencies: [c.id] }));
    expect(err.code).toBe('dependency_cycle');
    expect(err.field).toBe('dependencies');
    expect(err.message).toContain(`${a.id} (A) -> ${c.id} (C) -> ${b.id} (B) -> ${a.id} (A)`);
    const self = await rejection(call(USER, 'task.update', { taskId: a.id, dependencies: [a.id] }));
    expect(self.code).toBe('dependency_cycle');
    // nothing changed
    expect((await call(USER, 'task.get', { taskId: a.id })).dependencies).toEqual([]);
  });

  it('rejects a parent that is the task itself or one of its descendants', async () => {
    const a = await call(USER, 'task.create', { title: 'A' });
    const b = await call(USER, 'task.create', { title: 'B', parentId: a.id });
    const err = await rejection(call(USER, 'task.update', { taskId: a.id, parentId: b.id }));
    expect([err.code, err.field]).toEqual(['invalid_input', 'parentId']);
    const moved = await call(USER, 'task.update', { taskId: b.id, parentId: null });
    expect(moved.parentId).toBeNull();
  });

  it('rejects bad input naming the field, without storing anything', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, 'title'],
      [{ title: '' }, 'title'],
      [{ title: 'x', priority: 'urgent' }, 'priority'],
      [{ title: 'x', dependencies: 'tsk_1' }, 'dependencies'],
      [{ title: 'x', colour: 'red' }, ''],
      [{ title: 42 }, 'title'],
    ];
    for (const [input, field] of cases) {
      const err = await rejection(call(USER, 'task.create', input));
      expect(err.code).toBe('invalid_input');
      if (field) expect(err.field).toBe(field);
      else expect(err.message).toContain('colour');
    }
    const unknownDep = await rejection(call(USER, 'task.create', { title: 'x', dependencies: ['tsk_missing'] }));
    expect([unknownDep.code, unknownDep.field]).toEqual(['not_found', 'dependencies']);
    expect(svc.tasks.list()).toHaveLength(0);
  });

  it('keeps tasks inside their project', async () => {
    const other = svc.projects.create({ name: 'other', workingDir: home });
    const a = await call(USER, 'task.create', { title: 'A', project: 'p' });
    const err = await rejection(call(USER, 'task.create', { title: 'B', project: other.id, dependencies: [a.id] }));
    expect([err.code, err.field]).toEqual(['invalid_input', 'dependencies']);
    const ambiguous = await rejection(call(USER, 'task.list', {}));
    expect([ambiguous.code, ambiguous.field]).toEqual(['invalid_input', 'project']);
  });
});

describe('sessions, reports and permissions', () => {
  let projectId: string;
  beforeEach(() => {
    projectId = svc.projects.create({ name: 'p', workingDir: home }).id;
  });

  it('spawn records the session, assigns its tasks, writes the manifest and timeline', async () => {
    const t = svc.tasks.create({ projectId, title: 'Do it', description: 'the details' });
    const { session, manifestPath } = await svc.spawn({ projectId, taskIds: [t.id] });
    expect(session.status).toBe('spawning');
    expect(session.role).toBe('worker');
    expect(svc.tasks.get(t.id).assignee).toBe(session.id);
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    expect(manifest.session.id).toBe(session.id);
    expect(manifest.tasks[0]).toMatchObject({ id: t.id, description: 'the details' });
    expect(manifest.env.MAESTRO_SESSION_ID).toBe(session.id);
    expect(manifest.env.MAESTRO_SESSION_TOKEN).toBeUndefined();
    expect(svc.sessionEnv(session.id).MAESTRO_TASK_IDS).toBe(t.id);
    expect(svc.sessions.timeline(session.id).map((e) => e.kind)).toEqual(['spawned']);
  });

  it('a session that fails to start releases its tasks, and a new one takes over from an ended holder', async () => {
    const t = svc.tasks.create({ projectId, title: 'Do it' });
    svc.launcher = {
      launch: async () => {
        throw new Error("agent command not found: 'nope'");
      },
      stop: async () => {},
    };
    const err = await rejection(svc.spawn({ projectId, taskIds: [t.id], agentCommand: 'nope' }));
    expect([err.code, err.field]).toEqual(['spawn_failed', 'agentCommand']);
    expect(err.message).toContain("agent command not found: 'nope'");
    const failed = svc.sessions.list()[0]!;
    expect(failed.status).toBe('failed');
    expect(svc.tasks.get(t.id).assignee).toBeNull();
    svc.launcher = null;

    const { session: first } = await svc.spawn({ projectId, taskIds: [t.id] });
    expect(svc.tasks.get(t.id).assignee).toBe(first.id);
    const { session: second } = await svc.spawn({ projectId, taskIds: [t.id] });
    expect(svc.tasks.get(t.id).assignee).toBe(first.id); // still held by a live session
    svc.sessions.setStatus(first.id, 'stopped');
    const { session: third } = await svc.spawn({ projectId, taskIds: [t.id] });
    expect(svc.tasks.get(t.id).assignee).toBe(third.id);
    expect(second.taskIds).toEqual([t.id]);
  });

  it('reports move task and session status and land on the timeline', async () => {
    const t1 = svc.tasks.create({ projectId, title: 'one' });
    const t2 = svc.tasks.create({ projectId, title: 'two' });
    const { session } = await svc.spawn({ projectId, taskIds: [t1.id, t2.id] });
    const me = asSession(session.id);
    await call(me, 'report.progress', { message: 'started' });
    expect(svc.tasks.get(t1.id).status).toBe('in_progress');
    expect(svc.sessions.get(session.id).status).toBe('running');
    await call(me, 'report.needs_input', { message: 'which db?' });
    expect(svc.tasks.get(t1.id).status).toBe('needs_input');
    expect(svc.sessions.get(session.id).status).toBe('needs_input');
    await call(me, 'report.blocked', { message: 'no creds', taskId: t2.id });
    expect(svc.tasks.get(t2.id).status).toBe('blocked');
    expect(svc.sessions.get(session.id).status).toBe('blocked');
    await call(me, 'report.error', { message: 'flaky test' });
    await call(me, 'report.complete', { message: 'one done', taskId: t1.id });
    expect(svc.tasks.get(t1.id).status).toBe('done');
    expect(svc.sessions.get(session.id).status).toBe('running');
    await call(me, 'task.complete', { taskId: t2.id, summary: 'two done' });
    expect(svc.tasks.get(t2.id).status).toBe('done');
    expect(svc.sessions.get(session.id).status).toBe('completed');
    const kinds = svc.sessions.timeline(session.id).filter((e) => e.kind !== 'status').map((e) => e.kind);
    expect(kinds).toEqual(['spawned', 'progress', 'needs_input', 'blocked', 'error', 'complete', 'complete']);
  });

  it('workers see no orchestrator tools and may only touch their own tasks', async () => {
    const mine = svc.tasks.create({ projectId, title: 'mine' });
    const theirs = svc.tasks.create({ projectId, title: 'theirs' });
    const { session: w } = await svc.spawn({ projectId, taskIds: [mine.id] });
    const { session: o } = await svc.spawn({ projectId, taskIds: [], role: 'orchestrator' });
    const worker = asSession(w.id);
    const tools = operationsFor(worker).map((op) => op.tool);
    expect(tools).toContain('report_progress');
    expect(tools).not.toContain('session_spawn');
    expect(operationsFor(asSession(o.id)).map((op) => op.tool)).toContain('session_spawn');

    const spawn = await rejection(call(worker, 'session.spawn', { taskIds: [theirs.id] }));
    expect(spawn.code).toBe('forbidden');
    expect(spawn.message).toContain('session_spawn');
    const complete = await rejection(call(worker, 'task.complete', { taskId: theirs.id }));
    expect([complete.code, complete.field]).toEqual(['forbidden', 'taskId']);
    const report = await rejection(call(worker, 'report.progress', { message: 'x', taskId: theirs.id }));
    expect(report.code).toBe('forbidden');
    const other = await rejection(call(worker, 'report.progress', { message: 'x', sessionId: o.id }));
    expect([other.code, other.field]).toEqual(['forbidden', 'sessionId']);
    const topLevel = await rejection(call(worker, 'task.create', { title: 'new' }));
    expect(topLevel.code).toBe('forbidden');
    // allowed: subtasks of its own task, and working on them
    const sub = await call(worker, 'task.create', { title: 'part', parentId: mine.id });
    await call(worker, 'task.complete', { taskId: sub.id });
    expect(svc.tasks.get(theirs.id).status).toBe('todo');

    const otherProject = svc.projects.create({ name: 'q', workingDir: home });
    const cross = await rejection(call(asSession(o.id), 'task.list', { project: otherProject.id }));
    expect(cross.code).toBe('forbidden');
  });

  it('orchestrators spawn children that know their parent, and may act on them', async () => {
    const t = svc.tasks.create({ projectId, title: 'big' });
    const { session: o } = await svc.spawn({ projectId, taskIds: [t.id], role: 'orchestrator' });
    const orch = asSession(o.id);
    const sub = await call(orch, 'task.create', { title: 'half', parentId: t.id });
    const child = await call(orch, 'session.spawn', { taskIds: [sub.id] });
    expect(child.session.parentSessionId).toBe(o.id);
    const children = await call(orch, 'session.list', { parentSessionId: o.id });
    expect(children.map((s: any) => s.id)).toEqual([child.session.id]);
    const info = await call(orch, 'session.info', { sessionId: o.id });
    expect(info.children).toHaveLength(1);
    // closing a task that is not its own leaves an orchestrator's status alone
    const { session: planner } = await svc.spawn({ projectId, taskIds: [], role: 'orchestrator' });
    const plan = asSession(planner.id);
    await call(plan, 'report.progress', { message: 'planning' });
    const side = await call(plan, 'task.create', { title: 'side job' });
    await call(plan, 'task.complete', { taskId: side.id });
    expect(svc.tasks.get(side.id).status).toBe('done');
    expect(svc.sessions.get(planner.id).status).toBe('running');
    await call(orch, 'report.progress', { message: 'nudge', sessionId: child.session.id });
    expect(svc.sessions.timeline(child.session.id).at(-1)?.message).toBe('progress report: status spawning -> running');
  });
});

describe('queues', () => {
  let projectId: string;
  beforeEach(() => {
    projectId = svc.projects.create({ name: 'p', workingDir: home }).id;
  });

  it('claims ready items in order, waits on dependencies, skips to the end and completes', async () => {
    const a = svc.tasks.create({ projectId, title: 'a' });
    const b = svc.tasks.create({ projectId, title: 'b', dependencies: [a.id] });
    const c = svc.tasks.create({ projectId, title: 'c' });
    const { session } = await svc.spawn({ projectId, taskIds: [a.id, b.id, c.id], strategy: 'queue' });
    const me = asSession(session.id);

    const first = await call(me, 'queue.start', {});
    expect(first.item.taskId).toBe(a.id);
    expect((await call(me, 'queue.start', {})).alreadyStarted).toBe(true);
    const skipped = await call(me, 'queue.skip', { reason: 'later' });
    expect(skipped).toMatchObject({ taskId: a.id, skipCount: 1, state: 'queued' });
    expect(svc.tasks.get(a.id).status).toBe('todo');
    // b waits on a, so c is next
    expect((await call(me, 'queue.start', {})).item.taskId).toBe(c.id);
    await call(me, 'queue.complete', { summary: 'c done' });
    expect((await call(me, 'queue.start', {})).item.taskId).toBe(a.id);
    await call(me, 'queue.complete', {});
    expect((await call(me, 'queue.start', {})).item.taskId).toBe(b.id);
    await call(me, 'report.complete', { message: 'b done' });
    const end = await call(me, 'queue.start', {});
    expect(end).toEqual({ item: null, alreadyStarted: false, reason: 'empty' });
    const status = await call(me, 'queue.status', {});
    expect(status.counts).toMatchObject({ total: 3, done: 3, queued: 0 });
    const err = await rejection(call(me, 'queue.complete', {}));
    expect(err.code).toBe('conflict');
    expect(svc.sessions.get(session.id).status).toBe('completed');
  });

  it('reports waiting when the remaining items depend on unfinished work', async () => {
    const blocker = svc.tasks.create({ projectId, title: 'elsewhere' });
    const t = svc.tasks.create({ projectId, title: 'after', dependencies: [blocker.id] });
    const { session } = await svc.spawn({ projectId, taskIds: [t.id], strategy: 'queue' });
    expect(svc.queue.start(session.id)).toEqual({ item: null, alreadyStarted: false, reason: 'waiting' });
  });

  it('never hands the same task to two sessions', async () => {
    const tasks = Array.from({ length: 20 }, (_, i) => svc.tasks.create({ projectId, title: `t${i}` }).id);
    const sessions = await Promise.all(
      Array.from({ length: 8 }, () => svc.spawn({ projectId, taskIds: tasks, strategy: 'queue' })),
    );
    const claimed: string[] = [];
    for (let round = 0; round < 5; round++) {
      for (const { session } of sessions) {
        const r = svc.queue.start(session.id);
        if (r.item && !r.alreadyStarted) {
          claimed.push(r.item.taskId);
          svc.queue.complete(session.id);
        }
      }
    }
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed).toHaveLength(20);
  });
});

describe('events, persistence, skills and templates', () => {
  it('emits typed events only after the transaction commits', () => {
    const events: MaestroEvent[] = [];
    svc.bus.subscribe((e) => events.push(e));
    const p = svc.projects.create({ name: 'p', workingDir: home });
    svc.tasks.create({ projectId: p.id, title: 't' });
    expect(events.map((e) => e.type)).toEqual(['project.created', 'task.created']);
    expect(events[1]!.seq).toBeGreaterThan(events[0]!.seq);
    const before = events.length;
    expect(() =>
      svc.store.tx(() => {
        svc.tasks.create({ projectId: p.id, title: 'rolled back' });
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(events.length).toBe(before);
    expect(svc.tasks.list().map((t) => t.title)).toEqual(['t']);
  });

  it('keeps everything across close and reopen, and applies migrations once', () => {
    const p = svc.projects.create({ name: 'p', workingDir: home });
    const t = svc.tasks.create({ projectId: p.id, title: 't' });
    svc.close();
    svc = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:9' });
    expect(svc.tasks.get(t.id).title).toBe('t');
    const versions = svc.db.prepare('SELECT version FROM schema_migrations').all();
    expect(versions).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
    expect(versions.length).toBeGreaterThanOrEqual(4);
    expect(svc.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(svc.db.pragma('foreign_keys', { simple: true })).toBe(1);
    // Statement journals in memory (db.ts): with files, a 100k-task import took twice as long.
    expect(svc.db.pragma('temp_store', { simple: true })).toBe(2);
    expect(existsSync(join(home, 'data', 'maestro.db'))).toBe(true);
  });

  it('makes ids of the documented shape, all different, across many draws of its random pool', () => {
    const ids = Array.from({ length: 3_000 }, () => newId('tsk'));
    for (const id of ids) expect(id).toMatch(/^tsk_[0-9abcdefghjkmnpqrstvwxyz]{10}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // Every letter of the alphabet turns up in every position: the pool's bytes are spread over all of it.
    for (let i = 4; i < 14; i++) expect(new Set(ids.map((id) => id[i])).size).toBe(32);
  });

  it('refuses a database written by a newer Maestro', () => {
    svc.db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 'x')").run();
    svc.close();
    expect(() => MaestroService.open({ home, apiUrl: 'http://127.0.0.1:9' })).toThrow(/newer than this Maestro/);
    svc = MaestroService.open({ home: tempHome(), apiUrl: 'http://127.0.0.1:9' });
  });

  it('lists and reads skills, project ones overriding global ones', async () => {
    const projDir = join(home, 'proj');
    mkdirSync(join(projDir, '.maestro', 'skills', 'deploy'), { recursive: true });
    mkdirSync(join(home, 'skills'), { recursive: true });
    writeFileSync(join(home, 'skills', 'testing.md'), '# Testing\nWrite tests first.\n');
    writeFileSync(join(home, 'skills', 'deploy.md'), '# Deploy\nGlobal deploy.\n');
    writeFileSync(join(projDir, '.maestro', 'skills', 'deploy', 'SKILL.md'), '---\ndescription: Project deploy\n---\n# D\n');
    svc.projects.create({ name: 'p', workingDir: projDir });
    const list = await call(USER, 'skill.list', { project: 'p' });
    expect(list.map((s: any) => [s.name, s.source, s.description])).toEqual([
      ['deploy', 'project', 'Project deploy'],
      ['testing', 'global', 'Write tests first.'],
    ]);
    expect((await call(USER, 'skill.get', { name: 'testing' })).content).toContain('Write tests first.');
    const traversal = await rejection(call(USER, 'skill.get', { name: '../../etc/passwd' }));
    expect([traversal.code, traversal.field]).toEqual(['invalid_input', 'name']);
  });

  it('spawns from a template', async () => {
    const p = svc.projects.create({ name: 'p', workingDir: home });
    await call(USER, 'template.create', { name: 'lead', role: 'orchestrator', strategy: 'queue', agentCommand: 'my-agent' });
    const dup = await rejection(call(USER, 'template.create', { name: 'lead' }));
    expect(dup.code).toBe('conflict');
    const { session } = await svc.spawn({ projectId: p.id, taskIds: [], template: 'lead' });
    expect(session).toMatchObject({ role: 'orchestrator', strategy: 'queue', agentCommand: 'my-agent' });
    await call(USER, 'template.delete', { template: 'lead' });
    expect(await call(USER, 'template.list', {})).toEqual([]);
  });
});
