/**
 * Deleting a big project without holding the server (issue 13): in one transaction, 100k tasks held it
 * 1.7 s. The project is gone for every caller at once, its rows go a chunk at a time with the turn given away
 * in between, and a server stopped half way finishes at its next start. Turns are counted with a slice
 * budget of 0, never timed; through the real server, other requests are answered while it deletes.
 */
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { USER } from '../src/core/access.js';
import { newId } from '../src/core/ids.js';
import { executeOp } from '../src/core/operations.js';
import { CHUNKS } from '../src/core/project-removal.js';
import { MaestroService } from '../src/core/service.js';
import { Slices } from '../src/core/slices.js';
import { rowsOf } from '../src/core/task-import.js';
import { ownerAuth, rejection, startTestServer, tempHome, type TestServer } from './helpers.js';
import { migrate } from '../src/core/db.js';
import { databaseBefore, serviceForEachTest } from './core-support.js';
import { TurnCounter } from './turn-counter.js';

/** Tables holding rows of a deleted project (by its id, its tasks or its sessions). */
const OWNED: Record<string, string> = {
  projects: 'SELECT COUNT(*) AS n FROM projects WHERE id = @p',
  tasks: 'SELECT COUNT(*) AS n FROM tasks WHERE project_id = @p',
  sessions: 'SELECT COUNT(*) AS n FROM sessions WHERE project_id = @p',
  timeline: 'SELECT COUNT(*) AS n FROM timeline WHERE session_id IN (SELECT id FROM sessions WHERE project_id = @p)',
  messages: 'SELECT COUNT(*) AS n FROM messages WHERE project_id = @p',
  message_recipients: 'SELECT COUNT(*) AS n FROM message_recipients WHERE message_id IN (SELECT id FROM messages WHERE project_id = @p)',
  dispatch_log: 'SELECT COUNT(*) AS n FROM dispatch_log WHERE project_id = @p',
  task_dependencies: 'SELECT COUNT(*) AS n FROM task_dependencies WHERE task_id IN (SELECT id FROM tasks WHERE project_id = @p)',
};
const rowsLeft = (svc: MaestroService, projectId: string) =>
  Object.fromEntries(Object.entries(OWNED).map(([table, sql]) => [table, (svc.db.prepare(sql).get({ p: projectId }) as { n: number }).n]));
const nothingLeft = Object.fromEntries(Object.keys(OWNED).map((t) => [t, 0]));

/**
 * A project with `n` imported tasks (trees of ten, every fifth waiting on the one before, a third done), a
 * finished worker with a long timeline, messages with several recipients each, and a dispatcher's log.
 */
async function bigProject(svc: MaestroService, name: string, n: number, workingDir: string) {
  const project = svc.projects.create({ name, workingDir });
  const rows = Array.from({ length: n }, (_, i) => ({
    key: `k${i}`,
    title: `${name} task ${i}`,
    ...(i % 10 !== 0 ? { parent: `k${i - (i % 10)}` } : {}),
    ...(i % 5 === 4 ? { dependsOn: [`k${i - 1}`] } : {}),
    ...(i % 3 === 0 ? { status: 'done' } : {}),
  }));
  svc.importer.run(project.id, rowsOf(rows));
  const first = svc.tasks.list({ projectId: project.id, parentId: null })[0]!;
  const { session } = await svc.spawn({ projectId: project.id, taskIds: [first.id], name: `${name}-worker` });
  for (let i = 0; i < 300; i++) svc.report(session.id, 'progress', `step ${i}`);
  svc.report(session.id, 'complete', 'all done');
  const at = new Date().toISOString();
  const message = svc.db.prepare(
    `INSERT INTO messages (id, project_id, from_session_id, from_name, to_target, thread_id, subject, body, created_at) VALUES (?, ?, NULL, 'user', 'project', ?, 's', 'b', ?)`,
  );
  const recipient = svc.db.prepare('INSERT INTO message_recipients (message_id, position, session_id, name) VALUES (?, ?, ?, ?)');
  const log = svc.db.prepare(`INSERT INTO dispatch_log (project_id, kind, message, created_at) VALUES (?, 'note', 'n', ?)`);
  svc.db.transaction(() => {
    for (let i = 0; i < 300; i++) {
      const id = newId('msg');
      message.run(id, project.id, id, at);
      for (let r = 0; r < 3; r++) recipient.run(id, r, session.id, `r${r}`);
      log.run(project.id, at);
    }
  })();
  return { project, session };
}

