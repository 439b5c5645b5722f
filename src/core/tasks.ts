import { invalid, notFound } from './errors.js';
import { newId, nowIso } from './ids.js';
import { TASK_TREE_LIMIT, type DependencyUntil, type TaskPriority, type TaskStatus } from './schemas.js';
import { sessionsArg, sessionsTable } from './sessions.js';
import type { Store } from './store.js';
import { nestTasks, TaskGraph } from './task-graph.js';
import type { Task, TaskNode } from './types.js';
import { assertVersion } from './versions.js';

/*
 * The tasks repository: creating, reading (one, a filtered list, a page of one with its search, the tree, a
 * session's current task) and updating tasks, with their readiness computed in SQL, reopened work put back in
 * the queues that had finished it, and the events of every change. The graph's shape and checks (parents,
 * dependencies, cycles, announcing dependents) are in task-graph.ts.
 */

interface TaskRow {
  id: string;
  project_id: string;
  parent_id: string | null;
  key: string | null;
  title: string;
  description: string;
  status: TaskStatus;
  priority: TaskPriority;
  assignee_session_id: string | null;
  seq: number;
  created_at: string;
  updated_at: string;
  version: number;
  completed_at: string | null;
  merged_at: string | null;
  ready: number;
}

export interface TaskFilter {
  projectId?: string;
  status?: TaskStatus[];
  priority?: TaskPriority[];
  parentId?: string | null;
  assignee?: string;
  ready?: boolean;
  ids?: string[];
}

/** How many tasks a project has, ready, and in each status. */
export interface TaskCounts {
  total: number;
  ready: number;
  byStatus: Record<string, number>;
}

export interface TaskPatch {
  title?: string;
  description?: string;
  status?: TaskStatus;
  priority?: TaskPriority;
  parentId?: string | null;
  dependencies?: string[];
  /** What the dependencies wait for (the given ones, or the current ones when none are given). */
  until?: DependencyUntil;
  assignee?: string | null;
  /** Update only if the task is still at this version (a conflict otherwise). */
  ifVersion?: number;
}

/** A todo task none of whose dependencies waits any more (migration 15 keeps the count; tasks_ready indexes them). */
const READY_SQL = `(t.status = 'todo' AND t.unmet_deps = 0)`;

const SELECT_TASKS = `SELECT t.*, ${READY_SQL} AS ready FROM tasks t`;

/**
 * The most levels of subtasks one tree answer nests. Serialising a tree nests a call per level (JSON,
 * output schemas): a chain of 10,000 subtasks overflowed the stack there and answered a bare 500. Streamed
 * (task-tree-stream.ts) a tree has no such limit.
 */
export const TASK_TREE_DEPTH_MAX = 500;

/** How many levels the deepest branch of `roots` has (1: top-level tasks only; 0: none). */
function deepestLevel(roots: TaskNode[]): number {
  let deepest = 0;
  const stack = roots.map((node) => ({ node, level: 1 }));
  for (let next = stack.pop(); next; next = stack.pop()) {
    deepest = Math.max(deepest, next.level);
    for (const child of next.node.children) stack.push({ node: child, level: next.level + 1 });
  }
  return deepest;
}

/** What task_list asks of TaskRepo.page: a filter of one project, a position and a size. */
export interface TaskPageQuery extends Omit<TaskFilter, 'ids' | 'projectId'> {
  projectId: string;
  /** Only tasks created after the task with this seq (the cursor). */
  afterSeq?: number;
  /**
   * Skip this many matching tasks first (a jump to a position). SQLite still walks the skipped index entries
   * one by one, so its cost grows with the offset (100k tasks, a page of 100: ~0.5 ms at offset 0, ~5 ms at
   * 99,000, ~38 ms for a search at 99,000); a cursor, where one is known, skips nothing.
   */
  offset?: number;
  limit: number;
  /** An FTS5 query over title and description (task-page.ts `ftsQuery`). */
  match?: string;
  total?: boolean;
}

