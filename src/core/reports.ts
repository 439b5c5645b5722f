import type { ReportKind } from './schemas.js';
import type { CoreContext } from './service-context.js';
import { nextSessionStatus, nextTaskStatus, REPORT_TRANSITIONS } from './report-transitions.js';
import type { Session, Task, TimelineEvent } from './types.js';
import type { MessageCenter } from './messages-center.js';

/** Reports of sessions: which task one is about, and the state machine of report-transitions.ts applied. */
export class Reports {
  constructor(private readonly core: Pick<CoreContext, 'store' | 'tasks' | 'sessions' | 'queue'> & { messages?: Pick<MessageCenter, 'fromReport'> }) {}

  /**
   * The task a report without an explicit task id is about. In a queue session that is the current queue item
   * (the one queue_start handed out) or nothing: such a report must never start, block or finish a queued item
   * behind the queue's back (see the queue rule in queue.ts). An item whose task was finished or cancelled
   * elsewhere is no longer anyone's current work either.
   */
  currentTask(sessionId: string): Task | null {
    const id = this.currentTaskIds([this.core.sessions.get(sessionId)]).get(sessionId);
    return id === undefined ? null : this.core.tasks.get(id);
  }

  /**
   * The task each of these sessions is on, by session id (none: absent), a statement or two for them all: a
   * queue's item in progress while its task is open, else the session's first open task (TaskRepo.currentIdsFor).
   */
  currentTaskIds(sessions: Session[]): Map<string, string> {
    const { queue, tasks } = this.core;
    const queues = sessions.filter((s) => s.strategy === 'queue').map((s) => s.id);
    const current = tasks.currentIdsFor(sessions.filter((s) => s.strategy !== 'queue').map((s) => s.id));
    for (const [sessionId, item] of queue.currentOf(queues))
      if (item.taskStatus !== 'done' && item.taskStatus !== 'cancelled') current.set(sessionId, item.taskId);
    return current;
  }

  /**
   * Records a report on the session's timeline and applies REPORT_TRANSITIONS, in one transaction: the task
   * moves first (taken by the session when nobody holds it; a complete report also finishes the session's queue
   * item for it), then the report lands on the timeline, then the session moves (its status change recorded
   * after the report).
   */
  report(sessionId: string, kind: ReportKind, message: string, taskId?: string): { event: TimelineEvent; task: Task | null; session: Session } {
    const { store, tasks, sessions, queue } = this.core;
    const result = store.tx(() => {
      const session = sessions.get(sessionId);
      const task = taskId !== undefined ? tasks.get(taskId) : this.currentTask(sessionId);
      // Asked before the task moves: moving an unheld task hands it to this session.
      const ownWork = task === null || tasks.isAssignedTo(task.id, sessionId);
      let updatedTask = task;
      const taskNext = task && nextTaskStatus(kind, task.status);
      if (task && taskNext) {
        updatedTask = tasks.update(task.id, { status: taskNext, ...(task.assignee === null ? { assignee: sessionId } : {}) });
        if (REPORT_TRANSITIONS[kind].finishesQueueItem) {
          queue.finishItem(sessionId, task.id);
          queue.announce(sessionId);
        }
      }
      const event = sessions.appendTimeline(sessionId, kind, message, task?.id ?? null);
      const sessionNext = nextSessionStatus(kind, session.status, { ownWork, hasOpenWork: () => this.hasOpenWork(sessionId) });
      if (sessionNext) sessions.setStatus(sessionId, sessionNext, { message: `${kind} report: status ${session.status} -> ${sessionNext}` });
      return { event, task: updatedTask, session: sessions.get(sessionId) };
    });
    // issue 12: a blocked / needs_input report also reaches the session's orchestrator (or the user) as a message.
    try {
      this.core.messages?.fromReport(sessionId, kind, message, result.task?.id ?? null);
    } catch {
      /* the report stands even if its message cannot be sent */
    }
    return result;
  }

  /** Whether the session still has work: a task of its own not finished, or queued items. */
  hasOpenWork(sessionId: string): boolean {
    const { tasks, sessions, queue } = this.core;
    if (tasks.currentIdsFor([sessionId]).has(sessionId)) return true;
    return sessions.get(sessionId).strategy === 'queue' && queue.status(sessionId).counts.queued > 0;
  }
}
