import { invalid, MaestroError, notFound } from './errors.js';
import { newId, nowIso } from './ids.js';
import type { DependencyUntil, TaskPriority, TaskStatus } from './schemas.js';
import { SHOWN } from './projects.js';
import { Slices } from './slices.js';
import type { Store } from './store.js';
import { ImportRow, MAX_RESULT_ROWS, type ImportFormat, type TaskImportResult } from './task-import-schemas.js';
import type { TaskRepo } from './tasks.js';
import { taskmasterRows, type SourcedRow } from './taskmaster.js';

/*
 * Bulk import of tasks into one project (`maestro task import`, task_import): rows parsed from JSONL, a
 * JSON array or Taskmaster's tasks.json, every row checked (fields, references, duplicate keys, cycles)
 * before anything is written, then everything written in ONE transaction with prepared statements. A
 * row whose `key` a task of the project already has updates that task (or leaves it alone when nothing
 * differs), so importing the same file twice changes nothing. A bad row fails the whole import, named by
 * its line and field.
 */

/** Above this many changed tasks an import announces one `tasks.imported` event instead of one per task. */
export const MAX_IMPORT_TASK_EVENTS = 200;

export type { SourcedRow };

/**
 * The rows of a file: JSONL (one object per line, blank lines skipped) or a JSON array; Taskmaster's tasks.json.
 * A long JSONL file is read in slices, the turn given away in between (the server's other requests run).
 */
export async function parseImportText(text: string, from: ImportFormat = 'maestro', slices = new Slices()): Promise<SourcedRow[]> {
  const body = text.replace(/^\uFEFF/, '');
  if (from === 'taskmaster') return taskmasterRows(parseJson(body, 'the file'));
  const first = /\S/.exec(body);
  if (first && first[0] === '[') {
    const doc = parseJson(body, 'the JSON array');
    if (!Array.isArray(doc)) throw invalid('the file must be JSONL (one task per line) or a JSON array of tasks', 'text');
    return rowsOf(doc);
  }
  const rows: SourcedRow[] = [];
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    rows.push({ line: i + 1, where: `line ${i + 1}`, value: parseJson(line, `line ${i + 1}`) });
    if (slices.due()) await slices.next();
  }
  return rows;
}

/** Rows given as values (an MCP call's `rows`): each named by its index + 1. */
export function rowsOf(values: unknown[]): SourcedRow[] {
  return values.map((value, i) => ({ line: i + 1, where: `line ${i + 1}`, value }));
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalid(`${where}: not valid JSON (${(err as Error).message})`, 'text');
  }
}

interface Existing {
  id: string;
  key: string | null;
  parent_id: string | null;
  title: string;
  description: string;
  status: TaskStatus;
  priority: TaskPriority;
  assignee_session_id: string | null;
  completed_at: string | null;
  merged_at: string | null;
}

/** A row once checked and resolved: what its task will be. */
interface Planned {
  line: number;
  where: string;
  key: string | null;
  id: string;
  existing: Existing | undefined;
  title: string;
  description: string;
  status: TaskStatus;
  priority: TaskPriority;
  parentId: string | null;
  deps: string[];
  until: DependencyUntil;
  /** Whether the row gives dependsOn (else an existing task keeps its dependencies). */
  setsDeps: boolean;
  action: 'created' | 'updated' | 'unchanged';
}

type CheckedRow = SourcedRow & { row: ImportRow };
const checked = (r: SourcedRow): CheckedRow => ({ ...r, row: checkRow(r) });

export class TaskImporter {
  constructor(
    private readonly store: Store,
    private readonly tasks: TaskRepo,
  ) {}

  run(projectId: string, source: SourcedRow[], opts: { dryRun?: boolean } = {}): TaskImportResult {
    return this.apply(projectId, source.map(checked), opts);
  }

  /**
   * `run`, checking the rows in slices first, the turn given away in between (100k rows took 0.35 s to check).
   * The plan and the writes that follow are one transaction, as in `run`: that part holds the server.
   */
  async runInSlices(projectId: string, source: SourcedRow[], opts: { dryRun?: boolean }, slices: Slices): Promise<TaskImportResult> {
    const rows: CheckedRow[] = [];
    for (const r of source) {
      rows.push(checked(r));
      if (slices.due()) await slices.next();
    }
    return this.apply(projectId, rows, opts);
  }

