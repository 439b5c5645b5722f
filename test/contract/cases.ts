/**
 * The operation contract, once for every transport: each case is a small scenario of operation calls by
 * name, as the owner or as a session (with its token), with expectations on the results and on the errors
 * (`code` and `field`). `runOpCases(transport)` registers them as vitest tests; a transport only has to
 * say how to call an operation (see support.ts), so a change to an operation is tested everywhere at once.
 *
 * Cases are independent: each makes its own projects (fresh names, fresh directories), tasks and sessions,
 * so they may run concurrently against one server. Ended sessions are never called as (their tokens stop
 * working over the wire, while executeOp itself does not authenticate).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MaestroError } from '../../src/core/error-codec.js';
import { OPERATIONS } from '../../src/core/operations.js';
import type { Project, Session, Task } from '../../src/core/types.js';
import { OWNER, Unsupported, type Caller, type OpTransport } from './support.js';

export { OWNER, Unsupported, type Caller, type OpTransport } from './support.js';

type Input = Record<string, unknown>;
type SessionCaller = Extract<Caller, { kind: 'session' }> & { session: Session };

/** Operations no case can exercise without a live agent terminal (none today: session.send is covered by its refusal). */
export const NEEDS_TERMINAL: Record<string, string> = {};

interface Ctx {
  /** The call under test. */
  call<T = any>(op: string, input?: Input, as?: Caller): Promise<T>;
  /** The call under test, which must fail: its MaestroError. */
  fails(op: string, input?: Input, as?: Caller): Promise<MaestroError>;
  /** Set-up (the transport's `arrange`, by default the same transport). */
  setup<T = any>(op: string, input?: Input, as?: Caller): Promise<T>;
  /**
   * A read that verifies what the call under test did (through `arrange` too: the reads themselves are
   * cases of their own), and the same for a read that must fail.
   */
  check<T = any>(op: string, input?: Input, as?: Caller): Promise<T>;
  checkFails(op: string, input?: Input, as?: Caller): Promise<MaestroError>;
  /** A name no other case (or transport) uses. */
  name(label: string): string;
  /** A fresh directory, with `files` (relative path -> content) written in it. */
  dir(label: string, files?: Record<string, string>): string;
  project(label?: string, files?: Record<string, string>): Promise<Project>;
  task(project: Project, title: string, extra?: Input): Promise<Task>;
  /** Spawns a session (as the owner, or as an orchestrator) and returns it as a caller. */
  session(project: Project, spawn?: Input, as?: Caller): Promise<SessionCaller>;
  /** A session (e.g. returned by a `session.spawn` under test) as a caller, with its token. */
  caller(session: Session): SessionCaller;
}

interface OpCase {
  name: string;
  /** A product bug this case hits on every transport today: registered with `it.fails` until it is fixed. */
  knownIssue?: string;
  run(ctx: Ctx): Promise<void>;
}

/** The error's code and field, exactly (no field expected means none given). */
function expectError(err: MaestroError, code: MaestroError['code'], field?: string): void {
  expect({ code: err.code, field: err.field }, err.message).toEqual({ code, field });
  expect(typeof err.message).toBe('string');
  expect(err.message.length).toBeGreaterThan(0);
}

const ids = (items: Array<{ id: string }>) => items.map((i) => i.id);
const KNOWN_REPORT_KINDS = ['progress', 'complete', 'blocked', 'error', 'needs_input'];

const SKILL_ALPHA = '---\ndescription: Alpha guide\n---\n# Alpha\nDo alpha things.\n';
const SKILL_BETA = '# Beta\n\nBeta first line.\nMore beta.\n';
const SKILLS = { '.maestro/skills/alpha.md': SKILL_ALPHA, '.maestro/skills/beta/SKILL.md': SKILL_BETA };

