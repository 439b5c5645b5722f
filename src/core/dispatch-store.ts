import { nowIso } from './ids.js';
import type { Store } from './store.js';

/*
 * The dispatcher's rows (migration 10): one dispatcher per project with its settings, the workers it
 * started (per run: `generation` goes up with each start from a stopped or drained state, so attempts
 * are counted afresh), each failed attempt at a task, and a log of its decisions. Plain reads and writes;
 * the decisions are in dispatcher.ts.
 */

export type DispatchStatus = 'running' | 'stopped' | 'drained';
export type DispatchLogKind = 'started' | 'spawned' | 'done' | 'failed' | 'blocked' | 'drained' | 'stopped' | 'note';

export interface DispatcherRow {
  projectId: string;
  status: DispatchStatus;
  maxWorkers: number;
  template: string | null;
  retries: number;
  generation: number;
  startedBy: string | null;
  reason: string | null;
  startedAt: string;
  updatedAt: string;
}

export interface WorkerRow {
  sessionId: string;
  projectId: string;
  generation: number;
  taskId: string;
  outcome: 'done' | 'failed' | null;
  createdAt: string;
  settledAt: string | null;
}

export interface LogRow {
  id: number;
  kind: DispatchLogKind;
  taskId: string | null;
  sessionId: string | null;
  message: string;
  at: string;
}

export interface DispatchSettings {
  maxWorkers: number;
  template: string | null;
  retries: number;
  startedBy: string | null;
}

const DISPATCHER_COLUMNS = `project_id AS projectId, status, max_workers AS maxWorkers, template, retries, generation,
  started_by AS startedBy, reason, started_at AS startedAt, updated_at AS updatedAt`;
const WORKER_COLUMNS = `session_id AS sessionId, project_id AS projectId, generation, task_id AS taskId, outcome,
  created_at AS createdAt, settled_at AS settledAt`;

export class DispatchStore {
  constructor(private readonly store: Store) {}

  get(projectId: string): DispatcherRow | undefined {
    return this.store.prepare(`SELECT ${DISPATCHER_COLUMNS} FROM dispatchers WHERE project_id = ?`).get(projectId) as DispatcherRow | undefined;
  }

  running(): string[] {
    return (this.store.prepare(`SELECT project_id AS id FROM dispatchers WHERE status = 'running'`).all() as Array<{ id: string }>).map((r) => r.id);
  }

  /** Starts a run (a new generation unless one is running already: then only its settings change). */
  start(projectId: string, settings: DispatchSettings): DispatcherRow {
    const now = nowIso();
    const current = this.get(projectId);
    if (!current)
      this.store
        .prepare(
          `INSERT INTO dispatchers (project_id, status, max_workers, template, retries, generation, started_by, reason, started_at, updated_at)
           VALUES (?, 'running', ?, ?, ?, 1, ?, NULL, ?, ?)`,
        )
        .run(projectId, settings.maxWorkers, settings.template, settings.retries, settings.startedBy, now, now);
    else if (current.status === 'running')
      this.store
        .prepare('UPDATE dispatchers SET max_workers = ?, template = ?, retries = ?, updated_at = ? WHERE project_id = ?')
        .run(settings.maxWorkers, settings.template, settings.retries, now, projectId);
    else
      this.store
        .prepare(
          `UPDATE dispatchers SET status = 'running', max_workers = ?, template = ?, retries = ?, generation = generation + 1,
             started_by = ?, reason = NULL, started_at = ?, updated_at = ? WHERE project_id = ?`,
        )
        .run(settings.maxWorkers, settings.template, settings.retries, settings.startedBy, now, now, projectId);
    return this.get(projectId)!;
  }

  setStatus(projectId: string, status: DispatchStatus, reason: string | null): void {
    this.store.prepare('UPDATE dispatchers SET status = ?, reason = ?, updated_at = ? WHERE project_id = ?').run(status, reason, nowIso(), projectId);
  }

  addWorker(projectId: string, generation: number, sessionId: string, taskId: string): void {
    this.store
      .prepare('INSERT INTO dispatch_workers (session_id, project_id, generation, task_id, outcome, created_at) VALUES (?, ?, ?, ?, NULL, ?)')
      .run(sessionId, projectId, generation, taskId, nowIso());
  }

  settleWorker(sessionId: string, outcome: 'done' | 'failed'): void {
    this.store.prepare('UPDATE dispatch_workers SET outcome = ?, settled_at = ? WHERE session_id = ? AND outcome IS NULL').run(outcome, nowIso(), sessionId);
  }

  /** The workers of one run, or of every run (generation undefined), oldest first. */
  workers(projectId: string, generation?: number): WorkerRow[] {
    if (generation === undefined)
      return this.store.prepare(`SELECT ${WORKER_COLUMNS} FROM dispatch_workers WHERE project_id = ? ORDER BY created_at, rowid`).all(projectId) as WorkerRow[];
    return this.store
      .prepare(`SELECT ${WORKER_COLUMNS} FROM dispatch_workers WHERE project_id = ? AND generation = ? ORDER BY created_at, rowid`)
      .all(projectId, generation) as WorkerRow[];
  }

  /** Records a failed attempt at a task; returns how many this run has now. */
  addFailure(projectId: string, generation: number, taskId: string, sessionId: string | null, reason: string): number {
    this.store
      .prepare('INSERT INTO dispatch_failures (project_id, generation, task_id, session_id, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(projectId, generation, taskId, sessionId, reason, nowIso());
    return this.failures(projectId, generation, taskId);
  }

  failures(projectId: string, generation: number, taskId?: string): number {
    const row = (
      taskId === undefined
        ? this.store.prepare('SELECT COUNT(*) AS n FROM dispatch_failures WHERE project_id = ? AND generation = ?').get(projectId, generation)
        : this.store
            .prepare('SELECT COUNT(*) AS n FROM dispatch_failures WHERE project_id = ? AND generation = ? AND task_id = ?')
            .get(projectId, generation, taskId)
    ) as { n: number };
    return row.n;
  }

  log(projectId: string, kind: DispatchLogKind, message: string, refs: { taskId?: string | null; sessionId?: string | null } = {}): LogRow {
    const at = nowIso();
    const r = this.store
      .prepare('INSERT INTO dispatch_log (project_id, kind, task_id, session_id, message, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(projectId, kind, refs.taskId ?? null, refs.sessionId ?? null, message, at);
    return { id: Number(r.lastInsertRowid), kind, taskId: refs.taskId ?? null, sessionId: refs.sessionId ?? null, message, at };
  }

  /** Log entries after `afterId`, or the latest `limit` ones, oldest first. */
  entries(projectId: string, afterId: number | undefined, limit = 200): LogRow[] {
    const cols = 'id, kind, task_id AS taskId, session_id AS sessionId, message, created_at AS at';
    if (afterId !== undefined)
      return this.store.prepare(`SELECT ${cols} FROM dispatch_log WHERE project_id = ? AND id > ? ORDER BY id LIMIT ?`).all(projectId, afterId, limit * 5) as LogRow[];
    return (this.store.prepare(`SELECT ${cols} FROM dispatch_log WHERE project_id = ? ORDER BY id DESC LIMIT ?`).all(projectId, limit) as LogRow[]).reverse();
  }
}