/** A page: its tasks, the seq the next page starts after (null: this is the last), and the count when asked. */
export interface TaskPageResult {
  tasks: Task[];
  nextAfter: number | null;
  total?: number;
}

/** The WHERE terms (over `tasks t`) of a filter, and their parameters. */
function filterSql(filter: TaskFilter): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.projectId !== undefined) {
    // With a narrower filter (a parent, an assignee, ids) the project is only checked (`+` keeps SQLite off the
    // project's indexes): it would otherwise walk a 100k-task project in seq order to find a few children.
    const narrower = (filter.parentId !== undefined && filter.parentId !== null) || filter.assignee !== undefined || filter.ids !== undefined;
    where.push(narrower ? '+t.project_id = ?' : 't.project_id = ?');
    params.push(filter.projectId);
  }
  if (filter.status && filter.status.length > 0) {
    where.push(`t.status IN (${filter.status.map(() => '?').join(',')})`);
    params.push(...filter.status);
  }
  if (filter.priority && filter.priority.length > 0) {
    where.push(`t.priority IN (${filter.priority.map(() => '?').join(',')})`);
    params.push(...filter.priority);
  }
  if (filter.parentId === null) where.push('t.parent_id IS NULL');
  else if (filter.parentId !== undefined) {
    where.push('t.parent_id = ?');
    params.push(filter.parentId);
  }
  if (filter.assignee !== undefined) {
    where.push(`t.id IN (SELECT id FROM tasks WHERE assignee_session_id = ? UNION SELECT task_id FROM session_tasks WHERE session_id = ?)`);
    params.push(filter.assignee, filter.assignee);
  }
  if (filter.ready !== undefined) where.push(filter.ready ? READY_SQL : `NOT ${READY_SQL}`);
  if (filter.ids) {
    where.push(`t.id IN (${filter.ids.map(() => '?').join(',')})`);
    params.push(...filter.ids);
  }
  return { where, params };
}

export class TaskRepo {
  /** Told which queues got a reopened task back (the queue repository announces their new state). */
  onQueuesReopened: (sessionIds: string[]) => void = () => undefined;

  private readonly graph: TaskGraph;

  constructor(private readonly store: Store) {
    this.graph = new TaskGraph(store);
  }