describe('deleting a big project in slices (core)', () => {
  const core = serviceForEachTest();
  let home: string;
  let svc: MaestroService;
  beforeEach(() => {
    ({ home, svc } = core);
  });

  it('gives the turn away while it deletes; meanwhile the project is gone for every caller and its name is taken', async () => {
    const { project, session } = await bigProject(svc, 'doomed', 3000, home);
    const kept = await bigProject(svc, 'kept', 200, home);
    const keptBefore = rowsLeft(svc, kept.project.id);
    const before = rowsLeft(svc, project.id);
    expect(Math.min(...Object.values(before))).toBeGreaterThan(0);

    // Between the slices: what callers see of the project, at every turn (kept, then checked once it is over).
    const seen: Array<Promise<unknown>> = [];
    const views: unknown[] = [];
    let deleting = true;
    const codeOf = (f: () => unknown) => {
      try {
        return { returned: f() };
      } catch (err) {
        return { code: (err as { code?: string }).code, message: (err as Error).message };
      }
    };
    const during = () => {
      if (!deleting) return;
      views.push({
        list: svc.projects.list().map((p) => p.name),
        sessions: svc.sessions.list().map((x) => x.name),
        byName: codeOf(() => svc.projects.resolve('doomed')).code,
        byId: codeOf(() => svc.projects.get(project.id)).code,
        sameName: codeOf(() => svc.projects.create({ name: 'doomed', workingDir: home })).message,
      });
      seen.push(rejection(executeOp(svc, USER, 'task.create', { project: 'doomed', title: 'too late' })));
      setImmediate(during);
    };
    setImmediate(during);
    const turns = new TurnCounter();
    const result = await svc.deleteProject('doomed', new Slices(0));
    deleting = false;

    // 3,000 tasks, 302 timeline entries, 900 recipients, 300 messages and log lines, chunks of 256: each chunk a slice
    expect(turns.stop()).toBeGreaterThanOrEqual(20);
    expect(views.length).toBeGreaterThanOrEqual(20);
    expect(new Set(views.map((v) => JSON.stringify(v)))).toEqual(
      new Set([
        JSON.stringify({
          list: ['kept'],
          sessions: ['kept-worker'],
          byName: 'not_found',
          byId: 'not_found',
          sameName: "a project named 'doomed' is being deleted; its name is free once that is done (try again in a moment)",
        }),
      ]),
    );
    for (const err of await Promise.all(seen)) expect(err).toMatchObject({ code: 'not_found', field: 'project' });
    expect(result).toEqual({ projectId: project.id, name: 'doomed', deletedTasks: 3000, deletedSessions: 1 });
    expect(rowsLeft(svc, project.id)).toEqual(nothingLeft);
    expect(rowsLeft(svc, kept.project.id)).toEqual(keptBefore);
    expect(svc.db.pragma('foreign_key_check')).toEqual([]);
    expect(existsSync(svc.paths.session(session.id))).toBe(false);
    // the name is free once it is done
    expect(svc.projects.create({ name: 'doomed', workingDir: home }).name).toBe('doomed');
  });

  it('deletes a project whose subtasks nest 1,000 deep (one cascade failed: too many levels of trigger recursion)', async () => {
    const project = svc.projects.create({ name: 'deep', workingDir: home });
    svc.importer.run(project.id, rowsOf(Array.from({ length: 1000 }, (_, i) => ({ key: `k${i}`, title: `level ${i}`, ...(i > 0 ? { parent: `k${i - 1}` } : {}) }))));
    // and a tree whose parent was made after its subtask: made bottom up, each the parent of the one before
    const top = svc.tasks.create({ projectId: project.id, title: 'made first' });
    let below = top.id;
    for (let i = 0; i < 50; i++) {
      const above = svc.tasks.create({ projectId: project.id, title: `above ${i}` });
      svc.tasks.update(below, { parentId: above.id });
      below = above.id;
    }
    expect(await svc.deleteProject('deep')).toMatchObject({ deletedTasks: 1051 });
    expect(rowsLeft(svc, project.id)).toEqual(nothingLeft);
    expect(svc.db.pragma('foreign_key_check')).toEqual([]);
  });

  it('a dispatcher of the project starts nobody once the deletion began, even when a task turns ready meanwhile', async () => {
    const project = svc.projects.create({ name: 'dispatched', workingDir: home });
    svc.importer.run(project.id, rowsOf(Array.from({ length: 1500 }, (_, i) => ({ key: `k${i}`, title: `t${i}`, status: 'blocked' }))));
    await executeOp(svc, USER, 'dispatch.start', { project: 'dispatched', maxWorkers: 2 });
    expect(svc.sessions.list({ projectId: project.id })).toEqual([]); // nothing ready: nobody started
    const last = svc.tasks.list({ projectId: project.id }).at(-1)!;
    const deleted = svc.deleteProject('dispatched', new Slices(0));
    // a task of the project is still there by id for a while: made ready, it would be work for its dispatcher
    await new Promise((r) => setImmediate(r));
    expect(svc.tasks.update(last.id, { status: 'todo' }).ready).toBe(true);
    await svc.dispatcher.kick(project.id);
    await deleted;
    expect(svc.db.prepare('SELECT COUNT(*) AS n FROM sessions').get()).toEqual({ n: 0 });
    expect(svc.db.prepare('SELECT COUNT(*) AS n FROM dispatchers').get()).toEqual({ n: 0 });
  });

  it('an import whose rows were still being checked when the project went writes nothing into it', async () => {
    const project = svc.projects.create({ name: 'importing', workingDir: home });
    const rows = rowsOf(Array.from({ length: 3000 }, (_, i) => ({ key: `k${i}`, title: `t${i}` })));
    const importing = rejection(svc.importer.runInSlices(project.id, rows, {}, new Slices(0)));
    await new Promise((r) => setImmediate(r)); // its rows are being checked, a slice at a time
    await svc.deleteProject('importing');
    expect(await importing).toMatchObject({ code: 'not_found', field: 'project' });
    expect(svc.db.prepare('SELECT COUNT(*) AS n FROM tasks').get()).toEqual({ n: 0 });
    expect(rowsLeft(svc, project.id)).toEqual(nothingLeft);
  });

  it('a deletion cut off by closing finishes when the service is opened again and resumed', async () => {
    const { project, session } = await bigProject(svc, 'half', 2000, home);
    const deleting = svc.deleteProject('half', new Slices(0));
    const failed = rejection(deleting);
    for (let i = 0; i < 6; i++) await new Promise((r) => setImmediate(r)); // a few chunks go
    svc.close();
    expect(await failed).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/next start/) });

    svc = core.reopen();
    const left = rowsLeft(svc, project.id);
    expect(left.projects).toBe(1);
    expect(left.tasks + left.timeline + left.message_recipients).toBeGreaterThan(0); // cut off half way
    // gone for every caller already, before any resume
    expect(svc.projects.list()).toEqual([]);
    await expect(executeOp(svc, USER, 'project.get', { project: 'half' })).rejects.toMatchObject({ code: 'not_found' });
    const leftOver: string[] = [];
    await svc.resumeProjectRemovals((_id, dirs) => leftOver.push(...dirs));
    expect(leftOver).toEqual([]);
    expect(rowsLeft(svc, project.id)).toEqual(nothingLeft);
    expect(existsSync(svc.paths.session(session.id))).toBe(false);
    expect(svc.db.pragma('foreign_key_check')).toEqual([]);
  });

  it('finds each chunk through indexes: no statement of the removal reads a whole table', () => {
    for (const sql of CHUNKS) {
      const plan = (svc.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('prj_x') as Array<{ detail: string }>).map((r) => r.detail);
      expect(plan.filter((d) => /^SCAN /.test(d)), sql).toEqual([]);
      expect(plan.join('\n'), sql).toMatch(/USING (COVERING )?INDEX \w+ \(project_id=\?\)/);
    }
  });

  it('migration 17 adds the mark to a database made at 16, with no project marked, and the sessions in creation order', () => {
    const { db } = databaseBefore(17);
    migrate(db);
    expect(db.prepare('SELECT id, deleting_at FROM projects').all()).toEqual([{ id: 'prj_old', deleting_at: null }]);
    const indexes = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sessions' ORDER BY name`).pluck().all();
    expect(indexes).toEqual(expect.arrayContaining(['sessions_created', 'sessions_project_created']));
    db.close();
  });
});

