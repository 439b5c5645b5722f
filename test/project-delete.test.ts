/**
 * project_delete end to end: the core (cascades leave no orphan row, other projects untouched, live
 * sessions refuse it, session folders go, one event), REST, MCP and the CLI.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { USER, type Actor } from '../src/core/access.js';
import { MaestroError } from '../src/core/errors.js';
import type { MaestroEvent } from '../src/core/events.js';
import { executeOp } from '../src/core/operations.js';
import type { SessionStatus } from '../src/core/schemas.js';
import { MaestroService, type SessionLauncher } from '../src/core/service.js';
import type { Project, Session } from '../src/core/types.js';
import { send } from '../src/http/client.js';
import { cliFor, ok as cliOk } from './cli-support.js';
import { ownerAuth, rejection, startTestServer, tempHome, type TestServer } from './helpers.js';
import { callTool, connectHttp, ok as mcpOk } from './mcp-support.js';

// ---- helpers ------------------------------------------------------------------------------------------


/** A project with some of everything: subtasks, dependencies, a simple and a queue session with timelines and queue items, a child session. */
async function populate(svc: MaestroService, name: string, workingDir: string) {
  const project = svc.projects.create({ name, workingDir });
  const root = svc.tasks.create({ projectId: project.id, title: `${name} root` });
  const sub = svc.tasks.create({ projectId: project.id, title: `${name} sub`, parentId: root.id });
  const dep = svc.tasks.create({ projectId: project.id, title: `${name} dep`, dependencies: [sub.id] });
  const loose = svc.tasks.create({ projectId: project.id, title: `${name} loose`, dependencies: [root.id, dep.id] });
  const lead = (await svc.spawn({ projectId: project.id, taskIds: [root.id], role: 'orchestrator', name: `${name}-lead` })).session;
  const worker = (await svc.spawn({ projectId: project.id, taskIds: [sub.id], parentSessionId: lead.id, name: `${name}-w` })).session;
  const queue = (await svc.spawn({ projectId: project.id, taskIds: [loose.id, dep.id], strategy: 'queue', name: `${name}-q` })).session;
  svc.report(worker.id, 'progress', 'half way');
  svc.report(worker.id, 'complete', 'sub done');
  svc.queue.start(queue.id);
  svc.report(lead.id, 'progress', 'planning');
  const sessions = [lead, worker, queue];
  for (const s of sessions) writeFileSync(svc.paths.recording(s.id), '{"version":2}\n');
  return { project, tasks: [root, sub, dep, loose], sessions };
}

const TABLES = ['projects', 'tasks', 'task_dependencies', 'session_tasks', 'sessions', 'timeline', 'queue_items', 'templates'] as const;

/** Every row of every table, as one value (to show a refused call changed nothing). */
const everything = (svc: MaestroService) =>
  Object.fromEntries(TABLES.map((t) => [t, svc.db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all()]));

/** The rows that belong to a project, table by table (through its tasks and sessions). */
function rowsOf(svc: MaestroService, projectId: string): Record<string, unknown[]> {
  const q = (sql: string) => svc.db.prepare(sql).all(projectId);
  const tasks = 'SELECT id FROM tasks WHERE project_id = ?';
  const sessions = 'SELECT id FROM sessions WHERE project_id = ?';
  return {
    projects: q('SELECT * FROM projects WHERE id = ? ORDER BY rowid'),
    tasks: q('SELECT * FROM tasks WHERE project_id = ? ORDER BY rowid'),
    task_dependencies: svc.db
      .prepare(`SELECT * FROM task_dependencies WHERE task_id IN (${tasks}) OR depends_on_id IN (${tasks}) ORDER BY rowid`)
      .all(projectId, projectId),
    session_tasks: svc.db
      .prepare(`SELECT * FROM session_tasks WHERE session_id IN (${sessions}) OR task_id IN (${tasks}) ORDER BY rowid`)
      .all(projectId, projectId),
    sessions: q('SELECT * FROM sessions WHERE project_id = ? ORDER BY rowid'),
    timeline: svc.db
      .prepare(`SELECT * FROM timeline WHERE session_id IN (${sessions}) OR task_id IN (${tasks}) ORDER BY rowid`)
      .all(projectId, projectId),
    queue_items: svc.db
      .prepare(`SELECT * FROM queue_items WHERE session_id IN (${sessions}) OR task_id IN (${tasks}) ORDER BY rowid`)
      .all(projectId, projectId),
  };
}

