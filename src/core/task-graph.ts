import { MaestroError, invalid, notFound } from './errors.js';
import type { Store } from './store.js';
import type { Task, TaskNode } from './types.js';
import type { DependencyUntil } from './schemas.js';

/*
 * The shape of the task graph and the checks that keep it sound, for TaskRepo (tasks.ts): the parent
 * tree (ancestry, no task its own ancestor, the nested view) and the dependency edges (ids in the same
 * project, no self-dependency, no cycle, named when rejected; writing and reading the edges; announcing
 * the tasks that depend on one whose done-ness changed). It reads and writes the tables directly and
 * knows nothing of how a Task row is hydrated: the caller passes `get` where whole tasks are needed.
 */
export class TaskGraph {
  constructor(private readonly store: Store) {}

  /** Throws unless `taskId` exists and belongs to `projectId` (the error names `field`). */
  assertInProject(taskId: string, projectId: string, field: string): void {
    const row = this.store.prepare('SELECT project_id FROM tasks WHERE id = ?').get(taskId) as
      | { project_id: string }
      | undefined;
    if (!row) throw notFound('task', taskId, field);
    if (row.project_id !== projectId) throw invalid(`task '${taskId}' belongs to another project`, field);
  }

  /** The task and every ancestor above it, nearest first. */
  ancestry(taskId: string): string[] {
    const rows = this.store
      .prepare(
        `WITH RECURSIVE up(id, parent_id, depth) AS (
           SELECT id, parent_id, 0 FROM tasks WHERE id = ?
           UNION SELECT t.id, t.parent_id, up.depth + 1 FROM tasks t JOIN up ON t.id = up.parent_id)
         SELECT id FROM up ORDER BY depth`,
      )
      .all(taskId) as Array<{ id: string }>;
    return rows.map((r) => r.id);
  }

  /** Throws unless `parentId` is in the task's project and is neither the task nor beneath it. */
  assertValidParent(task: Task, parentId: string): void {
    this.assertInProject(parentId, task.projectId, 'parentId');
    if (this.ancestry(parentId).includes(task.id))
      throw invalid(`task '${parentId}' is '${task.id}' itself or one of its subtasks; a task cannot be its own ancestor`, 'parentId');
  }

  /** The dependency ids without repeats, each checked to be another task of the project. */
  checkDependencyIds(ids: string[], projectId: string, self?: string): string[] {
    const unique = [...new Set(ids)];
    for (const dep of unique) {
      if (dep === self) throw new MaestroError('dependency_cycle', `task '${dep}' cannot depend on itself`, 'dependencies');
      this.assertInProject(dep, projectId, 'dependencies');
    }
    return unique;
  }

  writeDependencies(taskId: string, deps: string[], until: DependencyUntil): void {
    const insert = this.store.prepare('INSERT INTO task_dependencies (task_id, depends_on_id, until) VALUES (?, ?, ?)');
    for (const dep of deps) insert.run(taskId, dep, until);
  }

  /** Replaces a task's dependencies (already checked with `checkDependencyIds`), rejecting a cycle first. */
  replaceDependencies(taskId: string, deps: string[], until: DependencyUntil): void {
    this.assertNoCycle(taskId, deps);
    this.store.prepare('DELETE FROM task_dependencies WHERE task_id = ?').run(taskId);
    this.writeDependencies(taskId, deps, until);
  }

  /** Sets what every dependency of a task waits for. */
  setUntil(taskId: string, until: DependencyUntil): void {
    this.store.prepare('UPDATE task_dependencies SET until = ? WHERE task_id = ?').run(until, taskId);
  }

  /** What new dependencies of the project's tasks wait for when the caller does not say. */
  defaultUntil(projectId: string): DependencyUntil {
    const row = this.store.prepare('SELECT dependency_until FROM projects WHERE id = ?').get(projectId) as { dependency_until: DependencyUntil } | undefined;
    return row?.dependency_until ?? 'done';
  }

  /** The dependencies of each of the tasks (each list in the dependencies' creation order), and those that wait for the merge. */
  dependenciesOf(ids: string[]): Map<string, { all: string[]; merged: string[] }> {
    const deps = new Map<string, { all: string[]; merged: string[] }>();
    // One task (a get, and every create and update that returns its task) by equality: the json_each list
    // cost 7 µs there against 3 µs.
    const one = ids.length === 1;
    const rows = this.store
      .prepare(
        `SELECT d.task_id, d.depends_on_id, d.until FROM task_dependencies d JOIN tasks t ON t.id = d.depends_on_id
         WHERE ${one ? 'd.task_id = ?' : 'd.task_id IN (SELECT value FROM json_each(?))'} ORDER BY t.seq`,
      )
      .all(one ? ids[0] : JSON.stringify(ids)) as Array<{ task_id: string; depends_on_id: string; until: DependencyUntil }>;
    for (const d of rows) {
      let entry = deps.get(d.task_id);
      if (!entry) deps.set(d.task_id, (entry = { all: [], merged: [] }));
      entry.all.push(d.depends_on_id);
      if (d.until === 'merged') entry.merged.push(d.depends_on_id);
    }
    return deps;
  }

  /** Rejects new dependencies that would let `taskId` (transitively) depend on itself, naming the loop. */
  assertNoCycle(taskId: string, deps: string[]): void {
    const edges = this.store.prepare('SELECT depends_on_id FROM task_dependencies WHERE task_id = ?');
    for (const start of deps) {
      const cameFrom = new Map<string, string>([[start, taskId]]);
      const stack = [start];
      while (stack.length > 0) {
        const node = stack.pop()!;
        if (node === taskId) {
          const path = [taskId];
          let cursor = cameFrom.get(taskId)!;
          const back: string[] = [];
          while (cursor !== taskId) {
            back.push(cursor);
            cursor = cameFrom.get(cursor)!;
          }
          path.push(...back.reverse(), taskId);
          throw new MaestroError('dependency_cycle', `dependency cycle: ${this.describePath(path)}`, 'dependencies');
        }
        for (const { depends_on_id: next } of edges.all(node) as Array<{ depends_on_id: string }>) {
          if (!cameFrom.has(next)) {
            cameFrom.set(next, node);
            stack.push(next);
          }
        }
      }
    }
  }

  private describePath(path: string[]): string {
    const title = this.store.prepare('SELECT title FROM tasks WHERE id = ?');
    return path
      .map((id) => `${id} (${(title.get(id) as { title: string } | undefined)?.title ?? '?'})`)
      .join(' -> ');
  }

  /** Emits `task.updated` for every task that depends on `id` (its readiness may have changed). */
  announceDependents(id: string, get: (id: string) => Task): void {
    const rows = this.store.prepare('SELECT task_id FROM task_dependencies WHERE depends_on_id = ?').all(id) as Array<{
      task_id: string;
    }>;
    for (const r of rows) this.store.emit({ type: 'task.updated', task: get(r.task_id) });
  }
}

/** A nested view of tasks (or of the subtree at `rootId`), children in the order given. */
export function nestTasks(tasks: Task[], rootId?: string): TaskNode[] {
  const nodes = new Map<string, TaskNode>(tasks.map((t) => [t.id, { ...t, children: [] }]));
  const roots: TaskNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parentId ? nodes.get(node.parentId) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  if (rootId === undefined) return roots;
  const root = nodes.get(rootId);
  if (!root) throw notFound('task', rootId, 'rootId');
  return [root];
}
