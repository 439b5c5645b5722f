/**
 * Each task keeps the number of its dependencies not met yet (migration 15), and a todo task is ready when it
 * is 0: counting or listing the ready tasks of a 100k-task project no longer walks every todo task's edges.
 * The count is kept by triggers, so it is checked here against a count made from the edges afresh, after
 * every step of random runs: tasks created with dependencies, dependencies replaced and switched between
 * `done` and `merged`, statuses changed, merges landing and undone, tasks deleted (their edges cascade),
 * imports replacing edges. A dependent's version stays where it was when only its readiness moves. A
 * database made before the count has it filled in by the migration.
 */
import fc from 'fast-check';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER } from '../src/core/access.js';
import { migrate } from '../src/core/db.js';
import { MaestroError } from '../src/core/errors.js';
import { MIGRATIONS } from '../src/core/migrations.js';
import { executeOp } from '../src/core/operations.js';
import type { TaskStatus } from '../src/core/schemas.js';
import { MaestroService } from '../src/core/service.js';
import { rowsOf } from '../src/core/task-import.js';
import { databaseBefore } from './core-support.js';
import { tempHome } from './helpers.js';

const STATUSES: TaskStatus[] = ['todo', 'in_progress', 'blocked', 'needs_input', 'done', 'cancelled'];

/** Every task whose kept count differs from its edges counted afresh (none, when the triggers are right). */
const WRONG_COUNTS = `SELECT t.id, t.unmet_deps AS kept, (SELECT COUNT(*) FROM task_dependencies d JOIN tasks dt ON dt.id = d.depends_on_id
    WHERE d.task_id = t.id AND (dt.status <> 'done' OR (d.until = 'merged' AND dt.merged_at IS NULL))) AS counted
  FROM tasks t WHERE t.project_id = ? AND kept <> counted`;

let home: string;
let svc: MaestroService;
let projects = 0;

beforeAll(() => {
  home = tempHome();
  svc = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:9' });
  svc.db.pragma('synchronous = OFF'); // durability is beside the point here
});

afterAll(() => {
  svc.close();
  rmSync(home, { recursive: true, force: true });
});

type Step =
  | { kind: 'create'; deps: number[]; merged: boolean }
  | { kind: 'deps'; task: number; deps: number[]; merged: boolean }
  | { kind: 'status'; task: number; status: TaskStatus }
  | { kind: 'merge'; task: number; landed: boolean }
  | { kind: 'delete'; task: number }
  | { kind: 'import'; deps: Array<[number, number]> };

const index = fc.nat(40);
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), deps: fc.array(index, { maxLength: 3 }), merged: fc.boolean() }),
  fc.record({ kind: fc.constant('deps' as const), task: index, deps: fc.array(index, { maxLength: 3 }), merged: fc.boolean() }),
  fc.record({ kind: fc.constant('status' as const), task: index, status: fc.constantFrom(...STATUSES) }),
  fc.record({ kind: fc.constant('status' as const), task: index, status: fc.constant('done' as TaskStatus) }),
  fc.record({ kind: fc.constant('merge' as const), task: index, landed: fc.boolean() }),
  fc.record({ kind: fc.constant('delete' as const), task: index }),
  fc.record({ kind: fc.constant('import' as const), deps: fc.array(fc.tuple(index, index), { maxLength: 4 }) }),
);

/** Runs one step; a refusal (a cycle, a task gone) is part of the run, and must leave the counts right too. */
async function run(projectId: string, s: Step): Promise<void> {
  const ids = (svc.db.prepare('SELECT id FROM tasks WHERE project_id = ? ORDER BY seq').all(projectId) as Array<{ id: string }>).map((r) => r.id);
  const at = (i: number) => ids[i % Math.max(1, ids.length)];
  const some = (list: number[]) => [...new Set(list.map(at).filter((id): id is string => id !== undefined))];
  const op = async (name: string, input: Record<string, unknown>) => {
    try {
      await executeOp(svc, USER, name as never, input as never);
    } catch (err) {
      if (!(err instanceof MaestroError)) throw err;
    }
  };
  switch (s.kind) {
    case 'create':
      return op('task.create', { project: projectId, title: 't', dependencies: some(s.deps), until: s.merged ? 'merged' : 'done' });
    case 'deps':
      if (at(s.task)) await op('task.update', { taskId: at(s.task), dependencies: some(s.deps).filter((d) => d !== at(s.task)), until: s.merged ? 'merged' : 'done' });
      return;
    case 'status':
      if (at(s.task)) await op('task.update', { taskId: at(s.task), status: s.status });
      return;
    case 'merge': // what a merged (or not yet merged) branch does to a done task
      if (at(s.task)) svc.db.prepare('UPDATE tasks SET merged_at = ? WHERE id = ?').run(s.landed ? new Date().toISOString() : null, at(s.task));
      return;
    case 'delete': // its edges go by the cascade, both ways; a task with subtasks cannot go
      if (at(s.task)) svc.db.prepare('DELETE FROM tasks WHERE id = ? AND NOT EXISTS (SELECT 1 FROM tasks c WHERE c.parent_id = ?)').run(at(s.task), at(s.task));
      return;
    case 'import': {
      // keyed rows replacing their edges: k0 -> k1 and so on, over and over
      const rows = Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, title: `keyed ${i}` }));
      const deps = new Map<number, Set<string>>();
      for (const [from, to] of s.deps) if (from % 5 < to % 5) (deps.get(from % 5) ?? deps.set(from % 5, new Set()).get(from % 5)!).add(`k${to % 5}`);
      try {
        svc.importer.run(projectId, rowsOf(rows.map((r, i) => ({ ...r, dependsOn: [...(deps.get(i) ?? [])] }))));
      } catch (err) {
        if (!(err instanceof MaestroError)) throw err;
      }
    }
  }
}