  create(input: {
    projectId: string;
    title: string;
    description?: string;
    priority?: TaskPriority;
    parentId?: string;
    dependencies?: string[];
    until?: DependencyUntil;
  }): Task {
    return this.store.tx(() => {
      if (input.parentId !== undefined) this.graph.assertInProject(input.parentId, input.projectId, 'parentId');
      const deps = this.graph.checkDependencyIds(input.dependencies ?? [], input.projectId);
      const id = newId('tsk');
      const now = nowIso();
      const seq = (this.store.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS s FROM tasks').get() as { s: number }).s;
      this.store
        .prepare(
          `INSERT INTO tasks (id, project_id, parent_id, title, description, status, priority, seq, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, 'todo', ?, ?, ?, ?)`,
        )
        .run(id, input.projectId, input.parentId ?? null, input.title, input.description ?? '', input.priority ?? 'medium', seq, now, now);
      this.graph.writeDependencies(id, deps, input.until ?? this.graph.defaultUntil(input.projectId));
      const task = this.get(id);
      this.store.emit({ type: 'task.created', task });
      return task;
    });
  }

  get(id: string, field = 'taskId'): Task {
    const row = this.store.prepare(`${SELECT_TASKS} WHERE t.id = ?`).get(id) as TaskRow | undefined;
    if (!row) throw notFound('task', id, field);
    return this.hydrate([row])[0]!;
  }

  find(id: string): Task | undefined {
    const row = this.store.prepare(`${SELECT_TASKS} WHERE t.id = ?`).get(id) as TaskRow | undefined;
    return row ? this.hydrate([row])[0] : undefined;
  }

  /** Every task that matches, in creation order: for internal callers (tree, dispatcher, overview); task_list pages with `page`. */
  list(filter: TaskFilter = {}): Task[] {
    if (filter.ids && filter.ids.length === 0) return [];
    const { where, params } = filterSql(filter);
    const sql = `${SELECT_TASKS}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY t.seq`;
    return this.hydrate(this.store.prepare(sql).all(...params) as TaskRow[]);
  }

  /**
   * Task counts per project (total, ready, by status), counted by SQLite over the status index instead of
   * loading every task: `status` at 100k tasks took ~0.9 s (hydrating each) and held the server that long.
   */
  counts(projectId?: string): Map<string, TaskCounts> {
    const scope = projectId !== undefined ? ' AND t.project_id = ?' : '';
    const args = projectId !== undefined ? [projectId] : [];
    const out = new Map<string, TaskCounts>();
    const of = (id: string) => out.get(id) ?? out.set(id, { total: 0, ready: 0, byStatus: {} }).get(id)!;
    const byStatus = this.store
      .prepare(`SELECT t.project_id AS p, t.status AS s, COUNT(*) AS n FROM tasks t WHERE 1${scope} GROUP BY t.project_id, t.status`)
      .all(...args) as Array<{ p: string; s: string; n: number }>;
    for (const { p, s, n } of byStatus) {
      const c = of(p);
      c.byStatus[s] = n;
      c.total += n;
    }
    const ready = this.store
      .prepare(`SELECT t.project_id AS p, COUNT(*) AS n FROM tasks t WHERE ${READY_SQL}${scope} GROUP BY t.project_id`)
      .all(...args) as Array<{ p: string; n: number }>;
    for (const { p, n } of ready) of(p).ready = n;
    return out;
  }

  /**
   * One page of a project's tasks in creation order, from after `afterSeq`: at most `limit` tasks, and the
   * seq to continue after when more follow (null on the last page). `match`, an FTS5 query (task-page.ts),
   * keeps only tasks whose title or description matches it, read off the full-text index in seq order (its
   * rowid is the task's seq). `offset` skips that many matches first (after `afterSeq`, if both are given).
   * `total` also counts every match, over the same filter with no position.
   */
  page(query: TaskPageQuery): TaskPageResult {
    const { where, params } = filterSql(query);
    const search = query.match !== undefined;
    const from = search ? `tasks_fts f JOIN tasks t ON t.seq = f.rowid` : 'tasks t';
    if (search) {
      where.unshift('tasks_fts MATCH ?');
      params.unshift(query.match);
    }
    const seqCol = search ? 'f.rowid' : 't.seq';
    const whereText = (extra: string[]) => {
      const all = [...where, ...extra];
      return all.length ? ` WHERE ${all.join(' AND ')}` : '';
    };
    const after = query.afterSeq !== undefined ? [`${seqCol} > ?`] : [];
    const rows = this.store
      .prepare(`SELECT t.*, ${READY_SQL} AS ready FROM ${from}${whereText(after)} ORDER BY ${seqCol} LIMIT ? OFFSET ?`)
      .all(...params, ...(query.afterSeq !== undefined ? [query.afterSeq] : []), query.limit + 1, query.offset ?? 0) as TaskRow[];
    const more = rows.length > query.limit;
    if (more) rows.length = query.limit;
    const page: TaskPageResult = {
      tasks: this.hydrate(rows),
      nextAfter: more ? rows[rows.length - 1]!.seq : null,
    };
    if (query.total) page.total = (this.store.prepare(`SELECT COUNT(*) AS n FROM ${from}${whereText([])}`).get(...params) as { n: number }).n;
    return page;
  }

  /**
   * Runs `insert`, which adds many tasks (with seqs after `afterSeq`) inside the caller's transaction, with the
   * search index's per-row trigger paused, then indexes them all in one statement. FTS5 writes its pending
   * terms out at the start of every statement that changes it (its savepoint): a trigger per inserted row
   * writes the index once per row, which made a 100k-task import several times slower than the import itself.
   */
  insertingMany<T>(afterSeq: number, insert: () => T): T {
    this.store.prepare('INSERT INTO tasks_fts_paused (id) VALUES (1)').run();
    let result: T;
    try {
      result = insert();
    } finally {
      this.store.prepare('DELETE FROM tasks_fts_paused').run();
    }
    this.store.prepare('INSERT INTO tasks_fts (rowid, title, description) SELECT seq, title, description FROM tasks WHERE seq > ?').run(afterSeq);
    return result;
  }

  update(id: string, patch: TaskPatch): Task {
    return this.store.tx(() => {
      const current = this.get(id);
      assertVersion('task', id, current.version, patch.ifVersion);
      if (patch.parentId !== undefined && patch.parentId !== null) this.graph.assertValidParent(current, patch.parentId);
      if (patch.assignee !== undefined && patch.assignee !== null) {
        const s = this.store.prepare('SELECT project_id FROM sessions WHERE id = ?').get(patch.assignee) as
          | { project_id: string }
          | undefined;
        if (!s) throw notFound('session', patch.assignee, 'assignee');
        if (s.project_id !== current.projectId)
          throw invalid(`session '${patch.assignee}' belongs to another project`, 'assignee');
      }
      if (patch.dependencies !== undefined) {
        const deps = this.graph.checkDependencyIds(patch.dependencies, current.projectId, id);
        this.graph.replaceDependencies(id, deps, patch.until ?? this.graph.defaultUntil(current.projectId));
      } else if (patch.until !== undefined) this.graph.setUntil(id, patch.until);
      const status = patch.status ?? current.status;
      const assignee = patch.assignee !== undefined ? patch.assignee : current.assignee;
      const { completedAt, mergedAt } = this.doneTimes(current, status, assignee, nowIso());
      this.store
        .prepare(
          // The version is bumped here, not by the tasks_version trigger: that would write the row a second time.
          `UPDATE tasks SET title = ?, description = ?, status = ?, priority = ?, parent_id = ?,
             assignee_session_id = ?, completed_at = ?, merged_at = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
        )
        .run(
          patch.title ?? current.title,
          patch.description ?? current.description,
          status,
          patch.priority ?? current.priority,
          patch.parentId !== undefined ? patch.parentId : current.parentId,
          assignee,
          completedAt,
          mergedAt,
          nowIso(),
          id,
        );
      const reopenedIn = this.returnToQueues(id, current.status, status);
      const task = this.get(id);
      this.store.emit({ type: 'task.updated', task });
      if (reopenedIn.length > 0) this.onQueuesReopened(reopenedIn);
      if ((current.status === 'done') !== (status === 'done')) this.graph.announceDependents(id, (taskId) => this.get(taskId));
      return task;
    });
  }

  /**
   * Gives the task to a session, and nothing else: what a spawn does for each task it takes over. Only the
   * assignee's index is rewritten, where the general update rewrites every index of the row.
   */
  assign(id: string, sessionId: string): Task {
    return this.store.tx(() => {
      this.store.prepare('UPDATE tasks SET assignee_session_id = ?, updated_at = ?, version = version + 1 WHERE id = ?').run(sessionId, nowIso(), id);
      const task = this.get(id);
      this.store.emit({ type: 'task.updated', task });
      return task;
    });
  }

  /**
   * A task's completion and landing times once its status becomes `status`: completed when it becomes done
   * (kept while it stays done), landed then too unless its session works on a branch not merged yet (see
   * landsAtDone); neither when it is not done.
   */
  doneTimes(
    before: Pick<Task, 'status' | 'completedAt' | 'mergedAt'>,
    status: TaskStatus,
    assignee: string | null,
    now: string,
  ): { completedAt: string | null; mergedAt: string | null } {
    if (status !== 'done') return { completedAt: null, mergedAt: null };
    if (before.status === 'done') return { completedAt: before.completedAt, mergedAt: before.mergedAt };
    return { completedAt: now, mergedAt: this.landsAtDone(assignee) ? now : null };
  }

  /**
   * Reopened work (done or cancelled before, open now) goes back into every queue that had finished it, so a
   * queue never drops it (see queue.ts). Returns those queues' sessions, for `onQueuesReopened`.
   */
  returnToQueues(taskId: string, before: TaskStatus, after: TaskStatus): string[] {
    const finished = (st: TaskStatus) => st === 'done' || st === 'cancelled';
    if (!finished(before) || finished(after)) return [];
    const sessions = (
      this.store.prepare(`SELECT DISTINCT session_id FROM queue_items WHERE task_id = ? AND state = 'done'`).all(taskId) as Array<{ session_id: string }>
    ).map((r) => r.session_id);
    this.store.prepare(`UPDATE queue_items SET state = 'queued', started_at = NULL, completed_at = NULL WHERE task_id = ? AND state = 'done'`).run(taskId);
    return sessions;
  }

  /**
   * Whether a task's work lands when it is done: yes unless the session doing it works on a branch of its
   * own that has not been merged yet (then it lands with that merge: `markMerged`).
   */
  private landsAtDone(assignee: string | null): boolean {
    if (assignee === null) return true;
    const s = this.store.prepare('SELECT branch, merged_at FROM sessions WHERE id = ?').get(assignee) as
      | { branch: string | null; merged_at: string | null }
      | undefined;
    return !s || s.branch === null || s.merged_at !== null;
  }

  /** A session's branch was merged: its done tasks have landed (their `merged` dependents may be ready now). */
  markMerged(sessionId: string): Task[] {
    return this.store.tx(() => {
      const ids = (
        this.store
          .prepare(
            `SELECT id FROM tasks WHERE status = 'done' AND merged_at IS NULL AND (assignee_session_id = ?
               OR id IN (SELECT task_id FROM session_tasks WHERE session_id = ?) OR id IN (SELECT task_id FROM queue_items WHERE session_id = ?))`,
          )
          .all(sessionId, sessionId, sessionId) as Array<{ id: string }>
      ).map((r) => r.id);
      const now = nowIso();
      const mark = this.store.prepare('UPDATE tasks SET merged_at = ?, updated_at = ? WHERE id = ?');
      const landed = ids.map((id) => {
        mark.run(now, now, id);
        const task = this.get(id);
        this.store.emit({ type: 'task.updated', task });
        this.graph.announceDependents(id, (taskId) => this.get(taskId));
        return task;
      });
      return landed;
    });
  }

  setStatus(id: string, status: TaskStatus, assignee?: string | null): Task {
    return this.update(id, assignee === undefined ? { status } : { status, assignee });
  }

  /**
   * A nested view, children in creation order, of the project's tasks (or the subtree under `rootId`) when
   * there are at most `limit` of them. Their number is counted first, on the indexes: a larger tree is refused
   * before any task is read, as reading 100k tasks would hold the server for a second (and fill an agent's
   * context).
   */
  tree(projectId: string, rootId?: string, limit: number = TASK_TREE_LIMIT.default): TaskNode[] {
    // A root of another project is not in this tree (as when the tree was cut from the project's tasks).
    if (rootId !== undefined && this.get(rootId, 'rootId').projectId !== projectId) throw notFound('task', rootId, 'rootId');
    const ids = rootId === undefined ? undefined : this.subtreeIds(rootId);
    const size = ids ? ids.length : (this.store.prepare('SELECT COUNT(*) AS n FROM tasks WHERE project_id = ?').get(projectId) as { n: number }).n;
    if (size > limit)
      throw invalid(
        `${rootId === undefined ? 'the project' : `the subtree under ${rootId}`} has ${size} tasks, more than limit ${limit}: ` +
          `ask for a subtree (rootId), a larger limit (at most ${TASK_TREE_LIMIT.max}), or page through task_list (parent, cursor)`,
        'limit',
      );
    const roots = nestTasks(ids ? this.list({ ids }) : this.list({ projectId }), rootId);
    const depth = deepestLevel(roots);
    if (depth > TASK_TREE_DEPTH_MAX)
      throw invalid(
        `${rootId === undefined ? 'the project' : `the subtree under ${rootId}`} nests ${depth} levels deep, more than the ${TASK_TREE_DEPTH_MAX} one answer holds: ` +
          `read it streamed (maestro task tree, GET /api/tasks/tree/stream), or ask for a subtree further down (rootId)`,
        'rootId',
      );
    return roots;
  }

  /** The task and every task below it, on the parent index (`tree` has checked the task exists). */
  private subtreeIds(rootId: string): string[] {
    const rows = this.store
      .prepare(
        `WITH RECURSIVE below(id) AS (SELECT id FROM tasks WHERE id = ? UNION ALL SELECT t.id FROM tasks t JOIN below b ON t.parent_id = b.id)
         SELECT id FROM below`,
      )
      .all(rootId) as Array<{ id: string }>;
    return rows.map((r) => r.id);
  }

  /** True when the task is the session's by assignment or by being handed to it at spawn / in its queue. */
  isAssignedTo(taskId: string, sessionId: string): boolean {
    // EXISTS by both keys (a primary key lookup each), not `id IN (SELECT ...)`, which lists the session's whole queue
    const row = this.store
      .prepare(
        `SELECT 1 FROM tasks t WHERE t.id = ? AND (t.assignee_session_id = ?
           OR EXISTS (SELECT 1 FROM session_tasks st WHERE st.session_id = ? AND st.task_id = t.id)
           OR EXISTS (SELECT 1 FROM queue_items qi WHERE qi.session_id = ? AND qi.task_id = t.id))`,
      )
      .get(taskId, sessionId, sessionId, sessionId);
    return row !== undefined;
  }

  /**
   * The task each of these sessions is on (one statement for them all): the first open one assigned or handed
   * to it, work under way before todo, in creation order. Sessions on none are absent.
   */
  currentIdsFor(sessionIds: string[]): Map<string, string> {
    if (sessionIds.length === 0) return new Map();
    const rows = this.store
      .prepare(
        `SELECT j.sid, (SELECT t.id FROM tasks t
           WHERE t.id IN (SELECT id FROM tasks WHERE assignee_session_id = j.sid UNION SELECT task_id FROM session_tasks WHERE session_id = j.sid)
             AND t.status IN ('todo','in_progress','blocked','needs_input')
           ORDER BY t.status = 'todo', t.seq LIMIT 1) AS task
         FROM ${sessionsTable(sessionIds)}`,
      )
      .all(sessionsArg(sessionIds)) as Array<{ sid: string; task: string | null }>;
    return new Map(rows.filter((r) => r.task !== null).map((r) => [r.sid, r.task!]));
  }

  /** The task and every ancestor above it, nearest first. */
  ancestry(taskId: string): string[] {
    return this.graph.ancestry(taskId);
  }

  /** True when `taskId` is `ancestorId` or lies anywhere beneath it. */
  isWithin(taskId: string, ancestorId: string): boolean {
    return this.ancestry(taskId).includes(ancestorId);
  }

  private hydrate(rows: TaskRow[]): Task[] {
    if (rows.length === 0) return [];
    const deps = this.graph.dependenciesOf(rows.map((r) => r.id));
    return rows.map((r) => ({
      id: r.id,
      projectId: r.project_id,
      parentId: r.parent_id,
      key: r.key ?? null,
      title: r.title,
      description: r.description,
      status: r.status,
      priority: r.priority,
      dependencies: deps.get(r.id)?.all ?? [],
      mergedDependencies: deps.get(r.id)?.merged ?? [],
      assignee: r.assignee_session_id,
      ready: r.ready === 1,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      version: r.version,
      completedAt: r.completed_at,
      mergedAt: r.merged_at,
    }));
  }
}