describe('deleting a big project through the server', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.dispose();
    server = undefined;
  });

  it('answers other requests while it deletes a project of 20,000 tasks', async () => {
    server = await startTestServer();
    const headers = { ...ownerAuth(server.home), 'content-type': 'application/json' };
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${server!.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as any };
    };
    await api('POST', '/api/projects', { name: 'big', workingDir: server.home });
    await api('POST', '/api/projects', { name: 'other', workingDir: server.home });
    const probe = (await api('POST', '/api/tasks', { project: 'other', title: 'still here' })).body;
    const text = Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ key: `k${i}`, title: `task ${i}`, ...(i % 10 ? { parent: `k${i - (i % 10)}` } : {}) })).join('\n');
    expect((await api('POST', '/api/tasks/import', { project: 'big', text })).status).toBe(200);

    let deleting = true;
    let answered = 0;
    const probing = (async () => {
      while (deleting) {
        const r = await api('GET', `/api/tasks/${probe.id}`);
        expect(r.status).toBe(200);
        if (deleting) answered++;
      }
    })();
    const deleted = await api('DELETE', '/api/projects/big');
    deleting = false;
    await probing;
    expect(deleted).toMatchObject({ status: 200, body: { name: 'big', deletedTasks: 20_000 } });
    // In one transaction, no other request was answered before the deletion was over.
    expect(answered).toBeGreaterThanOrEqual(5);
    expect((await api('GET', '/api/projects')).body.map((p: { name: string }) => p.name)).toEqual(['other']);
    expect(server.svc.db.prepare('SELECT COUNT(*) AS n FROM tasks').get()).toEqual({ n: 1 });
  });

  it('a server started on a home with a half-deleted project finishes deleting it', async () => {
    const home = tempHome();
    const svc = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:9' });
    const { project, session } = await bigProject(svc, 'stopped-midway', 1000, home);
    // What a server stopped half way leaves: the project marked, part of its rows gone.
    svc.projects.markDeleting(project.id);
    svc.db.prepare('DELETE FROM tasks WHERE rowid IN (SELECT rowid FROM tasks WHERE project_id = ? ORDER BY seq DESC LIMIT 400)').run(project.id);
    svc.close();

    server = await startTestServer({ home });
    const res = await fetch(`${server.url}/api/projects`, { headers: ownerAuth(home) });
    expect(await res.json()).toEqual([]); // gone for callers from the first request
    const svc2 = server.svc;
    await expect.poll(() => rowsLeft(svc2, project.id), { timeout: 10_000 }).toEqual(nothingLeft);
    await expect.poll(() => existsSync(svc2.paths.session(session.id))).toBe(false);
  });
});