describe('ready counts', () => {
  it('every kept count equals the edges counted afresh, after every step of random runs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 60 }), async (steps) => {
        const projectId = svc.projects.create({ name: `p${++projects}`, workingDir: home }).id;
        for (const s of steps) {
          await run(projectId, s);
          expect(svc.db.prepare(WRONG_COUNTS).all(projectId), JSON.stringify(s)).toEqual([]);
        }
        // and `ready` as every reader sees it: todo with no dependency waiting
        for (const t of svc.tasks.list({ projectId })) {
          const waiting = t.dependencies.some((d) => {
            const dep = svc.tasks.get(d);
            return dep.status !== 'done' || (t.mergedDependencies.includes(d) && dep.mergedAt === null);
          });
          expect(t.ready, t.id).toBe(t.status === 'todo' && !waiting);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("leaves a dependent's version alone when only its readiness moves, and lists it ready from the index", async () => {
    const projectId = svc.projects.create({ name: `p${++projects}`, workingDir: home }).id;
    const first = svc.tasks.create({ projectId, title: 'first' });
    const then = svc.tasks.create({ projectId, title: 'then', dependencies: [first.id] });
    expect(then.ready).toBe(false);
    await executeOp(svc, USER, 'task.update', { taskId: first.id, status: 'done' });
    const after = svc.tasks.get(then.id);
    expect(after).toMatchObject({ ready: true, version: then.version });
    const plan = svc.db.prepare(`EXPLAIN QUERY PLAN SELECT COUNT(*) FROM tasks t WHERE t.project_id = ? AND t.status = 'todo' AND t.unmet_deps = 0`).all(projectId);
    expect(JSON.stringify(plan)).toContain('tasks_ready');
    expect(svc.tasks.counts(projectId).get(projectId)?.ready).toBe(1);
  });

  it("names every task column but the count in tasks_version, so a column added later moves a task's version too", () => {
    const columns = (svc.db.prepare('PRAGMA table_info(tasks)').all() as Array<{ name: string }>).map((c) => c.name);
    const trigger = (svc.db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'tasks_version'`).get() as { sql: string }).sql;
    const watched = /AFTER UPDATE OF ([^]*?) ON tasks/.exec(trigger)![1]!.split(',').map((c) => c.trim());
    expect([...watched].sort()).toEqual(columns.filter((c) => c !== 'unmet_deps').sort());
  });

  it('fills the counts in for a database made before them', () => {
    const { db, at } = databaseBefore(15);
    const task = db.prepare(`INSERT INTO tasks (id, project_id, title, description, status, priority, seq, created_at, updated_at, merged_at) VALUES (?, 'prj_old', ?, '', ?, 'medium', ?, ?, ?, ?)`);
    task.run('tsk_a', 'done, merged', 'done', 1, at, at, at);
    task.run('tsk_b', 'done, not merged', 'done', 2, at, at, null);
    task.run('tsk_c', 'todo', 'todo', 3, at, at, null);
    task.run('tsk_d', 'waits on all three', 'todo', 4, at, at, null);
    task.run('tsk_e', 'waits on the merged one', 'todo', 5, at, at, null);
    const dep = db.prepare('INSERT INTO task_dependencies (task_id, depends_on_id, until) VALUES (?, ?, ?)');
    dep.run('tsk_d', 'tsk_a', 'merged');
    dep.run('tsk_d', 'tsk_b', 'merged');
    dep.run('tsk_d', 'tsk_c', 'done');
    dep.run('tsk_e', 'tsk_a', 'merged');
    const versions = db.prepare('SELECT id, version FROM tasks ORDER BY seq').all();
    expect(migrate(db)).toBe(MIGRATIONS.length - 14);
    expect(db.prepare('SELECT id, unmet_deps FROM tasks ORDER BY seq').all()).toEqual([
      { id: 'tsk_a', unmet_deps: 0 },
      { id: 'tsk_b', unmet_deps: 0 },
      { id: 'tsk_c', unmet_deps: 0 },
      { id: 'tsk_d', unmet_deps: 2 },
      { id: 'tsk_e', unmet_deps: 0 },
    ]);
    expect(db.prepare('SELECT id, version FROM tasks ORDER BY seq').all()).toEqual(versions);
    db.close();
  });
});
