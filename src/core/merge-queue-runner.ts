import { toMaestroError } from './errors.js';
import type { MergeQueueRepo } from './merge-queue.js';
import type { CoreContext } from './service-context.js';
import type { MergeQueueEntry } from './types.js';
import type { WorktreeMerge } from './worktree-merge.js';

/*
 * Works off a project's merge queue, one entry at a time. The next entry is the first waiting one (in the
 * order they were added) that no other waiting entry must go before: entry B goes after entry A when one
 * of B's session's tasks depends, directly or through other tasks, on one of A's. Each entry merges onto
 * the target as the previous ones left it (and is tested there, by the project's test command) and lands
 * or fails with its reason; an entry whose predecessor failed or was cancelled fails too (its work builds
 * on what did not land), and the rest go on.
 */
export class MergeQueueRunner {
  private readonly running = new Set<string>();
  /** Settles when the project's queue has nothing left to run (tests and shutdown wait on it). */
  private readonly idle = new Map<string, Promise<void>>();

  constructor(
    private readonly core: Pick<CoreContext, 'store' | 'tasks'>,
    private readonly queue: MergeQueueRepo,
    private readonly merger: WorktreeMerge,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** Starts working off the project's queue unless it already is. */
  kick(projectId: string): Promise<void> {
    if (this.running.has(projectId)) return this.idle.get(projectId) ?? Promise.resolve();
    this.running.add(projectId);
    const done = this.drain(projectId)
      .catch((err) => this.onError(err))
      .finally(() => {
        this.running.delete(projectId);
        this.idle.delete(projectId);
      });
    this.idle.set(projectId, done);
    return done;
  }

  /** After a restart: entries left running go back to queued, and every project with waiting entries resumes. */
  resume(): void {
    this.queue.requeueRunning();
    for (const projectId of this.queue.projectsWaiting()) void this.kick(projectId);
  }

  private async drain(projectId: string): Promise<void> {
    for (;;) {
      const waiting = this.queue.waiting(projectId).filter((e) => e.status === 'queued');
      if (waiting.length === 0) return;
      const entry = this.next(projectId, waiting);
      if (!entry) return;
      await this.run(entry);
    }
  }

  /** The entry to run now, failing on the way those whose predecessor did not land. */
  private next(projectId: string, queued: MergeQueueEntry[]): MergeQueueEntry | undefined {
    // A session queued again after a failure counts by its latest entry only.
    const listed = this.queue.list(projectId);
    const all = listed.filter((e) => !listed.some((later) => later.sessionId === e.sessionId && later.position > e.position));
    const after = predecessors(this.core, all);
    for (const entry of queued) {
      const before = (after.get(entry.id) ?? []).map((id) => all.find((e) => e.id === id)!);
      const sunk = before.find((e) => e.status === 'failed' || e.status === 'cancelled');
      if (sunk) {
        this.queue.setStatus(entry.id, 'failed', {
          reason: `its work builds on session ${sunk.sessionId}'s, which did not land (${sunk.status}${sunk.reason ? `: ${sunk.reason}` : ''})`,
        });
        return this.next(projectId, this.queue.waiting(projectId).filter((e) => e.status === 'queued'));
      }
      if (!before.some((e) => e.status === 'queued' || e.status === 'running')) return entry;
    }
    return queued[0]; // a circle between sessions' tasks: take them in the order they were added
  }

  private async run(entry: MergeQueueEntry): Promise<void> {
    this.queue.setStatus(entry.id, 'running');
    try {
      const result = await this.merger.attempt(entry.sessionId, { strategy: entry.strategy, into: entry.into ?? undefined });
      if (result.ok) this.queue.setStatus(entry.id, 'merged', { commit: result.commit });
      else this.queue.setStatus(entry.id, 'failed', { reason: result.message });
    } catch (err) {
      this.queue.setStatus(entry.id, 'failed', { reason: toMaestroError(err).message });
    }
  }
}

/** For each entry, the entries that must land before it: their sessions' tasks are (transitive) dependencies of its own. */
function predecessors(core: Pick<CoreContext, 'store'>, entries: MergeQueueEntry[]): Map<string, string[]> {
  const tasksOf = new Map<string, Set<string>>();
  const owner = new Map<string, string[]>(); // task id -> entries whose session did it
  const sessionTasks = core.store.prepare(
    `SELECT id FROM tasks WHERE assignee_session_id = ? UNION SELECT task_id FROM session_tasks WHERE session_id = ?
     UNION SELECT task_id FROM queue_items WHERE session_id = ?`,
  );
  for (const e of entries) {
    const ids = new Set((sessionTasks.all(e.sessionId, e.sessionId, e.sessionId) as Array<{ id: string }>).map((r) => r.id));
    tasksOf.set(e.id, ids);
    for (const t of ids) owner.set(t, [...(owner.get(t) ?? []), e.id]);
  }
  const depsOf = core.store.prepare('SELECT depends_on_id AS id FROM task_dependencies WHERE task_id = ?');
  const result = new Map<string, string[]>();
  for (const e of entries) {
    const seen = new Set<string>();
    const stack = [...tasksOf.get(e.id)!];
    const before = new Set<string>();
    while (stack.length > 0) {
      const task = stack.pop()!;
      for (const { id } of depsOf.all(task) as Array<{ id: string }>) {
        if (seen.has(id)) continue;
        seen.add(id);
        for (const other of owner.get(id) ?? []) if (other !== e.id) before.add(other);
        stack.push(id);
      }
    }
    result.set(e.id, [...before]);
  }
  return result;
}