const tableSize = (svc: MaestroService, table: string) => (svc.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

// ---- the core -------------------------------------------------------------------------------------------

describe('project.delete in the core', () => {
  let home: string;
  let svc: MaestroService;
  const call = (actor: Actor, input: unknown) => executeOp(svc, actor, 'project.delete', input) as Promise<any>;
  const stopAll = async (sessions: Session[]) => {
    for (const s of sessions) await svc.stopSession(s.id);
  };

  beforeEach(() => {
    home = tempHome();
    svc = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:9' });
  });
  afterEach(() => {
    svc.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('deletes the project and everything in it, leaves no orphan row and no folder, and leaves other projects alone', async () => {
    const doomed = await populate(svc, 'doomed', home);
    const kept = await populate(svc, 'kept', home);
    await stopAll(doomed.sessions);
    // the other project keeps a live session: only the deleted project's sessions matter
    const keptRows = rowsOf(svc, kept.project.id);
    const doomedRows = rowsOf(svc, doomed.project.id);
    for (const table of ['tasks', 'task_dependencies', 'session_tasks', 'sessions', 'timeline', 'queue_items'])
      expect(doomedRows[table]!.length, `${table} rows before`).toBeGreaterThan(0);
    for (const s of doomed.sessions) expect(existsSync(svc.paths.recording(s.id))).toBe(true);
    const events: MaestroEvent[] = [];
    const unsubscribe = svc.bus.subscribe((e) => events.push(e));

    const result = await call(USER, { project: 'doomed' });
    unsubscribe();

    expect(result).toEqual({ projectId: doomed.project.id, name: 'doomed', deletedTasks: 4, deletedSessions: 3 });
    for (const [table, rows] of Object.entries(rowsOf(svc, doomed.project.id))) expect(rows, table).toEqual([]);
    // what is left is exactly the other project's rows, unchanged: nothing orphaned anywhere
    expect(rowsOf(svc, kept.project.id)).toEqual(keptRows);
    for (const [table, rows] of Object.entries(keptRows)) expect(tableSize(svc, table), table).toBe(rows.length);
    expect(svc.db.pragma('foreign_key_check')).toEqual([]);
    for (const s of doomed.sessions) expect(existsSync(svc.paths.session(s.id)), s.id).toBe(false);
    for (const s of kept.sessions) expect(existsSync(svc.paths.recording(s.id)), s.id).toBe(true);
    expect(events.map(({ seq: _s, at: _a, ...body }) => body)).toEqual([{ type: 'project.deleted', projectId: doomed.project.id }]);
    await expect(call(USER, { project: doomed.project.id })).rejects.toMatchObject({ code: 'not_found', field: 'project' });
    expect(svc.projects.list().map((p) => p.name)).toEqual(['kept']);
  });

  it('accepts the project id as well as the name', async () => {
    const p = await populate(svc, 'by-id', home);
    await stopAll(p.sessions);
    expect(await call(USER, { project: p.project.id })).toMatchObject({ projectId: p.project.id, name: 'by-id' });
    expect(svc.projects.list()).toEqual([]);
  });

  it('refuses while any session is live, naming those sessions, and changes nothing', async () => {
    const p = await populate(svc, 'busy', home);
    const [lead, worker, queue] = p.sessions as [Session, Session, Session];
    // lead: running (it reported), queue: spawning (no launcher starts it), worker: completed (it reported so)
    expect([lead, worker, queue].map((s) => svc.sessions.get(s.id).status)).toEqual(['running', 'completed', 'spawning']);
    const before = everything(svc);
    const events: MaestroEvent[] = [];
    const unsubscribe = svc.bus.subscribe((e) => events.push(e));

    const err = await rejection(call(USER, { project: 'busy' }));
    unsubscribe();

    expect(err.code).toBe('conflict');
    expect(err.httpStatus).toBe(409);
    expect(err.field).toBe('project');
    expect(err.message).toContain(`${lead.id} (running)`);
    expect(err.message).toContain(`${queue.id} (spawning)`);
    expect(err.message).not.toContain(worker.id);
    expect(err.message).toMatch(/stop them first/);
    expect(everything(svc)).toEqual(before);
    expect(events).toEqual([]);
    for (const s of p.sessions) expect(existsSync(svc.paths.recording(s.id)), s.id).toBe(true);

    await stopAll([lead, queue]);
    expect(await call(USER, { project: 'busy' })).toMatchObject({ deletedSessions: 3 });
  });

  it('counts only completed, failed and stopped sessions as over', async () => {
    const statuses: SessionStatus[] = ['spawning', 'running', 'idle', 'needs_input', 'blocked', 'completed', 'failed', 'stopped'];
    const outcome: Record<string, string> = {};
    for (const status of statuses) {
      const project = svc.projects.create({ name: `p-${status}`, workingDir: home });
      const { session } = await svc.spawn({ projectId: project.id, taskIds: [] });
      if (status !== 'spawning') svc.sessions.setStatus(session.id, status);
      try {
        await call(USER, { project: project.id });
        outcome[status] = 'deleted';
      } catch (err) {
        outcome[status] = (err as MaestroError).code;
      }
    }
    expect(outcome).toEqual({
      spawning: 'conflict',
      running: 'conflict',
      idle: 'conflict',
      needs_input: 'conflict',
      blocked: 'conflict',
      completed: 'deleted',
      failed: 'deleted',
      stopped: 'deleted',
    });
  });

  it('is for the owner only: sessions are refused, even orchestrators of that project', async () => {
    const p = await populate(svc, 'guarded', home);
    const before = everything(svc);
    for (const s of p.sessions) {
      const err = await rejection(call({ kind: 'session', session: svc.sessions.get(s.id) }, { project: p.project.id }));
      expect(err.code, s.role).toBe('forbidden');
      expect(err.message).toContain('project_delete');
    }
    expect(everything(svc)).toEqual(before);
  });

  it('answers bad input with a clear error and deletes nothing', async () => {
    const p = await populate(svc, 'safe', home);
    await stopAll(p.sessions);
    const before = everything(svc);
    const cases: Array<[unknown, string, string | undefined, RegExp]> = [
      [{}, 'invalid_input', 'project', /project/],
      [{ project: '' }, 'invalid_input', 'project', /project must not be empty/],
      [{ project: '   ' }, 'invalid_input', 'project', /project must not be empty/],
      [{ project: 42 }, 'invalid_input', 'project', /project/],
      [{ project: 'safe', force: true }, 'invalid_input', 'force', /force/],
      [{ project: 'x'.repeat(201) }, 'invalid_input', 'project', /project/],
      [{ project: 'nope' }, 'not_found', 'project', /project 'nope' does not exist/],
      [{ project: '%' }, 'not_found', 'project', /does not exist/],
    ];
    for (const [input, code, field, message] of cases) {
      const err = await rejection(call(USER, input));
      expect([err.code, err.field], JSON.stringify(input)).toEqual([code, field]);
      expect(err.message, JSON.stringify(input)).toMatch(message);
    }
    expect(everything(svc)).toEqual(before);
  });

  it('stops any agent still lingering in a deleted session\u2019s terminal before removing its folder', async () => {
    const stops: Array<{ id: string; folderThere: boolean }> = [];
    const launcher: SessionLauncher = {
      launch: async () => undefined,
      stop: async (id) => {
        stops.push({ id, folderThere: existsSync(svc.paths.session(id)) });
      },
    };
    svc.launcher = launcher;
    const p = await populate(svc, 'lingering', home);
    await stopAll(p.sessions);
    stops.length = 0;
    await call(USER, { project: 'lingering' });
    expect(stops).toEqual(p.sessions.map((s) => ({ id: s.id, folderThere: true })));
    for (const s of p.sessions) expect(existsSync(svc.paths.session(s.id))).toBe(false);
  });

  it('says so when a session folder cannot be removed, after deleting the rest', async () => {
    const p = await populate(svc, 'stuck', home);
    await stopAll(p.sessions);
    const [bad, ...good] = p.sessions as [Session, ...Session[]];
    const session = svc.paths.session;
    // a path node:fs refuses outright (a NUL byte): the removal throws whatever `force` says
    Object.assign(svc.paths, { session: (id: string) => (id === bad.id ? `${session(id)}\0` : session(id)) });
    const err = await rejection(call(USER, { project: 'stuck' }));
    expect(err.code).toBe('internal');
    expect(err.message).toMatch(/project 'stuck' \(prj_\w+\) was deleted, but these session folders could not be removed/);
    expect(err.message).toContain(bad.id);
    expect(svc.projects.list()).toEqual([]);
    for (const s of good) expect(existsSync(session(s.id))).toBe(false);
  });

  it('has an index for the timeline rows a deleted task leaves (no table scan per task)', () => {
    const plan = svc.db.prepare('EXPLAIN QUERY PLAN SELECT 1 FROM timeline WHERE task_id = ?').all('tsk_x') as Array<{ detail: string }>;
    expect(plan.map((r) => r.detail).join('\n')).toMatch(/USING (COVERING )?INDEX timeline_task/);
  });
});

// ---- REST, MCP and the CLI ----------------------------------------------------------------------------------

describe('project.delete over REST, MCP and the CLI', () => {
  let server: TestServer;
  let workdir: string;
  const clients: Client[] = [];
  const cli = cliFor(() => server.url, () => server.home);

  const api = async (method: string, path: string, headers: Record<string, string> = ownerAuth(server.home)) => {
    const res = await send(server.url + path, method, headers, undefined, 10_000);
    return { status: res.status, body: res.text ? JSON.parse(res.text) : null };
  };
  /** A project with two tasks and one session, stopped unless `live`. */
  const made = async (name: string, live = false): Promise<{ project: Project; session: Session }> => {
    const svc = server.svc;
    const project = svc.projects.create({ name, workingDir: workdir });
    const a = svc.tasks.create({ projectId: project.id, title: 'a' });
    svc.tasks.create({ projectId: project.id, title: 'b', dependencies: [a.id] });
    const { session } = await svc.spawn({ projectId: project.id, taskIds: [a.id], role: 'orchestrator' });
    svc.report(session.id, 'progress', 'on it');
    if (!live) await svc.stopSession(session.id);
    return { project, session: svc.sessions.get(session.id) };
  };
  const exists = (id: string) => server.svc.projects.list().some((p) => p.id === id);

  beforeAll(async () => {
    server = await startTestServer();
    workdir = join(server.home, 'work');
    mkdirSync(workdir, { recursive: true });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server?.dispose();
  });

  it('DELETE /api/projects/:project answers 200 with what went; the project is gone afterwards', async () => {
    const { project, session } = await made('rest-doomed');
    const res = await api('DELETE', '/api/projects/rest-doomed');
    expect(res).toEqual({ status: 200, body: { projectId: project.id, name: 'rest-doomed', deletedTasks: 2, deletedSessions: 1 } });
    expect((await api('GET', `/api/projects/${project.id}`)).status).toBe(404);
    expect(existsSync(server.svc.paths.session(session.id))).toBe(false);
    expect(server.svc.tasks.list({ projectId: project.id })).toEqual([]);
  });

  it('an unknown project is a 404 JSON error', async () => {
    const res = await api('DELETE', '/api/projects/no-such-project');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: "project 'no-such-project' does not exist", field: 'project' } });
  });

  it('a live session makes it a 409 naming the session, and nothing goes', async () => {
    const { project, session } = await made('rest-busy', true);
    const res = await api('DELETE', `/api/projects/${project.id}`);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'conflict', field: 'project' });
    expect(res.body.error.message).toContain(session.id);
    expect(exists(project.id)).toBe(true);
    expect(server.svc.tasks.list({ projectId: project.id })).toHaveLength(2);
  });

  it("a session's token gets 403 over REST and an isError over MCP; the owner over MCP deletes", async () => {
    const { project, session } = await made('guarded', true);
    const token = server.svc.sessions.token(session.id);
    const rest = await api('DELETE', `/api/projects/${project.id}`, { authorization: `Bearer ${token}` });
    expect(rest.status).toBe(403);
    expect(rest.body.error.code).toBe('forbidden');
    const viaOps = await send(`${server.url}/api/ops/project_delete`, 'POST', { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, JSON.stringify({ project: project.id }), 10_000);
    expect(viaOps.status).toBe(403);

    const asSession = await connectHttp(server, { session, token });
    clients.push(asSession);
    expect((await asSession.listTools()).tools.map((t) => t.name)).not.toContain('project_delete');
    const refused = await callTool(asSession, 'project_delete', { project: project.id });
    expect(refused.isError).toBe(true);
    expect(refused.text).toMatch(/^forbidden: project_delete is for people/);
    expect(exists(project.id)).toBe(true);

    const owner = await connectHttp(server);
    clients.push(owner);
    const tool = (await owner.listTools()).tools.find((t) => t.name === 'project_delete');
    expect(tool).toMatchObject({ annotations: { readOnlyHint: false }, inputSchema: { required: ['project'] } });
    expect(tool!.description).toMatch(/refused while any of its sessions is live/);
    const busy = await callTool(owner, 'project_delete', { project: 'guarded' });
    expect(busy.isError).toBe(true);
    expect(busy.text).toContain(session.id);
    await server.svc.stopSession(session.id);
    const deleted = await mcpOk(owner, 'project_delete', { project: 'guarded' });
    expect(deleted).toEqual({ projectId: project.id, name: 'guarded', deletedTasks: 2, deletedSessions: 1 });
    expect(exists(project.id)).toBe(false);
  });

  describe('maestro project delete', { timeout: 60_000 }, () => {
    it('without --yes: exit 2, says what would go and how to confirm, and deletes nothing', async () => {
      const { project } = await made('cli-doomed');
      const r = await cli(['project', 'delete', 'cli-doomed']);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `error: deleting project cli-doomed (${project.id}) also deletes its 2 task(s) and 1 session(s), with their timelines, queues and recordings, and cannot be undone: add --yes (maestro project delete cli-doomed --yes)\n`,
      );
      const json = await cli(['project', 'delete', project.id, '--json']);
      expect(json.code).toBe(2);
      expect(json.json().error).toMatchObject({ code: 'invalid_input', message: expect.stringContaining('add --yes') });
      expect(exists(project.id)).toBe(true);
      expect(server.svc.tasks.list({ projectId: project.id })).toHaveLength(2);
    });

    it('with --yes: deleted, and project list no longer shows it', async () => {
      const { project } = await made('cli-gone');
      expect((await cli(['project', 'list'])).stdout).toContain(`${project.id}  cli-gone`);
      const r = await cli(['project', 'delete', 'cli-gone', '--yes']);
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(r.stdout).toBe(`deleted project ${project.id} cli-gone: 2 tasks, 1 sessions\n`);
      const list = await cli(['project', 'list']);
      expect(list.code).toBe(0);
      expect(list.stdout).not.toContain(project.id);
      expect(list.stdout).not.toContain('cli-gone');
      expect((await cliOk<Project[]>(cli, ['project', 'list'])).map((p) => p.id)).not.toContain(project.id);
    });

    it('--json prints the result', async () => {
      const { project } = await made('cli-json');
      const r = await cli(['project', 'delete', project.id, '--yes', '--json']);
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(r.json()).toEqual({ projectId: project.id, name: 'cli-json', deletedTasks: 2, deletedSessions: 1 });
      expect(r.stdout).toBe(`${JSON.stringify(r.json(), null, 2)}\n`);
    });

    it('an unknown project: exit 1 with a clear message, with or without --yes', async () => {
      for (const args of [['--yes'], []]) {
        const r = await cli(['project', 'delete', 'cli-never-was', ...args]);
        expect(r.code, args.join(' ')).toBe(1);
        expect(r.stderr).toBe("error: project 'cli-never-was' does not exist (<project>)\n");
      }
    });

    it('a live session: the warning says so, and --yes is refused (exit 1) naming it', async () => {
      const { project, session } = await made('cli-busy', true);
      const warned = await cli(['project', 'delete', 'cli-busy']);
      expect(warned.code).toBe(2);
      expect(warned.stderr).toContain('(1 of its sessions is still live: stop it first)');
      const r = await cli(['project', 'delete', 'cli-busy', '--yes']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${session.id} (running)`);
      expect(r.stderr).toContain('stop them first');
      expect(exists(project.id)).toBe(true);
    });

    it('acting as a session: refused (exit 1), nothing deleted', async () => {
      const { project, session } = await made('cli-as-session', true);
      const r = await cli(['project', 'delete', 'cli-as-session', '--yes'], { MAESTRO_SESSION_TOKEN: server.svc.sessions.token(session.id) });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: project_delete is for people/);
      expect(exists(project.id)).toBe(true);
    });
  });
});
