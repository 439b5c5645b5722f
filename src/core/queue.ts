import { MaestroError, notFound } from './errors.js';
import { nowIso } from './ids.js';
import { sessionsArg, sessionsIn, type SessionRepo } from './sessions.js';
import type { Store } from './store.js';
import type { TaskRepo } from './tasks.js';
import type { QueueItem, QueueItemState, QueueStartResult, QueueStatus } from './types.js';
import type { TaskStatus } from './schemas.js';
import { FINISHED_SESSION_STATUSES } from './constants.js';

interface QueueRow {
  session_id: string;
  task_id: string;
  title: string;
  task_status: TaskStatus;
  position: number;
  state: QueueItemState;
  skip_count: number;
  ready: number;
  started_at: string | null;
  completed_at: string | null;
}

/*
 * Queue rule (what keeps a queue from ever stranding an item):
 *
 * - A queue item is `queued`, `in_progress` (the session's one current item) or `done`. Only queue_start makes an
 *   item current; queue_complete, queue_skip, a `complete` report on its task, and its task reaching done/cancelled
 *   by any means end it (a queued item at once, by migration 16's triggers; the current item swept on its
 *   session's next queue_start).
 * - A report without a task id in a queue session is about the current item, or about nothing: it never touches
 *   a queued item (see MaestroService.currentTask).
 * - A queued item whose task was opened by other means (a report or task_update with an explicit task id set it
 *   in_progress, blocked or needs_input) is still the queue's to hand out: queue_start takes any *open* task
 *   (todo, in_progress, blocked, needs_input) whose dependencies are all done and that nobody else holds (no
 *   assignee, this session, or a session that has ended; not current in another queue). Among those it resumes
 *   work already under way first (in_progress), then todo items, and only then blocked/needs_input ones, each
 *   group in queue order, and marks the task in_progress.
 * - A task reopened after it was finished (done/cancelled -> an open status) puts its finished queue items back
 *   to `queued` (TaskRepo.update), so reopened work is done again rather than silently dropped.
 * - queue_complete never overrides a task someone else already finished or cancelled; queue_skip only resets an
 *   open task to todo.
 *
 * So an agent that keeps calling queue_start and queue_complete finishes every item whose dependencies can be
 * met, whatever happened before (test/core-queue-property.test.ts checks this over random interleavings).
 */
const OPEN = `('todo','in_progress','blocked','needs_input')`;
/** Every dependency met (migration 15 keeps the count of those that are not). */
const DEPS_DONE = `t.unmet_deps = 0`;
/** The item's task is open and every dependency is done: queue_start may take it (if nobody else holds it). */
const READY = `(t.status IN ${OPEN} AND ${DEPS_DONE})`;
const FREE = `(t.assignee_session_id IS NULL OR t.assignee_session_id = q.session_id OR EXISTS (SELECT 1 FROM sessions hs
     WHERE hs.id = t.assignee_session_id AND hs.status IN (${FINISHED_SESSION_STATUSES.map((s) => `'${s}'`).join(',')})))`;
/** Nobody else's current queue item. */
const NOT_CURRENT_ELSEWHERE = `NOT EXISTS (SELECT 1 FROM queue_items o WHERE o.task_id = q.task_id AND o.state = 'in_progress')`;

const ITEM_COLUMNS = `q.*, t.title, t.status AS task_status, ${READY} AS ready`;
const SELECT_ITEMS = `SELECT ${ITEM_COLUMNS} FROM queue_items q JOIN tasks t ON t.id = q.task_id`;

const toItem = (r: QueueRow): QueueItem => ({
  sessionId: r.session_id,
  taskId: r.task_id,
  title: r.title,
  taskStatus: r.task_status,
  position: r.position,
  state: r.state,
  skipCount: r.skip_count,
  ready: r.ready === 1,
  startedAt: r.started_at,
  completedAt: r.completed_at,
});

