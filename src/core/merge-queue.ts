import { invalid, MaestroError, notFound } from './errors.js';
import { newId, nowIso } from './ids.js';
import type { MergeStrategy } from './schemas.js';
import type { Store } from './store.js';
import type { MergeQueueEntry, MergeQueueState } from './types.js';

interface EntryRow {
  id: string;
  project_id: string;
  session_id: string;
  branch: string | null;
  strategy: MergeStrategy;
  into_branch: string | null;
  status: MergeQueueState;
  reason: string | null;
  merge_commit: string | null;
  position: number;
  created_at: string;
  updated_at: string;
}

const toEntry = (r: EntryRow): MergeQueueEntry => ({
  id: r.id,
  projectId: r.project_id,
  sessionId: r.session_id,
  branch: r.branch,
  strategy: r.strategy,
  into: r.into_branch,
  status: r.status,
  reason: r.reason,
  commit: r.merge_commit,
  position: r.position,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const SELECT = 'SELECT q.*, s.branch FROM merge_queue q JOIN sessions s ON s.id = q.session_id';
const WAITING: MergeQueueState[] = ['queued', 'running'];

/** The merge queue's entries (per project, in the order they were added); merge-queue-runner.ts works them off. */
export class MergeQueueRepo {
  constructor(private readonly store: Store) {}

  /** Queues sessions (each once: one already waiting keeps its place) and returns their entries. */
  add(projectId: string, sessionIds: string[], opts: { strategy: MergeStrategy; into: string | null }): MergeQueueEntry[] {
    return this.store.tx(() => {
      const entries: MergeQueueEntry[] = [];
      for (const sessionId of [...new Set(sessionIds)]) {
        const s = this.store.prepare('SELECT project_id, branch FROM sessions WHERE id = ?').get(sessionId) as
          | { project_id: string; branch: string | null }
          | undefined;
        if (!s) throw notFound('session', sessionId, 'sessionIds');
        if (s.project_id !== projectId) throw invalid(`session ${sessionId} belongs to another project`, 'sessionIds');
        if (s.branch === null) throw invalid(`session ${sessionId} has no worktree branch to merge`, 'sessionIds');
        const waiting = this.store
          .prepare(`${SELECT} WHERE q.session_id = ? AND q.status IN ('queued','running')`)
          .get(sessionId) as EntryRow | undefined;
        if (waiting) {
          entries.push(toEntry(waiting));
          continue;
        }
        const position = (this.store.prepare('SELECT COALESCE(MAX(position), 0) + 1 AS p FROM merge_queue WHERE project_id = ?').get(projectId) as { p: number }).p;
        const id = newId('mq');
        const now = nowIso();
        this.store
          .prepare(
            `INSERT INTO merge_queue (id, project_id, session_id, strategy, into_branch, status, position, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?)`,
          )
          .run(id, projectId, sessionId, opts.strategy, opts.into, position, now, now);
        entries.push(this.announce(id));
      }
      return entries;
    });
  }

  get(id: string, field = 'entryId'): MergeQueueEntry {
    const row = this.store.prepare(`${SELECT} WHERE q.id = ?`).get(id) as EntryRow | undefined;
    if (!row) throw notFound('merge queue entry', id, field);
    return toEntry(row);
  }

  list(projectId: string): MergeQueueEntry[] {
    return (this.store.prepare(`${SELECT} WHERE q.project_id = ? ORDER BY q.position`).all(projectId) as EntryRow[]).map(toEntry);
  }

  /** Entries still to run (queued) or running, in the order they were added. */
  waiting(projectId: string): MergeQueueEntry[] {
    return this.list(projectId).filter((e) => WAITING.includes(e.status));
  }

  /** Projects with entries still waiting (to resume after a restart). */
  projectsWaiting(): string[] {
    return (this.store.prepare(`SELECT DISTINCT project_id FROM merge_queue WHERE status IN ('queued','running')`).all() as Array<{ project_id: string }>).map(
      (r) => r.project_id,
    );
  }

  setStatus(id: string, status: MergeQueueState, fields: { reason?: string | null; commit?: string | null } = {}): MergeQueueEntry {
    return this.store.tx(() => {
      this.store
        .prepare('UPDATE merge_queue SET status = ?, reason = ?, merge_commit = ?, updated_at = ? WHERE id = ?')
        .run(status, fields.reason ?? null, fields.commit ?? null, nowIso(), id);
      return this.announce(id);
    });
  }

  /** Cancels a queued entry; a running one is finishing and cannot be taken back. */
  cancel(id: string): MergeQueueEntry {
    return this.store.tx(() => {
      const entry = this.get(id);
      if (entry.status === 'running') throw new MaestroError('conflict', `entry ${id} is being merged now; it cannot be cancelled`, 'entryId');
      if (entry.status !== 'queued') throw new MaestroError('conflict', `entry ${id} is already ${entry.status}`, 'entryId');
      return this.setStatus(id, 'cancelled', { reason: 'cancelled on request' });
    });
  }

  /** Entries left running by a server that stopped mid-merge go back to queued (a merge moves the target atomically, or not at all). */
  requeueRunning(): void {
    this.store.prepare(`UPDATE merge_queue SET status = 'queued', updated_at = ? WHERE status = 'running'`).run(nowIso());
  }

  private announce(id: string): MergeQueueEntry {
    const entry = this.get(id);
    this.store.emit({ type: 'merge_queue.updated', entry });
    return entry;
  }
}