export const CASES: OpCase[] = [
  // ---- projects -----------------------------------------------------------------------------------------
  {
    name: 'project: create, get by name and id, update, list, delete (owner)',
    async run({ call, check, checkFails, name, dir }) {
      const projectName = name('proj');
      const workingDir = dir('proj');
      const created = await call('project.create', { name: projectName, workingDir });
      expect(created).toMatchObject({
        id: expect.stringMatching(/^prj_/),
        name: projectName,
        workingDir,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(await call('project.get', { project: projectName })).toEqual(created);
      expect(await check('project.get', { project: created.id })).toEqual(created);

      const newName = name('renamed');
      const newDir = dir('moved');
      const updated = await call('project.update', { project: created.id, name: newName, workingDir: newDir });
      expect(updated).toMatchObject({ id: created.id, name: newName, workingDir: newDir, createdAt: created.createdAt });
      expect(await check('project.list', {})).toContainEqual(updated);

      const deleted = await call('project.delete', { project: newName });
      expect(deleted).toEqual({ projectId: created.id, name: newName, deletedTasks: 0, deletedSessions: 0 });
      expectError(await checkFails('project.get', { project: created.id }), 'not_found', 'project');
      expect(ids(await check('project.list', {}))).not.toContain(created.id);
    },
  },
  {
    name: 'project: refusals (duplicate name, bad name, unknown project)',
    async run({ call, check, fails, name, dir, project }) {
      const p = await project('dup');
      expectError(await fails('project.create', { name: p.name, workingDir: dir('dup2') }), 'conflict', 'name');
      expectError(await fails('project.create', { name: 'a/b', workingDir: dir('slash') }), 'invalid_input', 'name');
      const missing = name('missing');
      expectError(await fails('project.get', { project: missing }), 'not_found', 'project');
      expectError(await fails('project.update', { project: missing, name: name('x') }), 'not_found', 'project');
      expectError(await fails('project.delete', { project: missing }), 'not_found', 'project');
      expect((await check('project.get', { project: p.id })).name).toBe(p.name);

      const spaced = await call('project.create', { name: name('café au lait #1?'), workingDir: dir('spaced') });
      expect(await call('project.get', { project: spaced.name })).toEqual(spaced);
      expect(await call('task.list', { project: spaced.name })).toEqual({ tasks: [], nextCursor: null });
    },
  },
  {
    name: 'project: a relative working directory is invalid_input naming workingDir',
    async run({ fails, name }) {
      expectError(await fails('project.create', { name: name('rel'), workingDir: 'relative/dir' }), 'invalid_input', 'workingDir');
    },
  },
  {
    name: 'project: delete is refused while a session is live, then takes tasks and sessions along',
    async run({ call, fails, setup, checkFails, project, task, session }) {
      const p = await project('del');
      const a = await task(p, 'A');
      const w = await session(p, { taskIds: [a.id] });
      expectError(await fails('project.delete', { project: p.name }), 'conflict', 'project');
      await setup('session.stop', { sessionId: w.id });
      expect(await call('project.delete', { project: p.name })).toEqual({ projectId: p.id, name: p.name, deletedTasks: 1, deletedSessions: 1 });
      expectError(await checkFails('session.info', { sessionId: w.id }), 'not_found', 'sessionId');
      expectError(await checkFails('task.get', { taskId: a.id }), 'not_found', 'taskId');
    },
  },
  {
    name: 'project: a session sees only its own project and may not manage projects',
    async run({ call, fails, name, dir, project, task, session }) {
      const mine = await project('mine');
      const other = await project('other');
      const foreign = await task(other, 'not yours');
      const w = await session(mine);
      expect(await call('project.list', {}, w)).toEqual([mine]);
      expect(await call('project.get', { project: mine.name }, w)).toEqual(mine);
      expectError(await fails('project.get', { project: other.id }, w), 'forbidden', 'project');
      expectError(await fails('task.list', { project: other.name }, w), 'forbidden', 'project');
      expectError(await fails('status', { project: other.name }, w), 'forbidden', 'project');
      expectError(await fails('task.get', { taskId: foreign.id }, w), 'forbidden', 'taskId');
      expectError(await fails('project.create', { name: name('nope'), workingDir: dir('nope') }, w), 'forbidden');
      expectError(await fails('project.update', { project: mine.id, name: name('nope') }, w), 'forbidden');
      expectError(await fails('project.delete', { project: mine.id }, w), 'forbidden');
    },
  },

  // ---- tasks ----------------------------------------------------------------------------------------------
  {
    name: 'task: create with defaults and with every field, get',
    async run({ call, check, project }) {
      const p = await project('tasks');
      const plain = await call('task.create', { project: p.name, title: '  Build the parser ' });
      expect(plain).toMatchObject({
        id: expect.stringMatching(/^tsk_/),
        projectId: p.id,
        parentId: null,
        title: 'Build the parser',
        description: '',
        status: 'todo',
        priority: 'medium',
        dependencies: [],
        assignee: null,
        ready: true,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        completedAt: null,
      });
      const full = await call('task.create', {
        project: p.id,
        title: 'Grammar',
        description: 'LL(1), *markdown*',
        priority: 'high',
        parentId: plain.id,
        dependencies: [plain.id],
      });
      expect(full).toMatchObject({
        projectId: p.id,
        title: 'Grammar',
        description: 'LL(1), *markdown*',
        priority: 'high',
        parentId: plain.id,
        dependencies: [plain.id],
        status: 'todo',
        ready: false,
      });
      expect(await call('task.get', { taskId: full.id })).toEqual(full);
      expect(await check('task.get', { taskId: plain.id })).toEqual(plain);
    },
  },
  {
    name: 'task: subtasks at any depth, tree and subtree, list by parent',
    async run({ call, fails, setup, project, task }) {
      const p = await project('tree');
      const root = await task(p, 'root');
      const c1 = await call('task.create', { title: 'child 1', parentId: root.id });
      const c2 = await setup('task.create', { title: 'child 2', parentId: root.id, dependencies: [c1.id] });
      const g = await setup('task.create', { title: 'grandchild', parentId: c1.id });
      const other = await task(p, 'other');
      expect(c1).toMatchObject({ projectId: p.id, parentId: root.id });

      const tree = await call('task.tree', { project: p.name });
      expect(ids(tree)).toEqual([root.id, other.id]);
      expect(ids(tree[0].children)).toEqual([c1.id, c2.id]);
      expect(tree[0].children[0]).toMatchObject({ id: c1.id, title: 'child 1', children: [expect.objectContaining({ id: g.id, children: [] })] });
      expect(tree[0].children[1]).toMatchObject({ id: c2.id, dependencies: [c1.id], ready: false, children: [] });
      expect(tree[1]).toMatchObject({ id: other.id, children: [] });

      const sub = await call('task.tree', { project: p.name, rootId: c1.id });
      expect(sub).toEqual([tree[0].children[0]]);

      expect(ids((await call('task.list', { project: p.name, parentId: root.id })).tasks)).toEqual([c1.id, c2.id]);
      expect(ids((await call('task.list', { project: p.name, parentId: null })).tasks)).toEqual([root.id, other.id]);
      expectError(await fails('task.tree', { project: p.name, rootId: 'tsk_nope' }), 'not_found', 'rootId');
      expectError(await fails('task.create', { title: 'orphan', parentId: 'tsk_nope' }), 'not_found', 'parentId');
    },
  },
  {
    name: 'task: import rows by key (idempotent), references by key and id, a bad row by its line, dry run',
    async run({ call, fails, check, project, task }) {
      const p = await project('import');
      const existing = await task(p, 'existing');
      const rows = [
        { key: 'a', title: 'A', priority: 'high' },
        { key: 'b', title: 'B', parent: 'a', dependsOn: ['a', existing.id] },
        { key: 'c', title: 'C', status: 'done', dependsOn: ['b'], until: 'merged' },
      ];
      const dry = await call('task.import', { project: p.name, rows, dryRun: true });
      expect(dry).toMatchObject({ projectId: p.id, dryRun: true, created: 3, updated: 0, unchanged: 0, total: 3 });
      expect(dry.rows.map((r: { id: string | null }) => r.id)).toEqual([null, null, null]);
      expect((await check('task.list', { project: p.name })).tasks).toHaveLength(1);

      const first = await call('task.import', { project: p.name, rows });
      expect(first).toMatchObject({ dryRun: false, created: 3, updated: 0, unchanged: 0, total: 3, rowsOmitted: 0 });
      const [a, b, c] = first.rows.map((r: { id: string }) => r.id);
      expect(await check('task.get', { taskId: a })).toMatchObject({ key: 'a', title: 'A', priority: 'high', status: 'todo', parentId: null });
      expect(await check('task.get', { taskId: b })).toMatchObject({ key: 'b', parentId: a, dependencies: [existing.id, a] });
      expect(await check('task.get', { taskId: c })).toMatchObject({ status: 'done', dependencies: [b], mergedDependencies: [b] });

      expect(await call('task.import', { project: p.name, rows })).toMatchObject({ created: 0, updated: 0, unchanged: 3, total: 3 });
      const changed = await call('task.import', { project: p.name, rows: [{ key: 'a', title: 'A2' }] });
      expect(changed).toMatchObject({ updated: 1, rows: [{ line: 1, key: 'a', id: a, action: 'updated' }] });

      const bad = await fails('task.import', { project: p.name, rows: [{ title: 'fine' }, { key: 'x', title: '' }] });
      expectError(bad, 'invalid_input', 'title');
      expect(bad.message).toContain('line 2');
      expectError(await fails('task.import', { project: p.name, rows: [{ title: 'X', parent: 'nope' }] }), 'invalid_input', 'parent');
      expectError(
        await fails('task.import', { project: p.name, rows: [{ key: 'x', title: 'X', dependsOn: ['y'] }, { key: 'y', title: 'Y', dependsOn: ['x'] }] }),
        'dependency_cycle',
        'dependsOn',
      );
      expect((await check('task.list', { project: p.name })).tasks).toHaveLength(4);
    },
  },
  {
    name: 'task: dependencies, the ready filter, status filter and complete',
    async run({ call, check, project, task }) {
      const p = await project('ready');
      const a = await task(p, 'A');
      const b = await task(p, 'B', { dependencies: [a.id] });
      const c = await task(p, 'C', { dependencies: [a.id, b.id] });
      expect(ids((await call('task.list', { project: p.name, ready: true })).tasks)).toEqual([a.id]);
      expect(await check('task.get', { taskId: c.id })).toMatchObject({ dependencies: [a.id, b.id], ready: false });

      const done = await call('task.complete', { taskId: a.id, summary: 'done by the owner' });
      expect(done).toMatchObject({ id: a.id, status: 'done', ready: false, completedAt: expect.any(String) });
      expect(ids((await call('task.list', { project: p.name, ready: true })).tasks)).toEqual([b.id]);
      expect(ids((await call('task.list', { project: p.name, status: ['done'] })).tasks)).toEqual([a.id]);
      expect(ids((await call('task.list', { project: p.name, status: ['todo', 'done'] })).tasks)).toEqual([a.id, b.id, c.id]);
      expect(ids((await call('task.list', { project: p.name, status: [] })).tasks)).toEqual([a.id, b.id, c.id]);
      expect(ids((await check('task.list', { project: p.name })).tasks)).toEqual([a.id, b.id, c.id]);
    },
  },
  {
    name: 'task: ready=false lists the tasks that cannot start yet',
    async run({ call, project, task }) {
      const p = await project('not-ready');
      const a = await task(p, 'A');
      const b = await task(p, 'B', { dependencies: [a.id] });
      expect(ids((await call('task.list', { project: p.name, ready: false })).tasks)).toEqual([b.id]);
    },
  },
  {
    name: 'task: list in pages (limit, cursor, offset), search, parent as the new name of parentId, bad cursors',
    async run({ call, fails, setup, project, task }) {
      const p = await project('pages');
      const made: Task[] = [];
      for (let i = 0; i < 7; i++)
        made.push(await setup('task.create', { project: p.name, title: `page task ${i} ${i % 2 ? 'odd' : 'even'}`, description: i === 3 ? 'needs the frobnicator' : '' }));
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await call('task.list', { project: p.name, limit: 3, ...(cursor ? { cursor } : {}) });
        pages++;
        seen.push(...ids(page.tasks));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(ids(made));
      expect(pages).toBe(3);

      expect(await call('task.list', { project: p.name, search: 'odd FROB' })).toEqual({ tasks: [made[3]], nextCursor: null });
      expect(ids((await call('task.list', { project: p.name, search: 'eve', limit: 2 })).tasks)).toEqual([made[0]!.id, made[2]!.id]);
      expect((await call('task.list', { project: p.name, search: 'NEAR( "x* AND' })).tasks).toEqual([]);
      expect(ids((await call('task.list', { project: p.name, parent: null, limit: 10 })).tasks)).toEqual(ids(made));
      expect(await call('task.list', { project: p.name, parent: made[0]!.id })).toEqual({ tasks: [], nextCursor: null });

      const other = await project('pages-other');
      await task(other, 'one');
      await task(other, 'two');
      const foreign = (await setup('task.list', { project: other.name, limit: 1 })).nextCursor as string;
      expectError(await fails('task.list', { project: p.name, cursor: foreign }), 'invalid_input', 'cursor');
      expectError(await fails('task.list', { project: p.name, cursor: 'not-a-cursor' }), 'invalid_input', 'cursor');
      expectError(await fails('task.list', { project: p.name, limit: 0 }), 'invalid_input', 'limit');
      expectError(await fails('task.list', { project: p.name, limit: 1001 }), 'invalid_input', 'limit');
      expectError(await fails('task.list', { project: p.name, search: '' }), 'invalid_input', 'search');

      // offset: the page at a position, continued by its cursor; past the end, an empty last page.
      const at = await call('task.list', { project: p.name, offset: 2, limit: 3 });
      expect(ids(at.tasks)).toEqual(ids(made.slice(2, 5)));
      expect(ids((await call('task.list', { project: p.name, cursor: at.nextCursor!, limit: 10 })).tasks)).toEqual(ids(made.slice(5)));
      expect(await call('task.list', { project: p.name, offset: 7 })).toEqual({ tasks: [], nextCursor: null });
      expectError(await fails('task.list', { project: p.name, offset: 1, cursor: at.nextCursor! }), 'invalid_input', 'offset');
      expectError(await fails('task.list', { project: p.name, offset: -1 }), 'invalid_input', 'offset');
    },
  },
  {
    name: 'task: update every field, and unset parent, dependencies and assignee',
    async run({ call, check, project, task, session }) {
      const p = await project('update');
      const t = await task(p, 'T');
      const dep = await task(p, 'dep');
      const parent = await task(p, 'parent');
      const w = await session(p);
      const u = await call('task.update', {
        taskId: t.id,
        title: 'T renamed',
        description: 'more detail',
        status: 'in_progress',
        priority: 'critical',
        parentId: parent.id,
        dependencies: [dep.id],
        assignee: w.id,
      });
      expect(u).toMatchObject({
        id: t.id,
        title: 'T renamed',
        description: 'more detail',
        status: 'in_progress',
        priority: 'critical',
        parentId: parent.id,
        dependencies: [dep.id],
        assignee: w.id,
        ready: false,
      });
      const cleared = await call('task.update', { taskId: t.id, parentId: null, dependencies: [], assignee: null, status: 'todo' });
      expect(cleared).toMatchObject({ parentId: null, dependencies: [], assignee: null, status: 'todo', ready: true, title: 'T renamed' });
      const done = await call('task.update', { taskId: t.id, status: 'done', description: '' });
      expect(done).toMatchObject({ status: 'done', description: '', completedAt: expect.any(String) });
      expect(await check('task.get', { taskId: t.id })).toEqual(done);
    },
  },
  {
    name: 'task: dependency cycles and self-parenting are refused',
    async run({ fails, check, project, task }) {
      const p = await project('cycle');
      const a = await task(p, 'A');
      const b = await task(p, 'B', { dependencies: [a.id] });
      const c = await task(p, 'C', { parentId: a.id });
      const cycle = await fails('task.update', { taskId: a.id, dependencies: [b.id] });
      expectError(cycle, 'dependency_cycle', 'dependencies');
      expect(cycle.message).toContain(a.id);
      expect(cycle.message).toContain(b.id);
      expectError(await fails('task.update', { taskId: a.id, dependencies: [a.id] }), 'dependency_cycle', 'dependencies');
      expectError(await fails('task.update', { taskId: a.id, parentId: c.id }), 'invalid_input', 'parentId');
      expectError(await fails('task.create', { project: p.name, title: 'D', dependencies: ['tsk_nope'] }), 'not_found', 'dependencies');
      expect(await check('task.get', { taskId: a.id })).toMatchObject({ dependencies: [], parentId: null });
    },
  },
  {
    name: 'versions: every change moves them on; of each pair racing with the same ifVersion exactly one wins',
    async run({ call, fails, check, project, task }) {
      const p = await project('versions');
      const t = await task(p, 'raced');
      expect(t.version).toBe(1);
      expect(p.version).toBe(1);
      // three rounds of two writers that both read version v and both write with ifVersion v, at once
      let version = t.version;
      for (let round = 0; round < 3; round++) {
        const outcomes = await Promise.allSettled([
          call<Task>('task.update', { taskId: t.id, title: `left ${round}`, ifVersion: version }),
          call<Task>('task.update', { taskId: t.id, title: `right ${round}`, ifVersion: version }),
        ]);
        const won = outcomes.filter((o): o is PromiseFulfilledResult<Task> => o.status === 'fulfilled');
        const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        expect(won, `round ${round}: exactly one writer wins`).toHaveLength(1);
        expect(won[0]!.value.version).toBe(version + 1);
        const conflict = lost[0]!.reason as MaestroError;
        expectError(conflict, 'conflict', 'ifVersion');
        expect(conflict.message).toContain(`version ${version + 1}`);
        const now = await check<Task>('task.get', { taskId: t.id });
        expect(now).toMatchObject({ title: won[0]!.value.title, version: version + 1 });
        version = now.version;
      }
      // a stale project update changes nothing; the current version goes through
      expectError(await fails('project.update', { project: p.id, name: `${p.name}-stale`, ifVersion: 9 }), 'conflict', 'ifVersion');
      expect((await check<Project>('project.get', { project: p.id })).name).toBe(p.name);
      expect(await call('project.update', { project: p.id, name: `${p.name}-renamed`, ifVersion: 1 })).toMatchObject({ version: 2 });
      expectError(await fails('task.update', { taskId: t.id, ifVersion: 0 }), 'invalid_input', 'ifVersion');
    },
  },
  {
    name: 'task: invalid input names the field; unknown ids are not_found',
    async run({ fails, check, name, project, task }) {
      const p = await project('invalid');
      const t = await task(p, 'T');
      expectError(await fails('task.create', { project: p.name, title: 'x', priority: 'urgent' }), 'invalid_input', 'priority');
      expectError(await fails('task.create', { project: p.name, title: '   ' }), 'invalid_input', 'title');
      expectError(await fails('task.update', { taskId: t.id, status: 'sleeping' }), 'invalid_input', 'status');
      expectError(await fails('task.list', { project: p.name, status: ['sleeping'] }), 'invalid_input', 'status.0');
      expectError(await fails('task.create', { project: name('nowhere'), title: 'x' }), 'not_found', 'project');
      expectError(await fails('task.get', { taskId: 'tsk_nope' }), 'not_found', 'taskId');
      expectError(await fails('task.update', { taskId: 'tsk_nope', title: 'x' }), 'not_found', 'taskId');
      expectError(await fails('task.complete', { taskId: 'tsk_nope' }), 'not_found', 'taskId');
      expect(ids((await check('task.list', { project: p.name })).tasks)).toEqual([t.id]);
    },
  },
  {
    name: 'input: an unknown key is invalid_input naming the key',
    async run({ fails, check, project }) {
      const p = await project('keys');
      expectError(await fails('task.create', { project: p.name, title: 'x', bogus: 1 }), 'invalid_input', 'bogus');
      expectError(await fails('project.list', { verbose: true }), 'invalid_input', 'verbose');
      expectError(await fails('task.list', { project: p.name, color: 'red' }), 'invalid_input', 'color');
      expect(await check('task.list', { project: p.name })).toEqual({ tasks: [], nextCursor: null });
    },
  },

  // ---- access ---------------------------------------------------------------------------------------------
  {
    name: 'access: a worker changes only its own tasks and calls no orchestrator or owner operation',
    async run({ call, fails, name, project, task, session }) {
      const p = await project('worker');
      const a = await task(p, 'mine');
      const b = await task(p, 'theirs');
      const w = await session(p, { taskIds: [a.id] });
      const other = await session(p, { taskIds: [b.id] });

      expect(await call('task.update', { taskId: a.id, description: 'mine to change' }, w)).toMatchObject({ id: a.id, description: 'mine to change' });
      expectError(await fails('task.update', { taskId: b.id, title: 'hijacked' }, w), 'forbidden', 'taskId');
      expectError(await fails('task.complete', { taskId: b.id }, w), 'forbidden', 'taskId');
      expectError(await fails('task.create', { title: 'top-level' }, w), 'forbidden', 'parentId');
      expectError(await fails('task.create', { title: 'under theirs', parentId: b.id }, w), 'forbidden', 'parentId');
      const sub = await call('task.create', { title: 'my subtask', parentId: a.id }, w);
      expect(sub).toMatchObject({ projectId: p.id, parentId: a.id, title: 'my subtask' });
      expect(await call('task.update', { taskId: sub.id, priority: 'low' }, w)).toMatchObject({ priority: 'low' });

      expectError(await fails('session.spawn', {}, w), 'forbidden');
      expectError(await fails('session.list', {}, w), 'forbidden');
      expectError(await fails('queue.add', { sessionId: other.id, taskIds: [a.id] }, w), 'forbidden');
      expectError(await fails('template.create', { name: name('tpl') }, w), 'forbidden');
      expectError(await fails('report.progress', { message: 'as someone else', sessionId: other.id }, w), 'forbidden', 'sessionId');
      expectError(await fails('session.info', { sessionId: other.id }, w), 'forbidden', 'sessionId');
      expect(await call('task.get', { taskId: b.id }, w)).toMatchObject({ id: b.id, title: 'theirs' });
    },
  },
  {
    name: 'access: an orchestrator splits work, spawns children and manages their queues only',
    async run({ call, fails, project, task, session }) {
      const p = await project('orch');
      const a = await task(p, 'A');
      const o = await session(p, { role: 'orchestrator', name: 'lead' });
      const stranger = await session(p);

      const t = await call('task.create', { title: 'split off' }, o);
      expect(t).toMatchObject({ projectId: p.id, parentId: null, title: 'split off' });
      const spawned = await call('session.spawn', { taskIds: [t.id], strategy: 'queue', name: 'child' }, o);
      expect(spawned).toMatchObject({
        session: { projectId: p.id, role: 'worker', strategy: 'queue', name: 'child', parentSessionId: o.id, taskIds: [t.id], status: 'spawning' },
        manifestPath: expect.any(String),
      });
      const child = spawned.session as Session;
      expect(ids(await call('session.list', {}, o)).sort()).toEqual([o.id, stranger.id, child.id].sort());
      expect(ids(await call('session.list', { parentSessionId: o.id }, o))).toEqual([child.id]);
      const queue = await call('queue.add', { sessionId: child.id, taskIds: [a.id] }, o);
      expect(queue.map((i: { taskId: string }) => i.taskId)).toEqual([t.id, a.id]);

      expectError(await fails('queue.add', { sessionId: stranger.id, taskIds: [a.id] }, o), 'forbidden', 'sessionId');
      expectError(await fails('session.spawn', { agentCommand: 'sh -c true' }, o), 'forbidden', 'agentCommand');
      expectError(await fails('session.spawn', { env: { PATH: '/tmp' } }, o), 'forbidden', 'env.PATH');
      expectError(await fails('project.delete', { project: p.id }, o), 'forbidden');
      expect(await call('session.info', { sessionId: stranger.id }, o)).toMatchObject({ session: { id: stranger.id } });
      expect(ids((await call('session.info', { sessionId: o.id }, o)).children)).toEqual([child.id]);
    },
  },

  // ---- reports --------------------------------------------------------------------------------------------
  {
    name: 'report: every kind moves the task and the session as documented',
    async run({ call, fails, check, project, task, session }) {
      const p = await project('reports');
      const a = await task(p, 'A');
      const b = await task(p, 'B');
      const w = await session(p, { taskIds: [a.id, b.id] });
      const event = (kind: string, message: string, taskId: string | null) => ({
        kind,
        message,
        taskId,
        sessionId: w.id,
        id: expect.any(Number),
        createdAt: expect.any(String),
      });

      expectError(await fails('report.progress', { message: '   ' }, w), 'invalid_input', 'message');
      const progress = await call('report.progress', { message: 'started' }, w);
      expect(progress).toMatchObject({
        event: event('progress', 'started', a.id),
        task: { id: a.id, status: 'in_progress', assignee: w.id },
        session: { id: w.id, status: 'running' },
      });
      const question = await call('report.needs_input', { message: 'which database?' }, w);
      expect(question).toMatchObject({
        event: event('needs_input', 'which database?', a.id),
        task: { id: a.id, status: 'needs_input' },
        session: { status: 'needs_input' },
      });
      const blocked = await call('report.blocked', { message: 'waiting on infra', taskId: b.id }, w);
      expect(blocked).toMatchObject({
        event: event('blocked', 'waiting on infra', b.id),
        task: { id: b.id, status: 'blocked' },
        session: { status: 'blocked' },
      });
      const error = await call('report.error', { message: 'tests failed' }, w);
      expect(error).toMatchObject({ event: event('error', 'tests failed', a.id), task: { id: a.id, status: 'needs_input' }, session: { status: 'blocked' } });

      const byOwner = await call('report.progress', { message: 'owner note', sessionId: w.id, taskId: a.id });
      expect(byOwner).toMatchObject({ event: event('progress', 'owner note', a.id), task: { status: 'in_progress' }, session: { status: 'running' } });
      expectError(await fails('report.progress', { message: 'whose?' }), 'invalid_input', 'sessionId');

      const first = await call('report.complete', { message: 'A done', taskId: a.id }, w);
      expect(first).toMatchObject({ event: event('complete', 'A done', a.id), task: { id: a.id, status: 'done' }, session: { status: 'running' } });
      const last = await call('report.complete', { message: 'B done', taskId: b.id }, w);
      expect(last).toMatchObject({ task: { id: b.id, status: 'done' }, session: { status: 'completed' } });

      // (w has ended: from here on, only the owner calls.)
      const info = await check('session.info', { sessionId: w.id });
      const reports = info.timeline.filter((e: { kind: string }) => KNOWN_REPORT_KINDS.includes(e.kind));
      expect(reports.map((e: { kind: string; message: string }) => [e.kind, e.message])).toEqual([
        ['progress', 'started'],
        ['needs_input', 'which database?'],
        ['blocked', 'waiting on infra'],
        ['error', 'tests failed'],
        ['progress', 'owner note'],
        ['complete', 'A done'],
        ['complete', 'B done'],
      ]);
      expect(info.lastReport).toMatchObject({ kind: 'complete', message: 'B done' });
    },
  },
  {
    name: 'report: about a task of another project is forbidden; unknown session is not_found',
    async run({ fails, project, task, session }) {
      const p = await project('rep-a');
      const q = await project('rep-b');
      const foreign = await task(q, 'elsewhere');
      const w = await session(p);
      expectError(await fails('report.progress', { message: 'x', taskId: foreign.id }, w), 'forbidden', 'taskId');
      expectError(await fails('report.error', { message: 'x', sessionId: 'ses_nope' }), 'not_found', 'sessionId');
    },
  },
  {
    name: 'task.complete as a worker completes its own task through a report',
    async run({ call, check, project, task, session }) {
      const p = await project('tc');
      const a = await task(p, 'A');
      const b = await task(p, 'B');
      const w = await session(p, { taskIds: [a.id, b.id] });
      expect(await call('task.complete', { taskId: a.id, summary: 'A is done' }, w)).toMatchObject({ id: a.id, status: 'done', completedAt: expect.any(String) });
      const info = await check('session.info', { sessionId: w.id }, w);
      expect(info.session.status).toBe('running');
      expect(info.lastReport).toMatchObject({ kind: 'complete', message: 'A is done', taskId: a.id });
    },
  },

  // ---- queue ----------------------------------------------------------------------------------------------
  {
    name: 'queue: list, status, start, skip, complete until empty',
    async run({ call, check, project, task, session }) {
      const p = await project('queue');
      const t1 = await task(p, 'first');
      const t2 = await task(p, 'second');
      const q = await session(p, { strategy: 'queue', taskIds: [t1.id, t2.id] });

      const list = await call('queue.list', {}, q);
      expect(list).toEqual([
        expect.objectContaining({ sessionId: q.id, taskId: t1.id, title: 'first', position: 0, state: 'queued', skipCount: 0, ready: true, taskStatus: 'todo' }),
        expect.objectContaining({ sessionId: q.id, taskId: t2.id, title: 'second', position: 1, state: 'queued', skipCount: 0, ready: true }),
      ]);
      expect(await call('queue.status', {}, q)).toMatchObject({
        sessionId: q.id,
        current: null,
        next: { taskId: t1.id },
        counts: { total: 2, queued: 2, inProgress: 0, done: 0, waiting: 0 },
      });

      const s1 = await call('queue.start', {}, q);
      expect(s1).toMatchObject({ alreadyStarted: false, item: { taskId: t1.id, state: 'in_progress', taskStatus: 'in_progress', startedAt: expect.any(String) } });
      expect(await call('queue.start', {}, q)).toMatchObject({ alreadyStarted: true, item: { taskId: t1.id } });
      expect(await call('queue.skip', { reason: 'later' }, q)).toMatchObject({ taskId: t1.id, state: 'queued', skipCount: 1, taskStatus: 'todo' });

      expect(await call('queue.start', {}, q)).toMatchObject({ alreadyStarted: false, item: { taskId: t2.id } });
      expect(await call('queue.complete', { summary: 'second done' }, q)).toMatchObject({ taskId: t2.id, state: 'done', taskStatus: 'done', completedAt: expect.any(String) });
      expect(await call('queue.start', {}, q)).toMatchObject({ item: { taskId: t1.id, skipCount: 1 } });
      expect(await call('queue.complete', {}, q)).toMatchObject({ taskId: t1.id, state: 'done' });
      expect(await call('queue.start', {}, q)).toEqual({ item: null, alreadyStarted: false, reason: 'empty' });

      expect(await check('queue.status', { sessionId: q.id })).toMatchObject({
        current: null,
        next: null,
        counts: { total: 2, queued: 0, inProgress: 0, done: 2, waiting: 0 },
      });
      expect(await check('task.get', { taskId: t1.id })).toMatchObject({ status: 'done' });
      const timeline = await check('session.info', { sessionId: q.id });
      expect(timeline.queue.map((i: { state: string }) => i.state)).toEqual(['done', 'done']);
    },
  },
  {
    name: 'queue: an orchestrator adds items; waiting items start once their dependencies are done',
    async run({ call, project, task, session }) {
      const p = await project('qadd');
      const y = await task(p, 'Y');
      const x = await task(p, 'X', { dependencies: [y.id] });
      const o = await session(p, { role: 'orchestrator' });
      const q = await session(p, { strategy: 'queue', name: 'qw' }, o);
      expect(q.session.parentSessionId).toBe(o.id);

      const added = await call('queue.add', { sessionId: q.id, taskIds: [x.id, y.id] }, o);
      expect(added).toEqual([
        expect.objectContaining({ taskId: x.id, position: 0, ready: false, state: 'queued' }),
        expect.objectContaining({ taskId: y.id, position: 1, ready: true, state: 'queued' }),
      ]);
      expect(await call('queue.status', { sessionId: q.id }, o)).toMatchObject({ next: { taskId: y.id }, counts: { total: 2, queued: 2, waiting: 1 } });
      expect(await call('queue.start', {}, q)).toMatchObject({ item: { taskId: y.id } });
      await call('queue.complete', { summary: 'Y done' }, q);
      expect(await call('queue.start', {}, q)).toMatchObject({ item: { taskId: x.id, state: 'in_progress' } });
      const list = await call('queue.list', { sessionId: q.id }, o);
      expect(list.map((i: { taskId: string; state: string }) => [i.taskId, i.state])).toEqual([
        [x.id, 'in_progress'],
        [y.id, 'done'],
      ]);
    },
  },
  {
    name: 'queue: refusals (nothing started, nothing to skip, owner without session, unknown session)',
    async run({ call, fails, check, project, session }) {
      const p = await project('qerr');
      const q = await session(p, { strategy: 'queue' });
      expectError(await fails('queue.complete', {}, q), 'conflict', 'sessionId');
      expectError(await fails('queue.skip', {}, q), 'conflict', 'sessionId');
      expect(await call('queue.start', {}, q)).toEqual({ item: null, alreadyStarted: false, reason: 'empty' });
      expectError(await fails('queue.start', {}), 'invalid_input', 'sessionId');
      expectError(await fails('queue.list', { sessionId: 'ses_nope' }), 'not_found', 'sessionId');
      expect(await check('queue.list', { sessionId: q.id })).toEqual([]);
    },
  },
  {
    name: 'queue: adding no task is invalid_input naming taskIds',
    async run({ fails, project, session }) {
      const p = await project('qempty');
      const q = await session(p, { strategy: 'queue' });
      expectError(await fails('queue.add', { sessionId: q.id, taskIds: [] }), 'invalid_input', 'taskIds');
    },
  },

  // ---- sessions -------------------------------------------------------------------------------------------
  {
    name: 'session: spawn, list with filters, info as the owner and as itself',
    async run({ call, fails, setup, check, project, task }) {
      const p = await project('sessions');
      const a = await task(p, 'A');
      const spawned = await call('session.spawn', { project: p.name, taskIds: [a.id], name: 'w-info' });
      expect(spawned).toMatchObject({
        session: {
          id: expect.stringMatching(/^ses_/),
          projectId: p.id,
          name: 'w-info',
          role: 'worker',
          strategy: 'simple',
          status: 'spawning',
          taskIds: [a.id],
          parentSessionId: null,
          templateId: null,
          skills: [],
          env: {},
        },
        manifestPath: expect.stringMatching(/manifest\.json$/),
      });
      const sid = spawned.session.id as string;
      expect(await check('task.get', { taskId: a.id })).toMatchObject({ assignee: sid });
      expect(ids((await call('task.list', { project: p.name, assignee: sid })).tasks)).toEqual([a.id]);

      const listed = await call('session.list', { project: p.name });
      expect(listed).toEqual([expect.objectContaining({ id: sid, lastReport: null, currentTaskId: a.id, queue: null })]);
      expect(await call('session.list', { project: p.name, status: ['running'] })).toEqual([]);
      expect(ids(await check('session.list', { project: p.name, status: ['spawning', 'running'] }))).toEqual([sid]);
      expectError(await fails('session.list', { project: p.name, status: ['dancing'] }), 'invalid_input', 'status.0');

      await setup('report.progress', { message: 'halfway', sessionId: sid });
      const info = await call('session.info', { sessionId: sid });
      expect(info).toMatchObject({
        session: { id: sid, status: 'running' },
        project: { id: p.id, name: p.name },
        tasks: [{ id: a.id, status: 'in_progress' }],
        children: [],
        queue: null,
        lastReport: { kind: 'progress', message: 'halfway' },
        usage: null,
      });
      expect(info.timeline.map((e: { kind: string }) => e.kind)).toEqual(expect.arrayContaining(['spawned', 'progress']));
      const limited = await call('session.info', { sessionId: sid, timelineLimit: 1 });
      expect(limited.timeline).toEqual(info.timeline.slice(-1));

      expectError(await fails('session.info', { sessionId: 'ses_nope' }), 'not_found', 'sessionId');
      expectError(await fails('session.info', { sessionId: sid, timelineLimit: 0 }), 'invalid_input', 'timelineLimit');
    },
  },
  {
    name: 'session.info without sessionId is the caller\'s own session (worker, orchestrator)',
    async run({ call, project, task, session }) {
      const p = await project('own-info');
      const a = await task(p, 'A');
      const o = await session(p, { role: 'orchestrator' });
      const w = await session(p, { taskIds: [a.id] }, o);
      expect(await call('session.info', {}, w)).toMatchObject({ session: { id: w.id, parentSessionId: o.id }, tasks: [{ id: a.id }] });
      expect(await call('session.info', {}, o)).toMatchObject({ session: { id: o.id }, children: [{ id: w.id }] });
    },
  },
  {
    name: 'session.spawn: the owner sets agent environment variables; a bad name is invalid_input',
    async run({ call, fails, project }) {
      const p = await project('env');
      const spawned = await call('session.spawn', { project: p.name, env: { FEATURE_FLAG: 'on', LOG_LEVEL: 'debug' } });
      expect(spawned.session.env).toEqual({ FEATURE_FLAG: 'on', LOG_LEVEL: 'debug' });
      expectError(await fails('session.spawn', { project: p.name, env: { '1BAD': 'x' } }), 'invalid_input', 'env.1BAD');
      expectError(await fails('session.spawn', { project: p.name, role: 'boss' }), 'invalid_input', 'role');
      expectError(await fails('session.spawn', { project: p.name, taskIds: ['tsk_nope'] }), 'not_found', 'taskIds');
    },
  },
  {
    name: 'session.spawn: an unknown skill is not_found naming skills',
    async run({ fails, project }) {
      const p = await project('skill-missing');
      expectError(await fails('session.spawn', { project: p.name, skills: ['no-such-skill'] }), 'not_found', 'skills');
    },
  },
  {
    name: 'worktrees: a session in its own worktree; info, diff, files, file; merge refused, dry run, landed; a merged dependency; cleanup',
    async run({ call, fails, setup, check, project, task, session }) {
      const p = await project('worktrees', { 'a.txt': 'one\n', 'b.txt': 'keep\n', '.gitignore': '.env\n', '.env': 'SECRET=1\n' });
      gitRepo(p.workingDir);
      const a = await task(p, 'A');
      const b = await task(p, 'B', { dependencies: [a.id], until: 'merged' });
      expect(b).toMatchObject({ dependencies: [a.id], mergedDependencies: [a.id], mergedAt: null });
      const o = await session(p, { role: 'orchestrator' });
      const w = await session(p, { taskIds: [a.id], worktree: true, name: 'wt-one' }, o);
      expect(w.session).toMatchObject({ branch: 'maestro/wt-one', baseRef: 'main', mergedAt: null });

      // Where it works: its own checkout, with .env copied in, on its branch.
      const info = await call('worktree.info', {}, w);
      expect(info).toMatchObject({ sessionId: w.id, worktree: true, branch: 'maestro/wt-one', base: 'main', exists: true, dirty: [], ahead: 0, behind: 0 });
      expect(info.path).toBe(w.session.worktreePath);
      expect(existsSync(join(info.path, '.env'))).toBe(true);
      expect((await call('worktree.info', { sessionId: o.id }, o)).worktree).toBe(false);

      // Its changes: one committed, one not, one new file.
      writeFileSync(join(info.path, 'a.txt'), 'one\ntwo\n');
      git(info.path, 'commit', '-q', '-am', 'two');
      writeFileSync(join(info.path, 'b.txt'), 'keep\nmore\n');
      writeFileSync(join(info.path, 'new.txt'), 'new\n');
      const diff = await call('session.diff', { sessionId: w.id }, o);
      expect(diff.files.map((f: { path: string; status: string; additions: number }) => [f.path, f.status, f.additions])).toEqual([
        ['a.txt', 'modified', 1],
        ['b.txt', 'modified', 1],
        ['new.txt', 'added', 1],
      ]);
      expect(diff.patch).toContain('+two');
      expect(await call('session.diff', { sessionId: w.id, patch: false })).toMatchObject({ patch: '', additions: 3 });
      const files = await call('session.files', { sessionId: w.id });
      expect(files.files).toContainEqual({ path: 'new.txt', type: 'file', changed: true });
      expect(files.files).toContainEqual({ path: '.gitignore', type: 'file', changed: false });
      expect(await call('session.file', { sessionId: w.id, path: 'a.txt' })).toMatchObject({ content: 'one\ntwo\n', binary: false });
      expect(await call('session.file', { sessionId: w.id, path: 'a.txt', version: 'base' })).toMatchObject({ content: 'one\n' });
      expectError(await fails('session.file', { sessionId: w.id, path: '../outside.txt' }), 'invalid_input', 'path');
      expectError(await fails('session.diff', { sessionId: o.id }, o), 'invalid_input', 'sessionId');

      // Uncommitted work refuses the merge (a dry run says so, and why); a worker may not merge.
      const dry = await call('session.merge', { sessionId: w.id, dryRun: true }, o);
      expect(dry).toMatchObject({ ok: false, dryRun: true, refusal: 'dirty_source', files: ['b.txt', 'new.txt'], commit: null });
      expectError(await fails('session.merge', { sessionId: w.id }, o), 'conflict', 'commit');
      expectError(await fails('session.merge', { sessionId: w.id }, w), 'forbidden');
      const before = git(p.workingDir, 'rev-parse', 'main');
      expectError(await fails('session.cleanup', { sessionId: w.id }, o), 'conflict', 'sessionId'); // live

      // A finished task whose branch has not landed keeps its `merged` dependent waiting.
      await setup('task.complete', { taskId: a.id }, w);
      expect(await check('task.get', { taskId: b.id })).toMatchObject({ ready: false });
      const merged = await call('session.merge', { sessionId: w.id, commit: true, strategy: 'squash' }, o);
      expect(merged).toMatchObject({ ok: true, dryRun: false, strategy: 'squash', into: 'main', previous: before, refusal: null });
      expect(merged.commit).toBe(git(p.workingDir, 'rev-parse', 'main'));
      expect(git(p.workingDir, 'show', 'main:new.txt')).toBe('new');
      expect(await check('task.get', { taskId: b.id })).toMatchObject({ ready: true });
      expect((await check('task.get', { taskId: a.id })).mergedAt).not.toBeNull();
      expect((await check('session.info', { sessionId: w.id })).session).toMatchObject({ mergeCommit: merged.commit });

      // Clean-up, once it has ended: the worktree and the (merged) branch go.
      await setup('session.stop', { sessionId: w.id }, o);
      expect(await call('session.cleanup', { sessionId: w.id }, o)).toMatchObject({ removedWorktree: true, deletedBranch: true, branch: 'maestro/wt-one' });
      expect(existsSync(info.path)).toBe(false);
      expectError(await fails('session.diff', { sessionId: w.id }, o), 'conflict', 'sessionId');
    },
  },
  {
    name: 'merge queue: add, landed in order, list; a conflict fails with its reason; remove',
    async run({ call, fails, setup, check, project, task, session }) {
      const p = await project('mq', { 'shared.txt': 'base\n' });
      gitRepo(p.workingDir);
      const a = await task(p, 'A');
      const b = await task(p, 'B', { dependencies: [a.id] });
      const o = await session(p, { role: 'orchestrator' });
      const wb = await session(p, { taskIds: [b.id], worktree: true, name: 'mq-b' }, o);
      const wa = await session(p, { taskIds: [a.id], worktree: true, name: 'mq-a' }, o);
      const clash = await session(p, { worktree: true, name: 'mq-clash' }, o);
      const commit = (s: SessionCaller, file: string, text: string) => {
        writeFileSync(join(s.session.worktreePath!, file), text);
        git(s.session.worktreePath!, 'add', '-A');
        git(s.session.worktreePath!, 'commit', '-q', '-m', `${s.session.name}: ${file}`);
      };
      commit(wa, 'a.txt', 'a\n');
      commit(wb, 'b.txt', 'b\n');
      commit(wa, 'shared.txt', 'from a\n');
      commit(clash, 'shared.txt', 'from clash\n');

      // Added B first: B's task depends on A's, so A lands first; the clashing one fails, naming the file.
      const added = await call('merge_queue.add', { sessionIds: [wb.id, wa.id, clash.id] }, o);
      expect(added.map((e: { sessionId: string }) => e.sessionId)).toEqual([wb.id, wa.id, clash.id]);
      expect(added[0]).toMatchObject({ projectId: p.id, branch: 'maestro/mq-b', strategy: 'rebase', into: null });
      const done = await until(
        () => check('merge_queue.list', { project: p.id }),
        (list: Array<{ status: string }>) => list.every((e) => e.status === 'merged' || e.status === 'failed'),
        'the merge queue to finish',
      );
      const bySession = new Map(done.map((e: { sessionId: string }) => [e.sessionId, e]));
      expect(bySession.get(wa.id)).toMatchObject({ status: 'merged', reason: null });
      expect(bySession.get(wb.id)).toMatchObject({ status: 'merged' });
      expect(bySession.get(clash.id)).toMatchObject({ status: 'failed', commit: null });
      expect((bySession.get(clash.id) as { reason: string }).reason).toContain('shared.txt');
      // A landed before B: A's commit is in B's, not the other way round; main is B's.
      const landed = (s: SessionCaller) => (bySession.get(s.id) as { commit: string }).commit;
      expect(git(p.workingDir, 'rev-parse', 'main')).toBe(landed(wb));
      expect(git(p.workingDir, 'rev-list', landed(wb))).toContain(landed(wa));
      expect(git(p.workingDir, 'rev-list', landed(wa))).not.toContain(landed(wb));
      expect(git(p.workingDir, 'show', 'main:shared.txt')).toBe('from a');
      expect(await call('merge_queue.list', { project: p.id })).toHaveLength(3);

      // A finished entry cannot be cancelled; an unknown one is not_found.
      expectError(await fails('merge_queue.remove', { entryId: added[0].id }, o), 'conflict', 'entryId');
      expectError(await fails('merge_queue.remove', { entryId: 'mq_nope' }, o), 'not_found', 'entryId');
      expectError(await fails('merge_queue.add', { sessionIds: [o.id] }, o), 'invalid_input', 'sessionIds');
      await setup('session.stop', { sessionId: clash.id }, o);
    },
  },
  {
    name: 'session: timeline, oldest first, with afterId and limit',
    async run({ call, fails, setup, project, session }) {
      const p = await project('timeline');
      const w = await session(p);
      await setup('report.progress', { message: 'one' }, w);
      await setup('report.progress', { message: 'two' }, w);
      const all = await call('session.timeline', { sessionId: w.id });
      expect(all[0]).toMatchObject({ kind: 'spawned', sessionId: w.id });
      expect(all.filter((e: { kind: string }) => e.kind === 'progress').map((e: { message: string }) => e.message)).toEqual(['one', 'two']);
      expect(ids(all)).toEqual([...ids(all)].sort((x, y) => Number(x) - Number(y)));
      expect(await call('session.timeline', { sessionId: w.id, afterId: all[0].id })).toEqual(all.slice(1));
      expect(await call('session.timeline', { sessionId: w.id, limit: 1 })).toEqual(all.slice(-1));
      expect(await call('session.timeline', { sessionId: w.id }, w)).toEqual(all);
      expectError(await fails('session.timeline', { sessionId: 'ses_nope' }), 'not_found', 'sessionId');
      expectError(await fails('session.timeline', { sessionId: w.id, limit: 0 }), 'invalid_input', 'limit');
    },
  },
  {
    name: 'session: stop marks it stopped; send is refused by a server that runs no agents',
    async run({ call, fails, check, project, session }) {
      const p = await project('stop');
      const w = await session(p);
      expectError(await fails('session.send', { sessionId: w.id, text: 'hello' }), 'conflict', 'sessionId');
      expectError(await fails('session.send', { sessionId: 'ses_nope', text: 'hello' }), 'not_found', 'sessionId');
      expect(await call('session.stop', { sessionId: w.id })).toMatchObject({ id: w.id, status: 'stopped' });
      expect(await call('session.stop', { sessionId: w.id })).toMatchObject({ id: w.id, status: 'stopped' });
      expectError(await fails('session.stop', { sessionId: 'ses_nope' }), 'not_found', 'sessionId');
      expect((await check('session.info', { sessionId: w.id })).session.status).toBe('stopped');
    },
  },

  // ---- templates, skills, manifest --------------------------------------------------------------------------
  {
    name: 'template: create, get by name and id, list, spawn from it, refusals, delete',
    async run({ call, fails, check, name, project }) {
      const p = await project('tpl', SKILLS);
      const tplName = name('tpl');
      const tpl = await call('template.create', {
        name: tplName,
        role: 'worker',
        strategy: 'queue',
        skills: ['alpha'],
        agentCommand: 'claude --model opus',
        agent: 'claude',
        description: 'reviews code',
      });
      expect(tpl).toMatchObject({
        id: expect.any(String),
        name: tplName,
        role: 'worker',
        strategy: 'queue',
        skills: ['alpha'],
        agentCommand: 'claude --model opus',
        agentKind: 'claude',
        description: 'reviews code',
      });
      expect(await call('template.get', { template: tplName })).toEqual(tpl);
      expect(await call('template.get', { template: tpl.id })).toEqual(tpl);
      expect(await call('template.list', {})).toContainEqual(tpl);

      const spawned = await call('session.spawn', { project: p.name, template: tplName });
      expect(spawned.session).toMatchObject({ strategy: 'queue', role: 'worker', skills: ['alpha'], templateId: tpl.id, agentCommand: 'claude --model opus' });

      expectError(await fails('template.create', { name: tplName }), 'conflict', 'name');
      expectError(await fails('template.create', { name: 'bad name!' }), 'invalid_input', 'name');
      expectError(await fails('template.create', { name: name('t'), role: 'boss' }), 'invalid_input', 'role');
      expectError(await fails('session.spawn', { project: p.name, template: name('none') }), 'not_found', 'template');

      expect(await call('template.delete', { template: tplName })).toEqual(tpl);
      expectError(await fails('template.get', { template: tplName }), 'not_found', 'template');
      expectError(await fails('template.delete', { template: tplName }), 'not_found', 'template');
      expect(ids(await check('template.list', {}))).not.toContain(tpl.id);
    },
  },
  {
    name: "skill: list and read a project's .maestro/skills (owner and session)",
    async run({ call, fails, project, session }) {
      const p = await project('skills', SKILLS);
      const listed = (await call('skill.list', { project: p.name })).filter((s: { source: string }) => s.source === 'project');
      expect(listed).toEqual([
        { name: 'alpha', description: 'Alpha guide', source: 'project', path: join(p.workingDir, '.maestro', 'skills', 'alpha.md') },
        { name: 'beta', description: 'Beta first line.', source: 'project', path: join(p.workingDir, '.maestro', 'skills', 'beta', 'SKILL.md') },
      ]);
      expect(await call('skill.get', { name: 'alpha', project: p.id })).toEqual({ ...listed[0], content: SKILL_ALPHA });
      expectError(await fails('skill.get', { name: 'nope', project: p.name }), 'not_found', 'name');
      expectError(await fails('skill.get', { name: '../secret', project: p.name }), 'invalid_input', 'name');

      const w = await session(p);
      const own = (await call('skill.list', {}, w)).filter((s: { source: string }) => s.source === 'project');
      expect(own).toEqual(listed);
      expect(await call('skill.get', { name: 'beta' }, w)).toMatchObject({ name: 'beta', content: SKILL_BETA });
    },
  },
  {
    name: 'manifest.get: as the session, and as the owner naming it',
    async run({ call, fails, project, task, session }) {
      const p = await project('manifest', SKILLS);
      const a = await task(p, 'A', { description: 'what done looks like' });
      const w = await session(p, { taskIds: [a.id], name: 'mw' });
      const m = await call('manifest.get', {}, w);
      expect(m).toMatchObject({
        manifestVersion: 1,
        generatedAt: expect.any(String),
        session: { id: w.id, name: 'mw', role: 'worker', strategy: 'simple', parentSessionId: null },
        project: { id: p.id, name: p.name, workingDir: p.workingDir },
        tasks: [{ id: a.id, title: 'A', description: 'what done looks like', status: 'todo', priority: 'medium', dependencies: [], parentId: null }],
        server: { apiUrl: expect.any(String), mcpUrl: expect.stringMatching(/\/mcp$/) },
        env: { MAESTRO_SESSION_ID: w.id, MAESTRO_PROJECT_ID: p.id, MAESTRO_ROLE: 'worker' },
        instructions: expect.any(String),
      });
      expect(m.skills.map((s: { name: string }) => s.name)).toEqual(expect.arrayContaining(['alpha', 'beta']));
      expect(m.env.MAESTRO_SESSION_TOKEN).toBeUndefined();
      const { generatedAt: _g, ...rest } = m;
      expect(await call('manifest.get', { sessionId: w.id })).toMatchObject(rest);
      expectError(await fails('manifest.get', {}), 'invalid_input', 'sessionId');
    },
  },
  {
    name: 'manifest.generate: writes and returns the manifest',
    async run({ call, fails, project, task, session }) {
      const p = await project('mgen');
      const a = await task(p, 'A');
      const w = await session(p, { taskIds: [a.id] });
      const g = await call('manifest.generate', {}, w);
      expect(g).toMatchObject({
        manifestPath: expect.stringMatching(new RegExp(`${w.id}[/\\\\]manifest\\.json$`)),
        manifest: { manifestVersion: 1, session: { id: w.id }, tasks: [{ id: a.id }] },
      });
      expect(await call('manifest.generate', { sessionId: w.id })).toMatchObject({ manifestPath: g.manifestPath, manifest: { session: { id: w.id } } });
      expectError(await fails('manifest.generate', { sessionId: 'ses_nope' }), 'not_found', 'sessionId');
    },
  },

  // ---- identity and overview ------------------------------------------------------------------------------
  {
    name: 'whoami: the owner, a worker, an orchestrator',
    async run({ call, project, task, session }) {
      expect(await call('whoami', {})).toEqual({ kind: 'user', apiUrl: expect.stringMatching(/^http/) });
      const p = await project('who');
      const a = await task(p, 'A');
      const w = await session(p, { taskIds: [a.id] });
      const o = await session(p, { role: 'orchestrator' });
      expect(await call('whoami', {}, w)).toMatchObject({
        kind: 'session',
        session: { id: w.id, role: 'worker', projectId: p.id },
        project: { id: p.id, name: p.name },
        tasks: [{ id: a.id }],
        currentTask: { id: a.id },
        apiUrl: expect.any(String),
      });
      expect(await call('whoami', {}, o)).toMatchObject({ kind: 'session', session: { id: o.id, role: 'orchestrator' }, tasks: [], currentTask: null });
    },
  },
  {
    name: 'status: counts for a project (owner and session) and overall',
    async run({ call, fails, setup, project, task, session }) {
      const p = await project('status');
      const a = await task(p, 'A');
      const b = await task(p, 'B', { dependencies: [a.id] });
      const c = await task(p, 'C');
      void b;
      const w = await session(p, { taskIds: [c.id] });
      const gone = await session(p);
      await setup('task.complete', { taskId: a.id });
      await setup('session.stop', { sessionId: gone.id });
      const st = await call('status', { project: p.name });
      expect(st).toMatchObject({
        projects: 1,
        tasks: { total: 3, ready: 2, byStatus: { done: 1, todo: 2 } },
        sessions: { total: 2, active: 1, byStatus: { spawning: 1, stopped: 1 } },
        usage: { total: { sessions: 0, costUsd: 0 }, byProject: [] },
      });
      expect(await call('status', {}, w)).toEqual(st);
      const all = await call('status', {});
      expect(all.projects).toBeGreaterThanOrEqual(1);
      expect(all.tasks.total).toBeGreaterThanOrEqual(3);
      expect(st.byProject).toEqual([{ projectId: p.id, name: p.name, tasks: st.tasks, sessions: st.sessions }]);
      const everywhere = await call('status', { all: true });
      expect(everywhere.byProject.find((x: { projectId: string }) => x.projectId === p.id)).toEqual(st.byProject[0]);
      expect(everywhere.byProject.length).toBe(everywhere.projects);
      expectError(await fails('status', { all: true }, w), 'forbidden', 'all');
      expectError(await fails('status', { all: true, project: p.name }), 'invalid_input', 'all');
    },
  },
  {
    name: 'session.list all: every project for a person (with project names), refused to a session',
    async run({ call, fails, project, session }) {
      const p1 = await project('all-one');
      const p2 = await project('all-two');
      const s1 = await session(p1);
      const s2 = await session(p2);
      const listed = await call('session.list', { all: true });
      const mine = listed.filter((s: { id: string }) => s.id === s1.id || s.id === s2.id);
      expect(mine.map((s: { id: string; projectName: string }) => [s.id, s.projectName]).sort()).toEqual(
        [
          [s1.id, p1.name],
          [s2.id, p2.name],
        ].sort(),
      );
      const orchestrator = await session(p1, { role: 'orchestrator' });
      expectError(await fails('session.list', { all: true }, orchestrator), 'forbidden', 'all');
      expectError(await fails('session.list', { all: true, project: p1.name }), 'invalid_input', 'all');
    },
  },
  // ---- messages (issue 12) ---------------------------------------------------------------------------
  {
    name: 'message: a worker writes to its orchestrator, which reads (marked read) and acks; replies thread; the sender sees the states',
    async run({ call, check, project, session, task }) {
      const p = await project('msg');
      const t = await task(p, 'the API');
      const o = await session(p, { role: 'orchestrator', name: 'lead' });
      const w = await session(p, { name: 'w1', taskIds: [t.id] }, o);
      const m = await call('message.send', { to: 'orchestrator', subject: 'REST or RPC?', body: 'Which one for the API?', taskId: t.id }, w);
      expect(m).toMatchObject({ projectId: p.id, to: 'orchestrator', from: { sessionId: w.id, name: 'w1' }, taskId: t.id, replyTo: null, threadId: m.id, state: 'sent' });
      expect(m.id).toMatch(/^msg_/);
      expect(m.recipients).toEqual([
        { sessionId: o.id, name: 'lead', state: 'sent', deliveredAt: null, deliveredVia: null, readAt: null, ackedAt: null, ackNote: null },
      ]);
      const inbox = await call('message.inbox', {}, o);
      expect(inbox).toMatchObject({ owner: { sessionId: o.id, name: 'lead' }, unread: 1, markedRead: true });
      expect(ids(inbox.messages)).toEqual([m.id]);
      expect(inbox.messages[0].recipients[0]).toMatchObject({ state: 'read', deliveredVia: 'inbox' });
      expect((await call('message.inbox', {}, o)).messages).toEqual([]);
      expect(ids((await call('message.inbox', { all: true }, o)).messages)).toEqual([m.id]);
      const reply = await call('message.send', { to: w.id, subject: 'Re: REST or RPC?', body: 'REST.', replyTo: m.id }, o);
      expect(reply).toMatchObject({ threadId: m.id, replyTo: m.id, recipients: [{ sessionId: w.id }] });
      const acked = await call('message.ack', { messageId: m.id, note: 'answered' }, o);
      expect(acked).toMatchObject({ id: m.id, state: 'acknowledged', recipients: [{ state: 'acknowledged', ackNote: 'answered' }] });
      // idempotent: the first acknowledgement stays as it was
      expect(await call('message.ack', { messageId: m.id, note: 'again' }, o)).toEqual(acked);
      const sent = await call('message.list', {}, w);
      expect(sent.map((x: { id: string; state: string }) => [x.id, x.state])).toEqual([
        [reply.id, 'sent'],
        [m.id, 'acknowledged'],
      ]);
      expect(ids(await check('message.list', { sessionId: o.id }))).toEqual([reply.id, m.id]);
    },
  },
  {
    name: 'message: broadcast to the project, to the user; the owner reads the user inbox, peeks at a session without marking, lists',
    async run({ call, project, session }) {
      const p = await project('msg-cast');
      const o = await session(p, { role: 'orchestrator' });
      const a = await session(p, {}, o);
      const b = await session(p, {}, o);
      const cast = await call('message.send', { to: 'project', subject: 'Freeze', body: 'Code freeze at five.' }, o);
      expect(cast.recipients.map((r: { sessionId: string }) => r.sessionId).sort()).toEqual([a.id, b.id].sort());
      const fromOwner = await call('message.send', { to: 'orchestrator', subject: 'Status?', body: 'How far along?', project: p.id });
      expect(fromOwner).toMatchObject({ from: { sessionId: null, name: 'user' }, recipients: [{ sessionId: o.id }] });
      const toUser = await call('message.send', { to: 'user', subject: 'May I?', body: 'Delete build/?' }, a);
      expect(toUser.recipients).toEqual([expect.objectContaining({ sessionId: null, name: 'user', state: 'sent' })]);
      const peek = await call('message.inbox', { sessionId: a.id });
      expect(peek).toMatchObject({ owner: { sessionId: a.id }, markedRead: false, unread: 1 });
      expect(ids(peek.messages)).toEqual([cast.id]);
      expect((await call('message.inbox', { sessionId: a.id })).unread).toBe(1);
      const mine = await call('message.inbox', { project: p.id });
      expect(mine).toMatchObject({ owner: { sessionId: null, name: 'user' }, unread: 1, markedRead: true });
      expect(ids(mine.messages)).toEqual([toUser.id]);
      expect((await call('message.ack', { messageId: toUser.id })).state).toBe('acknowledged');
      expect(ids(await call('message.list', { project: p.id })).sort()).toEqual([cast.id, fromOwner.id, toUser.id].sort());
      expect(ids(await call('message.list', { project: p.id, limit: 1 }))).toEqual([toUser.id]);
      expect(ids(await call('message.list', { sessionId: b.id }))).toEqual([cast.id]);
    },
  },
  {
    name: 'message: refusals name the field (other project, ended or unknown recipient, not a recipient, bad sizes)',
    async run({ call, fails, setup, project, session }) {
      const p = await project('msg-no');
      const other = await project('msg-other');
      const o = await session(p, { role: 'orchestrator' });
      const w = await session(p, {}, o);
      const w2 = await session(p, {}, o);
      const far = await session(other, {});
      expectError(await fails('message.send', { to: far.id, subject: 'hi', body: 'x' }, w), 'forbidden', 'to');
      expectError(await fails('message.send', { to: 'ses_nobody', subject: 'hi', body: 'x' }, w), 'not_found', 'to');
      expectError(await fails('message.send', { to: w.id, subject: 'hi', body: 'x' }, w), 'invalid_input', 'to');
      expectError(await fails('message.send', { to: 'user', subject: 'hi', body: 'x' }), 'invalid_input', 'to');
      expectError(await fails('message.send', { to: 'user', subject: '', body: 'x' }, w), 'invalid_input', 'subject');
      expectError(await fails('message.send', { to: 'user', subject: 's'.repeat(201), body: 'x' }, w), 'invalid_input', 'subject');
      expectError(await fails('message.send', { to: 'user', subject: 'hi', body: 'b'.repeat(20_001) }, w), 'invalid_input', 'body');
      expectError(await fails('message.send', { to: 'user', subject: 'hi', body: 'x', replyTo: 'msg_nothing' }, w), 'not_found', 'replyTo');
      expectError(await fails('message.send', { to: 'project', subject: 'hi', body: 'x', project: other.id }, w), 'forbidden', 'project');
      const m = await call('message.send', { to: w.id, subject: 'for w', body: 'only w' }, o);
      expectError(await fails('message.ack', { messageId: m.id }, w2), 'forbidden', 'messageId');
      expectError(await fails('message.ack', { messageId: m.id }, far), 'forbidden', 'messageId');
      expectError(await fails('message.ack', { messageId: 'msg_nothing' }, w), 'not_found', 'messageId');
      expectError(await fails('message.inbox', { limit: 0 }, w), 'invalid_input', 'limit');
      expectError(await fails('message.inbox', { sessionId: w2.id }, w), 'forbidden', 'sessionId');
      expectError(await fails('message.list', { sessionId: far.id }, o), 'forbidden', 'sessionId');
      await setup('session.stop', { sessionId: w2.id });
      expectError(await fails('message.send', { to: w2.id, subject: 'hi', body: 'x' }, o), 'conflict', 'to');
      // nothing was stored by the refusals
      expect(ids(await call('message.list', { project: p.id }))).toEqual([m.id]);
    },
  },
  // ---- dispatch (issue 12) ----------------------------------------------------------------------------
  {
    name: 'dispatch: status before any start; the dry run plans waves by priority and names what can never start',
    async run({ call, check, setup, project, task }) {
      const p = await project('dispatch-plan');
      const low = await task(p, 'low root', { priority: 'low' });
      const high = await task(p, 'high root', { priority: 'high' });
      const join = await task(p, 'join', { dependencies: [low.id, high.id] });
      const stuck = await task(p, 'stuck');
      await setup('task.update', { taskId: stuck.id, status: 'blocked' });
      const after = await task(p, 'after stuck', { dependencies: [stuck.id] });
      const before = await call('dispatch.status', { project: p.name });
      expect(before).toMatchObject({ project: p.id, status: null, maxWorkers: 3, retries: 2, workers: [], log: [] });
      expect(before.counts).toEqual({ ready: 2, waiting: 2, running: 0, done: 0, blocked: 1, failedAttempts: 0 });
      const dry = await call('dispatch.start', { project: p.name, dryRun: true });
      expect(dry.status).toBeNull();
      expect(dry.plan.order).toEqual([high.id, low.id, join.id]);
      expect(dry.plan.waves.map((w: Array<{ taskId: string }>) => w.map((t) => t.taskId))).toEqual([[high.id, low.id], [join.id]]);
      expect(dry.plan.waves[1][0]).toMatchObject({ taskId: join.id, wave: 1, waitsOn: [low.id, high.id], priority: 'medium' });
      expect(dry.plan.never).toEqual([{ taskId: after.id, title: 'after stuck', reason: `depends on ${stuck.id} (stuck), which is blocked` }]);
      expect(await check('session.list', { project: p.id })).toEqual([]);
    },
  },
  {
    name: 'dispatch: start keeps maxWorkers workers on the ready tasks by priority; status follows its log; stop leaves workers be',
    async run({ call, check, setup, project, task }) {
      const p = await project('dispatch-run');
      const first = await task(p, 'first', { priority: 'critical' });
      const second = await task(p, 'second');
      await task(p, 'third', { dependencies: [first.id] });
      const started = await call('dispatch.start', { project: p.name, maxWorkers: 1, retries: 0 });
      expect(started).toMatchObject({ project: p.id, status: 'running', maxWorkers: 1, retries: 0, template: null, reason: null });
      expect(started.workers).toEqual([expect.objectContaining({ taskId: first.id, outcome: null })]);
      expect(started.counts).toMatchObject({ running: 1, ready: 1, waiting: 1, failedAttempts: 0 });
      expect(started.log.map((e: { kind: string }) => e.kind)).toEqual(['started', 'spawned']);
      const worker = started.workers[0].sessionId;
      expect(started.log[1]).toMatchObject({ taskId: first.id, sessionId: worker });
      expect(started.log[1].message).toContain(`started ${worker} for ${first.id} 'first' (1/1 workers)`);
      expect((await check('session.info', { sessionId: worker })).session).toMatchObject({ role: 'worker', strategy: 'simple', taskIds: [first.id] });
      const last = started.log[1].id;
      const quiet = await call('dispatch.status', { project: p.id, afterLogId: last });
      expect(quiet).toMatchObject({ status: 'running', log: [] });
      expect(quiet.workers.map((w: { taskId: string }) => w.taskId)).toEqual([first.id]);
      const stopped = await call('dispatch.stop', { project: p.id });
      expect(stopped).toMatchObject({ status: 'stopped', reason: 'stopped on request' });
      expect(stopped.counts.running).toBe(1);
      expect(stopped.log.at(-1)).toMatchObject({ kind: 'stopped' });
      expect((await check('task.get', { taskId: second.id })).assignee).toBeNull();
      await setup('session.stop', { sessionId: worker });
    },
  },
  {
    name: 'dispatch: an orchestrator may start and stop it; a worker only reads its status; bad input names the field',
    async run({ call, fails, project, task, session, name }) {
      const p = await project('dispatch-access');
      const other = await project('dispatch-other');
      await task(p, 'only');
      const o = await session(p, { role: 'orchestrator' });
      const w = await session(p, {});
      expect((await call('dispatch.start', { dryRun: true }, o)).plan.order).toHaveLength(1);
      expectError(await fails('dispatch.start', { project: other.id, dryRun: true }, o), 'forbidden', 'project');
      expectError(await fails('dispatch.start', { dryRun: true }, w), 'forbidden');
      expectError(await fails('dispatch.stop', {}, w), 'forbidden');
      expect(await call('dispatch.status', {}, w)).toMatchObject({ project: p.id, status: null });
      expect(await call('dispatch.stop', {}, o)).toMatchObject({ project: p.id, status: null });
      expectError(await fails('dispatch.start', { project: p.id, maxWorkers: 0 }), 'invalid_input', 'maxWorkers');
      expectError(await fails('dispatch.start', { project: p.id, maxWorkers: 65 }), 'invalid_input', 'maxWorkers');
      expectError(await fails('dispatch.start', { project: p.id, retries: 11 }), 'invalid_input', 'retries');
      expectError(await fails('dispatch.start', { project: p.id, template: name('no-template') }), 'not_found', 'template');
      expectError(await fails('dispatch.start', { project: name('no-project'), dryRun: true }), 'not_found', 'project');
      expectError(await fails('dispatch.status', { project: p.id, afterLogId: -1 }), 'invalid_input', 'afterLogId');
      expect((await call('dispatch.status', { project: p.id })).status).toBeNull();
    },
  },
  // ---- leases (issue 12) ----------------------------------------------------------------------------------
  {
    name: 'lease: acquire, conflict naming holder and expiry, shared vs exclusive, renew, list, check, release (own, forced, all)',
    async run({ call, fails, check, project, session }) {
      const p = await project('lease');
      const a = await session(p, { name: 'lease-a' });
      const b = await session(p, { name: 'lease-b' });
      const got = await call('lease.acquire', { paths: ['src/**'], reason: 'parser' }, a);
      expect(got.renewed).toEqual([]);
      expect(got.leases).toEqual([
        expect.objectContaining({ id: expect.stringMatching(/^lse_/), pattern: 'src/**', exclusive: true, sessionId: a.id, sessionName: 'lease-a', projectId: p.id, reason: 'parser', state: 'active', releasedAt: null, endedBy: null }),
      ]);
      const refused = await fails('lease.acquire', { paths: ['lib/x.ts', 'src/a.ts'] }, b);
      expectError(refused, 'conflict', 'paths');
      expect(refused.message).toContain(`${a.id} (lease-a)`);
      expect(refused.message).toContain(got.leases[0].expiresAt);
      // all or nothing: lib/x.ts was not leased either
      expect(await check('lease.list', { project: p.id, sessionId: b.id })).toEqual([]);
      const docs = await call('lease.acquire', { paths: ['docs/'], exclusive: false, ttlSeconds: 60 }, b);
      expect(docs.leases[0]).toMatchObject({ pattern: 'docs/**', exclusive: false });
      await call('lease.acquire', { paths: ['docs/x.md'], exclusive: false }, a);
      expectError(await fails('lease.acquire', { paths: ['docs/y.md'] }, a), 'conflict', 'paths');
      const renewed = await call('lease.acquire', { paths: ['src/**'], ttlSeconds: 600 }, a);
      expect(renewed.renewed).toEqual(['src/**']);
      expect(renewed.leases[0].id).toBe(got.leases[0].id);
      expect(Date.parse(renewed.leases[0].expiresAt) - Date.parse(renewed.leases[0].renewedAt)).toBe(600_000);

      const listed = await call('lease.list', { project: p.id });
      expect(listed.map((l: any) => [l.pattern, l.sessionId, l.exclusive])).toEqual([
        ['docs/**', b.id, false],
        ['docs/x.md', a.id, false],
        ['src/**', a.id, true],
      ]);
      expect((await call('lease.list', {}, b)).length).toBe(3);
      // b's view: src/a.ts is a's (exclusive); docs/x.md is shared by a (b's own docs/** does not count)
      const seen = await check('lease.check', { paths: ['src/a.ts', 'docs/x.md', 'README.md'] }, b);
      expect(seen.checked).toBe(3);
      expect(seen.conflicts.map((h: any) => [h.path, h.lease.sessionId])).toEqual([['src/a.ts', a.id]]);
      expect(seen.conflicts[0].message).toContain('exclusively');
      expect(seen.shared.map((h: any) => [h.path, h.lease.sessionId])).toEqual([['docs/x.md', a.id]]);
      const mine = await call('lease.check', { paths: ['src/a.ts', 'docs/z.md'] }, a);
      expect(mine.conflicts).toEqual([]);
      expect(mine.shared.map((h: any) => h.lease.sessionId)).toEqual([b.id]);
      const asOwner = await call('lease.check', { paths: ['docs/x.md'], project: p.id });
      expect(asOwner.shared.map((h: any) => h.lease.sessionId).sort()).toEqual([a.id, b.id].sort());

      const own = await call('lease.release', { paths: ['docs/'] }, b);
      expect(own.released).toEqual([expect.objectContaining({ pattern: 'docs/**', state: 'released', endedBy: 'released' })]);
      expectError(await fails('lease.release', { leaseIds: [got.leases[0].id] }, b), 'forbidden', 'leaseIds');
      const forced = await call('lease.release', { leaseIds: [got.leases[0].id] });
      expect(forced.released).toEqual([expect.objectContaining({ id: got.leases[0].id, endedBy: 'forced' })]);
      expect((await call('lease.release', {}, a)).released.map((l: any) => l.pattern)).toEqual(['docs/x.md']);
      expect(await check('lease.list', { project: p.id })).toEqual([]);
      const history = await call('lease.list', { project: p.id, all: true });
      expect(history.map((l: any) => l.state)).toEqual(['released', 'released', 'released']);
    },
  },
  {
    name: 'lease: refusals (paths leaving the project, ttl out of range, on behalf of others, unknown lease, other project)',
    async run({ fails, call, project, session }) {
      const p = await project('lease-bad');
      const q = await project('lease-other');
      const w = await session(p);
      const w2 = await session(p);
      const other = await session(q);
      expectError(await fails('lease.acquire', { paths: ['/etc/passwd'] }, w), 'invalid_input', 'paths');
      expectError(await fails('lease.acquire', { paths: ['ok.ts', '../outside.ts'] }, w), 'invalid_input', 'paths');
      expectError(await fails('lease.acquire', { paths: ['x'], ttlSeconds: 5 }, w), 'invalid_input', 'ttlSeconds');
      expectError(await fails('lease.acquire', { paths: ['x'], ttlSeconds: 86_401 }, w), 'invalid_input', 'ttlSeconds');
      expectError(await fails('lease.acquire', { paths: ['x'] }), 'invalid_input', 'sessionId');
      expectError(await fails('lease.acquire', { paths: ['x'], sessionId: w2.id }, w), 'forbidden', 'sessionId');
      expectError(await fails('lease.release', { leaseIds: ['lse_missing'] }, w), 'not_found', 'leaseIds');
      expectError(await fails('lease.release', {}), 'invalid_input', 'sessionId');
      expectError(await fails('lease.list', { project: q.id }, w), 'forbidden', 'project');
      expectError(await fails('lease.check', { paths: ['x'], project: p.id }, other), 'forbidden', 'project');
      // the owner acts for a session
      const granted = await call('lease.acquire', { paths: ['x'], sessionId: w.id, ttlSeconds: 10 });
      expect(granted.leases[0]).toMatchObject({ sessionId: w.id, pattern: 'x' });
      expect((await call('lease.release', { sessionId: w.id })).released.map((l: any) => l.id)).toEqual([granted.leases[0].id]);
    },
  },
  // ---- notifications (issue 12) ----------------------------------------------------------------------------
  {
    name: 'notify: add (global, per project), list (secrets masked, by project), remove; bad input names the field',
    async run({ call, fails, project, name }) {
      const p = await project('notify');
      const q = await project('notify-other');
      const url = `http://127.0.0.1:9/${name('hook')}`;
      const global = await call('notify.add', { url, on: ['needs_input', 'completed'] });
      expect(global).toMatchObject({ id: expect.stringMatching(/^whk_/), projectId: null, url, on: ['needs_input', 'completed'], format: 'json', lastDelivery: null });
      expect(global.secret).toMatch(/^[0-9a-f]{64}$/);
      const own = await call('notify.add', { url: `${url}-p`, on: ['blocked'], project: p.name, format: 'slack', secret: 'my-own-secret-1234' });
      expect(own).toMatchObject({ projectId: p.id, format: 'slack', secret: 'my-own-secret-1234' });
      const mine = (hooks: Array<{ id: string }>) => hooks.filter((h) => h.id === global.id || h.id === own.id);
      const all = mine(await call('notify.list', {}));
      expect(all.map((h: any) => [h.id, h.secret])).toEqual([
        [global.id, `…${global.secret.slice(-4)}`],
        [own.id, '…1234'],
      ]);
      expect(ids(mine(await call('notify.list', { project: p.id })))).toEqual([global.id, own.id]);
      expect(ids(mine(await call('notify.list', { project: q.name })))).toEqual([global.id]);
      expect(await call('notify.remove', { webhookId: own.id })).toMatchObject({ id: own.id, secret: '…1234' });
      expect(ids(mine(await call('notify.list', {})))).toEqual([global.id]);
      expectError(await fails('notify.remove', { webhookId: own.id }), 'not_found', 'webhookId');
      expectError(await fails('notify.add', { url: 'ftp://127.0.0.1/x', on: ['blocked'] }), 'invalid_input', 'url');
      expectError(await fails('notify.add', { url, on: ['blocked', 'asleep'] }), 'invalid_input', 'on.1');
      expectError(await fails('notify.add', { url, on: [] }), 'invalid_input', 'on');
      expectError(await fails('notify.add', { url, on: ['blocked'], format: 'xml' }), 'invalid_input', 'format');
      expectError(await fails('notify.add', { url, on: ['blocked'], project: name('no-such') }), 'not_found', 'project');
      await call('notify.remove', { webhookId: global.id });
    },
  },
  {
    name: 'notify: sessions may not configure webhooks (forbidden for workers and orchestrators)',
    async run({ call, fails, project, session, name }) {
      const p = await project('notify-forbidden');
      const w = await session(p);
      const o = await session(p, { role: 'orchestrator' });
      const hook = await call('notify.add', { url: `http://127.0.0.1:9/${name('hook')}`, on: ['blocked'], project: p.id });
      for (const as of [w, o]) {
        expectError(await fails('notify.add', { url: 'http://127.0.0.1:9/x', on: ['blocked'] }, as), 'forbidden');
        expectError(await fails('notify.list', {}, as), 'forbidden');
        expectError(await fails('notify.test', { webhookId: hook.id }, as), 'forbidden');
        expectError(await fails('notify.remove', { webhookId: hook.id }, as), 'forbidden');
      }
      expect(ids((await call('notify.list', { project: p.id })).filter((h: { id: string }) => h.id === hook.id))).toEqual([hook.id]);
      await call('notify.remove', { webhookId: hook.id });
    },
  },
  {
    name: 'notify.test: one attempt now; a closed port is a failed delivery with the reason, shown by notify.list',
    async run({ call, fails }) {
      const { createServer } = await import('node:net');
      const port = await new Promise<number>((resolve) => {
        const s = createServer();
        s.listen(0, '127.0.0.1', () => {
          const { port: p } = s.address() as { port: number };
          s.close(() => resolve(p));
        });
      });
      const hook = await call('notify.add', { url: `http://127.0.0.1:${port}/hook`, on: ['error'] });
      const started = Date.now();
      const d = await call('notify.test', { webhookId: hook.id });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(d).toMatchObject({ id: expect.stringMatching(/^whd_/), webhookId: hook.id, event: 'test', sessionId: null, status: 'failed', attempts: 1, httpStatus: null });
      expect(d.error).toContain('ECONNREFUSED');
      const listed = (await call('notify.list', {})).find((h: { id: string }) => h.id === hook.id);
      expect(listed.lastDelivery).toEqual(d);
      expectError(await fails('notify.test', { webhookId: 'whk_missing' }), 'not_found', 'webhookId');
      await call('notify.remove', { webhookId: hook.id });
    },
  },
];

/** git in a directory, as a person would run it (an identity of its own, no hooks). */
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Tester', '-c', 'user.email=tester@localhost', '-c', 'core.hooksPath=/dev/null', ...args], { cwd, encoding: 'utf8' }).trim();

/** Makes a project directory a git repository on `main` with its files in one commit. */
function gitRepo(dir: string): void {
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'initial');
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** The MaestroError a call that must fail fails with (a result, or any other error, fails the test). */
async function failureOf(
  call: (op: string, input: Input, as: Caller) => Promise<unknown>,
  op: string,
  input: Input,
  as: Caller,
): Promise<MaestroError> {
  let result: unknown;
  try {
    result = await call(op, input, as);
  } catch (err) {
    if (err instanceof MaestroError) return err;
    throw err;
  }
  throw new Error(`${op} ${JSON.stringify(input)} was expected to fail, but returned ${JSON.stringify(result).slice(0, 300)}`);
}

/** Registers the contract cases (and a check that they called every operation) for one transport. */
export function runOpCases(t: OpTransport): void {
  const covered = new Set<string>();
  const unsupported = new Map<string, string>();
  let root = '';
  let n = 0;
  /** Cases that ran to their end (passed, failed or skipped): the coverage check needs all of them. */
  let ran = 0;
  const tag = slug(t.name);

  describe(`operation contract over ${t.name}`, () => {
    beforeAll(() => {
      root = mkdtempSync(join(tmpdir(), `maestro-contract-${tag}-`));
    });
    afterAll(() => {
      if (root) rmSync(root, { recursive: true, force: true });
    });

    describe('cases', { concurrent: t.concurrent ?? false, timeout: t.timeoutMs ?? 30_000 }, () => {
      for (const c of CASES) {
        const known = c.knownIssue ?? t.knownIssues?.[c.name];
        if (known !== undefined) {
          it.fails(`${c.name} [known issue over ${t.name}: ${known}]`, async () => {
            try {
              await c.run(makeCtx());
            } finally {
              ran++;
            }
          });
          continue;
        }
        it(c.name, async (test) => {
          try {
            await c.run(makeCtx());
          } catch (err) {
            if (err instanceof Unsupported) {
              test.skip(`${t.name} cannot express this: ${err.message}`);
              return;
            }
            throw err;
          } finally {
            ran++;
          }
        });
      }
    });

    describe('coverage', () => {
      it('known issues name existing cases', () => {
        const names = new Set(CASES.map((c) => c.name));
        expect(Object.keys(t.knownIssues ?? {}).filter((k) => !names.has(k))).toEqual([]);
      });

      it('the cases called every operation (but those that need a live terminal)', (test) => {
        if (ran < CASES.length) test.skip(`only ${ran} of ${CASES.length} cases ran (a filter?)`);
        const names = OPERATIONS.map((o) => o.name as string);
        const missing = names.filter((op) => !covered.has(op) && !unsupported.has(op) && !(op in NEEDS_TERMINAL));
        expect(missing, 'operations no contract case calls: add a case to test/contract/cases.ts').toEqual([]);
      });
    });
  });

  function makeCtx(): Ctx {
    const arrange = t.arrange ?? t.call;
    const caller = (session: Session): SessionCaller => ({
      kind: 'session',
      id: session.id,
      token: t.tokenOf(session.id),
      role: session.role,
      session,
    });
    const call = async (op: string, input: Input = {}, as: Caller = OWNER) => {
      try {
        const result = await t.call(op, input, as);
        covered.add(op);
        return result as any;
      } catch (err) {
        if (err instanceof Unsupported) {
          if (!unsupported.has(op)) unsupported.set(op, err.message);
        } else covered.add(op);
        throw err;
      }
    };
    const ctx: Ctx = {
      call,
      fails: (op, input = {}, as = OWNER) => failureOf(call, op, input, as),
      setup: async (op, input = {}, as = OWNER) => (await arrange(op, input, as)) as any,
      check: async (op, input = {}, as = OWNER) => (await arrange(op, input, as)) as any,
      checkFails: (op, input = {}, as = OWNER) => failureOf(arrange, op, input, as),
      name: (label) => `${label}-${tag}-${++n}`,
      dir(label, files = {}) {
        const d = mkdtempSync(join(root, `${slug(label)}-`));
        for (const [rel, content] of Object.entries(files)) {
          mkdirSync(dirname(join(d, rel)), { recursive: true });
          writeFileSync(join(d, rel), content);
        }
        return d;
      },
      async project(label = 'p', files) {
        return (await arrange('project.create', { name: ctx.name(label), workingDir: ctx.dir(label, files) })) as Project;
      },
      async task(project, title, extra = {}) {
        return (await arrange('task.create', { project: project.id, title, ...extra })) as Task;
      },
      async session(project, spawn = {}, as = OWNER) {
        const r = (await arrange('session.spawn', { project: project.id, ...spawn }, as)) as { session: Session };
        return caller(r.session);
      },
      caller,
    };
    return ctx;
  }
}