export type { QueueStartResult, QueueStatus };

export class QueueRepo {
  constructor(
    private readonly store: Store,
    private readonly tasks: TaskRepo,
    private readonly sessions: SessionRepo,
  ) {
    tasks.onQueuesReopened = (sessionIds) => sessionIds.forEach((id) => this.announce(id));
  }

  list(sessionId: string): QueueItem[] {
    this.sessions.assertExists(sessionId);
    return (this.store.prepare(`${SELECT_ITEMS} WHERE q.session_id = ? ORDER BY q.position`).all(sessionId) as QueueRow[]).map(
      toItem,
    );
  }

  add(sessionId: string, taskIds: string[]): QueueItem[] {
    return this.store.tx(() => {
      const next = (
        this.store.prepare('SELECT COALESCE(MAX(position), -1) + 1 AS p FROM queue_items WHERE session_id = ?').get(sessionId) as {
          p: number;
        }
      ).p;
      const insert = this.store.prepare(
        `INSERT OR IGNORE INTO queue_items (session_id, task_id, position, state) VALUES (?, ?, ?, 'queued')`,
      );
      [...new Set(taskIds)].forEach((taskId, i) => insert.run(sessionId, taskId, next + i));
      this.announce(sessionId);
      return this.list(sessionId);
    });
  }

  /**
   * Claims the next ready item. One IMMEDIATE transaction: the write lock is taken before reading, so
   * concurrent claimers (in this process or another one on the same file) never get the same task.
   */
  start(sessionId: string): QueueStartResult {
    return this.store.tx(() => {
      this.sessions.assertExists(sessionId);
      const swept = this.sweep(sessionId);
      const current = this.current(sessionId);
      if (current) return { item: current, alreadyStarted: true };
      const pick = this.pick(sessionId, true);
      if (!pick) {
        const left = (
          this.store.prepare(`SELECT COUNT(*) AS n FROM queue_items WHERE session_id = ? AND state = 'queued'`).get(sessionId) as {
            n: number;
          }
        ).n;
        // Nothing changed (the answer is "wait" or "empty" again): no event, whose status costs more than the
        // claim itself with 200 sessions asking in a loop while they wait on a shared pool.
        if (swept) this.announce(sessionId);
        return { item: null, alreadyStarted: false, reason: left === 0 ? 'empty' : 'waiting' };
      }
      this.store
        .prepare(`UPDATE queue_items SET state = 'in_progress', started_at = ? WHERE session_id = ? AND task_id = ?`)
        .run(nowIso(), sessionId, pick.task_id);
      this.tasks.setStatus(pick.task_id, 'in_progress', sessionId);
      this.sessions.appendTimeline(sessionId, 'queue', `started ${pick.title}`, pick.task_id, { action: 'start' });
      this.announce(sessionId);
      return { item: this.current(sessionId), alreadyStarted: false };
    });
  }

  complete(sessionId: string, summary?: string): QueueItem {
    return this.store.tx(() => {
      const current = this.requireCurrent(sessionId);
      this.finishItem(sessionId, current.taskId);
      // finished or cancelled elsewhere meanwhile: the item is over, the task keeps its final status
      if (current.taskStatus !== 'done' && current.taskStatus !== 'cancelled') this.tasks.setStatus(current.taskId, 'done');
      this.sessions.appendTimeline(sessionId, 'complete', summary?.trim() || `completed ${current.title}`, current.taskId, {
        action: 'queue_complete',
      });
      this.announce(sessionId);
      return this.item(sessionId, current.taskId);
    });
  }