  private apply(projectId: string, rows: CheckedRow[], opts: { dryRun?: boolean }): TaskImportResult {
    const seen = new Map<string, SourcedRow>();
    for (const r of rows) {
      if (r.row.key === undefined) continue;
      const before = seen.get(r.row.key);
      if (before) throw invalid(`${r.where}, key: '${r.row.key}' is also the key of ${before.where}; keys must be unique in a file`, 'key');
      seen.set(r.row.key, r);
    }
    return this.store.tx(() => {
      // A project deleted while the rows were checked (in slices) takes no new tasks: the deletion may be past them.
      if (!this.store.prepare(`SELECT 1 FROM projects WHERE id = ? AND ${SHOWN}`).get(projectId)) throw notFound('project', projectId, 'project');
      const plan = this.plan(projectId, rows);
      const result = summary(projectId, plan, opts.dryRun === true);
      if (!opts.dryRun) this.write(projectId, plan, result);
      return result;
    });
  }

  private plan(projectId: string, rows: CheckedRow[]): Planned[] {
    const existing = this.store
      .prepare(
        `SELECT id, key, parent_id, title, description, status, priority, assignee_session_id, completed_at, merged_at
         FROM tasks WHERE project_id = ?`,
      )
      .all(projectId) as Existing[];
    const byId = new Map(existing.map((t) => [t.id, t]));
    const byKey = new Map<string, Existing>();
    for (const t of existing) if (t.key !== null) byKey.set(t.key, t);
    const edges = new Map<string, Array<{ dep: string; until: DependencyUntil }>>();
    const edgeRows = this.store
      .prepare(
        `SELECT d.task_id, d.depends_on_id, d.until FROM task_dependencies d JOIN tasks t ON t.id = d.task_id WHERE t.project_id = ?`,
      )
      .all(projectId) as Array<{ task_id: string; depends_on_id: string; until: DependencyUntil }>;
    for (const e of edgeRows) {
      let list = edges.get(e.task_id);
      if (!list) edges.set(e.task_id, (list = []));
      list.push({ dep: e.depends_on_id, until: e.until });
    }
    const projectUntil =
      (this.store.prepare('SELECT dependency_until FROM projects WHERE id = ?').get(projectId) as { dependency_until: DependencyUntil } | undefined)
        ?.dependency_until ?? 'done';

    // Each row's task: the one its key names (a task's key, or the id of a task without one), else a new one.
    const fileIds = new Map<string, string>();
    const claimed = new Map<string, string>();
    const targets = rows.map((r) => {
      const key = r.row.key;
      let match: Existing | undefined;
      if (key !== undefined) {
        match = byKey.get(key);
        if (!match) {
          const byOwnId = byId.get(key);
          if (byOwnId && byOwnId.key === null) match = byOwnId;
        }
      }
      if (match) {
        const other = claimed.get(match.id);
        if (other) throw invalid(`${r.where}, key: '${key}' names task ${match.id}, as ${other} does`, 'key');
        claimed.set(match.id, r.where);
      }
      const id = match?.id ?? newId('tsk');
      if (key !== undefined) fileIds.set(key, id);
      return { match, id };
    });

    const resolve = (ref: string, where: string, field: string): string => {
      const id = fileIds.get(ref) ?? byKey.get(ref)?.id ?? (byId.has(ref) ? ref : undefined);
      if (id === undefined)
        throw invalid(`${where}, ${field}: unknown task '${ref}' (not a key of a row of this file, nor a key or id of a task of this project)`, field);
      return id;
    };

    const plan: Planned[] = rows.map((r, i) => {
      const { match, id } = targets[i]!;
      const row = r.row;
      const parentId = row.parent === undefined ? (match?.parent_id ?? null) : row.parent === null ? null : resolve(row.parent, r.where, 'parent');
      if (parentId === id) throw invalid(`${r.where}, parent: a task cannot be its own parent`, 'parent');
      const current = match ? (edges.get(match.id) ?? []) : [];
      const setsDeps = row.dependsOn !== undefined;
      const deps = setsDeps ? [...new Set(row.dependsOn!.map((d) => resolve(d, r.where, 'dependsOn')))] : current.map((e) => e.dep);
      if (deps.includes(id)) throw new MaestroError('dependency_cycle', `${r.where}, dependsOn: a task cannot depend on itself`, 'dependsOn');
      const until = row.until ?? current[0]?.until ?? projectUntil;
      const planned: Planned = {
        line: r.line,
        where: r.where,
        key: match ? match.key : (row.key ?? null),
        id,
        existing: match,
        title: row.title,
        description: row.description ?? match?.description ?? '',
        status: row.status ?? match?.status ?? 'todo',
        priority: row.priority ?? match?.priority ?? 'medium',
        parentId,
        deps,
        until,
        setsDeps: setsDeps || (row.until !== undefined && current.length > 0),
        action: 'created',
      };
      if (match) {
        const sameDeps =
          deps.length === current.length && current.every((e) => deps.includes(e.dep) && (e.until === until || !planned.setsDeps));
        const same =
          match.title === planned.title &&
          match.description === planned.description &&
          match.status === planned.status &&
          match.priority === planned.priority &&
          match.parent_id === planned.parentId &&
          sameDeps;
        planned.action = same ? 'unchanged' : 'updated';
      }
      return planned;
    });

    this.checkGraph(existing, edges, plan);
    return plan;
  }