  /** Puts the current item (or, with none started, the head of the queue) back at the end. */
  skip(sessionId: string, reason?: string): QueueItem {
    return this.store.tx(() => {
      const target =
        this.current(sessionId) ??
        (this.store
          .prepare(`${SELECT_ITEMS} WHERE q.session_id = ? AND q.state = 'queued' ORDER BY q.position LIMIT 1`)
          .get(sessionId) as QueueRow | undefined);
      if (!target) throw new MaestroError('conflict', 'the queue has nothing left to skip', 'sessionId');
      const item = 'taskId' in target ? target : toItem(target);
      const end = (
        this.store.prepare('SELECT MAX(position) + 1 AS p FROM queue_items WHERE session_id = ?').get(sessionId) as { p: number }
      ).p;
      this.store
        .prepare(
          `UPDATE queue_items SET state = 'queued', position = ?, skip_count = skip_count + 1, started_at = NULL
           WHERE session_id = ? AND task_id = ?`,
        )
        .run(end, sessionId, item.taskId);
      if (item.state === 'in_progress' && item.taskStatus !== 'done' && item.taskStatus !== 'cancelled')
        this.tasks.setStatus(item.taskId, 'todo', null);
      this.sessions.appendTimeline(sessionId, 'queue', `skipped ${item.title}${reason ? `: ${reason}` : ''}`, item.taskId, {
        action: 'skip',
        ...(reason ? { reason } : {}),
      });
      this.announce(sessionId);
      return this.item(sessionId, item.taskId);
    });
  }

  /** Counts and the current/next item, computed in SQL so it stays cheap for long queues. */
  status(sessionId: string): QueueStatus {
    this.sessions.assertExists(sessionId);
    const next = this.pick(sessionId, false);
    return { sessionId, current: this.current(sessionId), next: next ? toItem(next) : null, counts: this.countsOf([sessionId]).get(sessionId)! };
  }

  /** The counts of each of these queues (every id gets one, zeros for an empty queue), a statement or two for them all. */
  countsOf(sessionIds: string[]): Map<string, QueueStatus['counts']> {
    const counts = new Map(sessionIds.map((id) => [id, { total: 0, queued: 0, inProgress: 0, done: 0, waiting: 0 }]));
    if (sessionIds.length === 0) return counts;
    const arg = sessionsArg(sessionIds);
    // The states off the index alone; only the queued items need their task (are they waiting?), not the done ones.
    const states = this.store
      .prepare(`SELECT session_id AS id, state, COUNT(*) AS n FROM queue_items WHERE ${sessionsIn(sessionIds)} GROUP BY session_id, state`)
      .all(arg) as Array<{ id: string; state: QueueItemState; n: number }>;
    for (const { id, state, n } of states) {
      const c = counts.get(id)!;
      c.total += n;
      if (state === 'queued') c.queued = n;
      else if (state === 'in_progress') c.inProgress = n;
      else c.done = n;
    }
    const waiting = this.store
      .prepare(
        `SELECT q.session_id AS id, COUNT(*) AS n FROM queue_items q JOIN tasks t ON t.id = q.task_id
         WHERE ${sessionsIn(sessionIds, 'q.session_id')} AND q.state = 'queued' AND NOT ${READY} GROUP BY q.session_id`,
      )
      .all(arg) as Array<{ id: string; n: number }>;
    for (const { id, n } of waiting) counts.get(id)!.waiting = n;
    return counts;
  }

  /** The item in progress of each of these queues that has one, by session id. */
  currentOf(sessionIds: string[]): Map<string, QueueItem> {
    if (sessionIds.length === 0) return new Map();
    const rows = this.store
      .prepare(`${SELECT_ITEMS} WHERE ${sessionsIn(sessionIds, 'q.session_id')} AND q.state = 'in_progress'`)
      .all(sessionsArg(sessionIds)) as QueueRow[];
    return new Map(rows.map((r) => [r.session_id, toItem(r)]));
  }

  /**
   * The item queue_start takes next (`claim`: also not current in another queue): the first in queue order among
   * the ready, free items whose task is in_progress (work already under way), else among the todo ones, else among
   * the blocked / needs_input ones. One statement per group, each stopping at its first match in queue order, rather
   * than one that sorts every queued item by group: a claim reads a few items, not the whole queue. Work under way
   * is looked up from the tasks side (the project's in_progress tasks: a queue holds tasks of its own project only).
   */
  private pick(sessionId: string, claim: boolean): QueueRow | undefined {
    const elsewhere = claim ? `AND ${NOT_CURRENT_ELSEWHERE}` : '';
    const project = this.store.prepare('SELECT project_id FROM sessions WHERE id = ?').get(sessionId) as { project_id: string } | undefined;
    if (!project) return undefined;
    const underWay = this.store
      .prepare(
        `SELECT ${ITEM_COLUMNS}
         FROM tasks t CROSS JOIN queue_items q
         WHERE t.project_id = ? AND t.status = 'in_progress' AND q.session_id = ? AND q.task_id = t.id AND q.state = 'queued'
           AND ${FREE} ${elsewhere} AND ${DEPS_DONE}
         ORDER BY q.position LIMIT 1`,
      )
      .get(project.project_id, sessionId) as QueueRow | undefined;
    if (underWay) return underWay;
    for (const statuses of [`('todo')`, `('blocked','needs_input')`]) {
      const row = this.store
        .prepare(
          `${SELECT_ITEMS} WHERE q.session_id = ? AND q.state = 'queued' AND t.status IN ${statuses}
             AND ${FREE} ${elsewhere} AND ${DEPS_DONE}
           ORDER BY q.position LIMIT 1`,
        )
        .get(sessionId) as QueueRow | undefined;
      if (row) return row;
    }
    return undefined;
  }

  /**
   * The session's current item, when its task was finished elsewhere (task_complete, task_update, another
   * session), is done for this queue too. Its queued items end when their task does (migration 16's
   * triggers), so only the one current item is looked at here, not every open item of the queue. Whether the
   * queue changed so since it was last announced (the current item now, or queued ones then).
   */
  private sweep(sessionId: string): boolean {
    const current = this.store
      .prepare(
        `UPDATE queue_items SET state = 'done', completed_at = ? WHERE session_id = ? AND state = 'in_progress'
           AND EXISTS (SELECT 1 FROM tasks t WHERE t.id = queue_items.task_id AND t.status IN ('done','cancelled'))`,
      )
      .run(nowIso(), sessionId).changes;
    return current > 0 || this.announceDue(sessionId);
  }

  /** Whether items of the queue ended with their task since it was last announced (and no longer, once asked). */
  private announceDue(sessionId: string): boolean {
    return this.store.prepare('DELETE FROM queue_announce_due WHERE session_id = ?').run(sessionId).changes > 0;
  }

  /** Marks the session's item for this task done, without touching the task itself. */
  finishItem(sessionId: string, taskId: string): void {
    this.store
      .prepare(`UPDATE queue_items SET state = 'done', completed_at = ? WHERE session_id = ? AND task_id = ? AND state <> 'done'`)
      .run(nowIso(), sessionId, taskId);
  }

  current(sessionId: string): QueueItem | null {
    return this.currentOf([sessionId]).get(sessionId) ?? null;
  }

  private requireCurrent(sessionId: string): QueueItem {
    this.sessions.assertExists(sessionId);
    const current = this.current(sessionId);
    if (!current) throw new MaestroError('conflict', 'no queue item is in progress; call queue_start first', 'sessionId');
    return current;
  }

  private item(sessionId: string, taskId: string): QueueItem {
    const row = this.store
      .prepare(`${SELECT_ITEMS} WHERE q.session_id = ? AND q.task_id = ?`)
      .get(sessionId, taskId) as QueueRow | undefined;
    if (!row) throw notFound('queue item', taskId, 'taskId');
    return toItem(row);
  }

  announce(sessionId: string): void {
    this.announceDue(sessionId);
    this.store.emit({ type: 'queue.updated', sessionId, status: this.status(sessionId) });
  }
}