  /** No task its own ancestor, no dependency cycle, in the project as it would be after the import. */
  private checkGraph(existing: Existing[], edges: Map<string, Array<{ dep: string }>>, plan: Planned[]): void {
    const byTask = new Map(plan.map((p) => [p.id, p]));
    const parent = new Map<string, string | null>(existing.map((t) => [t.id, t.parent_id]));
    for (const p of plan) parent.set(p.id, p.parentId);
    const settled = new Set<string>();
    for (const p of plan) {
      const path: string[] = [];
      const onPath = new Set<string>();
      let node: string | null | undefined = p.id;
      while (node && !settled.has(node)) {
        if (onPath.has(node)) {
          const loop = path.slice(path.indexOf(node));
          const at = plan.find((q) => loop.includes(q.id)) ?? p;
          throw invalid(`${at.where}, parent: a task cannot be its own ancestor (${loop.map((id) => this.name(id, byTask)).join(' -> ')})`, 'parent');
        }
        onPath.add(node);
        path.push(node);
        node = parent.get(node);
      }
      for (const n of path) settled.add(n);
    }

    const depsOf = (id: string): string[] => {
      const p = byTask.get(id);
      return p ? p.deps : (edges.get(id)?.map((e) => e.dep) ?? []);
    };
    // Iterative depth-first search over every task of the project with dependencies.
    const state = new Map<string, 1 | 2>();
    const starts = [...byTask.keys(), ...edges.keys()];
    for (const start of starts) {
      if (state.has(start)) continue;
      const stack: Array<{ id: string; next: number; deps: string[] }> = [{ id: start, next: 0, deps: depsOf(start) }];
      state.set(start, 1);
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        if (top.next >= top.deps.length) {
          state.set(top.id, 2);
          stack.pop();
          continue;
        }
        const dep = top.deps[top.next++]!;
        const s = state.get(dep);
        if (s === 2) continue;
        if (s === 1) {
          const from = stack.findIndex((f) => f.id === dep);
          const loop = [...stack.slice(from).map((f) => f.id), dep];
          const at = plan.filter((q) => loop.includes(q.id)).sort((a, b) => a.line - b.line)[0] ?? plan[0]!;
          throw new MaestroError(
            'dependency_cycle',
            `${at.where}, dependsOn: dependency cycle: ${loop.map((id) => this.name(id, byTask)).join(' -> ')}`,
            'dependsOn',
          );
        }
        state.set(dep, 1);
        stack.push({ id: dep, next: 0, deps: depsOf(dep) });
      }
    }
  }

  private name(id: string, byTask: Map<string, Planned>): string {
    const p = byTask.get(id);
    if (p) return p.key ?? `'${p.title}'`;
    const t = this.store.prepare('SELECT key, title FROM tasks WHERE id = ?').get(id) as { key: string | null; title: string } | undefined;
    return t?.key ?? `${id} (${t?.title ?? '?'})`;
  }

  private write(projectId: string, plan: Planned[], counts: Pick<TaskImportResult, 'created' | 'updated' | 'unchanged'>): void {
    const now = nowIso();
    const changed = plan.filter((p) => p.action !== 'unchanged');
    if (changed.length === 0) return;
    // Parents and dependencies may come later in the file: the foreign keys are checked at commit.
    this.store.db.pragma('defer_foreign_keys = ON');
    let seq = (this.store.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM tasks').get() as { s: number }).s;
    const insert = this.store.prepare(
      `INSERT INTO tasks (id, project_id, parent_id, key, title, description, status, priority, seq, created_at, updated_at, completed_at, merged_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const update = this.store.prepare(
      `UPDATE tasks SET title = ?, description = ?, status = ?, priority = ?, parent_id = ?, completed_at = ?, merged_at = ?, updated_at = ? WHERE id = ?`,
    );
    const clearDeps = this.store.prepare('DELETE FROM task_dependencies WHERE task_id = ?');
    const addDep = this.store.prepare('INSERT INTO task_dependencies (task_id, depends_on_id, until) VALUES (?, ?, ?)');
    const reopened = new Set<string>();
    // The new tasks enter the search index together, once the loop is done (TaskRepo.insertingMany says why).
    this.tasks.insertingMany(seq, () => {
      for (const p of changed) {
        const t = p.existing;
        if (!t) {
          const done = p.status === 'done' ? now : null;
          insert.run(p.id, projectId, p.parentId, p.key, p.title, p.description, p.status, p.priority, ++seq, now, now, done, done);
          continue;
        }
        const before = { status: t.status, completedAt: t.completed_at, mergedAt: t.merged_at };
        const { completedAt, mergedAt } = this.tasks.doneTimes(before, p.status, t.assignee_session_id, now);
        update.run(p.title, p.description, p.status, p.priority, p.parentId, completedAt, mergedAt, now, p.id);
        for (const s of this.tasks.returnToQueues(p.id, t.status, p.status)) reopened.add(s);
      }
      // The edges once every task is in, in its new status: the triggers that count a task's unmet
      // dependencies (migration 15) then see the task at the other end of each, even one further down the file.
      for (const p of changed) {
        if (p.existing && !p.setsDeps) continue;
        if (p.existing) clearDeps.run(p.id);
        for (const dep of p.deps) addDep.run(p.id, dep, p.until);
      }
    });
    this.announce(projectId, counts, changed);
    if (reopened.size > 0) this.tasks.onQueuesReopened([...reopened]);
  }

  /** One event per changed task for a small import; one summary event for a large one (the dashboard refetches). */
  private announce(projectId: string, counts: Pick<TaskImportResult, 'created' | 'updated' | 'unchanged'>, changed: Planned[]): void {
    if (changed.length > MAX_IMPORT_TASK_EVENTS) {
      this.store.emit({ type: 'tasks.imported', projectId, created: counts.created, updated: counts.updated, unchanged: counts.unchanged });
      return;
    }
    const tasks = new Map(this.tasks.list({ ids: changed.map((p) => p.id) }).map((t) => [t.id, t]));
    for (const p of changed) {
      const task = tasks.get(p.id);
      if (task) this.store.emit({ type: p.action === 'created' ? 'task.created' : 'task.updated', task });
    }
  }
}

/** Checks one row's fields; a bad one is named with the row's line. */
function checkRow(r: SourcedRow): ImportRow {
  if (typeof r.value !== 'object' || r.value === null || Array.isArray(r.value))
    throw invalid(`${r.where}: a task must be a JSON object like {"title": "…"}`, 'row');
  const parsed = ImportRow.safeParse(r.value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const keys = (issue as { keys?: string[] }).keys;
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : keys?.[0] ?? 'row';
  const message = issue.code === 'unrecognized_keys' ? `unknown field (fields: key, title, description, status, priority, parent, dependsOn, until)` : issue.message;
  throw invalid(`${r.where}, ${field}: ${message}`, field.split('.')[0]);
}

function summary(projectId: string, plan: Planned[], dryRun: boolean): TaskImportResult {
  const count = (a: Planned['action']) => plan.reduce((n, p) => n + (p.action === a ? 1 : 0), 0);
  return {
    projectId,
    dryRun,
    created: count('created'),
    updated: count('updated'),
    unchanged: count('unchanged'),
    total: plan.length,
    rows: plan.slice(0, MAX_RESULT_ROWS).map((p) => ({
      line: p.line,
      key: p.key,
      id: dryRun && p.action === 'created' ? null : p.id,
      action: p.action,
    })),
    rowsOmitted: Math.max(0, plan.length - MAX_RESULT_ROWS),
  };
}
