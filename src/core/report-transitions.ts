import type { ReportKind, SessionStatus, TaskStatus } from './schemas.js';

/*
 * The report state machine, as data. A report (progress, complete, blocked, needs_input, error) may move the
 * task it is about and the session that sent it; REPORT_TRANSITIONS says how, per kind. Reports.report
 * (reports.ts) applies it; test/core-report-transitions.test.ts pins every kind from every task and session
 * status.
 *
 *   kind         task ->        unless the task is   queue item    session ->
 *   progress     in_progress    done                 -             running
 *   complete     done           -                    finished      completedWhenNoWorkLeft
 *   blocked      blocked        -                    -             blocked
 *   needs_input  needs_input    -                    -             needs_input (until the next progress)
 *   error        (stays)        -                    -             (stays)
 *
 * A task already in the target status is not touched (no update, no event); a task nobody holds is taken by
 * the reporting session when it moves. A failed or stopped session keeps its status whatever it reports.
 */

/** What a conditional session rule may look at. */
export interface ReportFacts {
  /** The report is about the session's own work: a task it holds, or no task at all (not another session's task). */
  readonly ownWork: boolean;
  /** Whether the session still has open work, once the report has moved its task (asked only when a rule needs it). */
  hasOpenWork(): boolean;
}

/** A session's next status: a fixed one, a named rule deciding it, or null for "stays as it is". */
export type SessionRule = SessionStatus | ((facts: ReportFacts) => SessionStatus | null) | null;

export interface ReportTransition {
  /** The status the report moves its task to; null leaves the task as it is. */
  readonly task: TaskStatus | null;
  /** Task statuses this report never moves a task out of. */
  readonly keepsTaskIn: readonly TaskStatus[];
  /** When the report moved its task, the reporting session's queue item for that task is finished too. */
  readonly finishesQueueItem: boolean;
  /** The session's next status. */
  readonly session: SessionRule;
}

/**
 * complete: about the session's own work (or no task), the session is completed when it has no open work
 * left and keeps running otherwise; about another session's task (an orchestrator closing a subtask), it
 * says nothing of the session's own work, which stays as it is.
 */
export function completedWhenNoWorkLeft(facts: ReportFacts): SessionStatus | null {
  if (!facts.ownWork) return null;
  if (facts.hasOpenWork()) return 'running';
  return 'completed';
}

export const REPORT_TRANSITIONS: Readonly<Record<ReportKind, ReportTransition>> = Object.freeze({
  progress: { task: 'in_progress', keepsTaskIn: ['done'], finishesQueueItem: false, session: 'running' },
  complete: { task: 'done', keepsTaskIn: [], finishesQueueItem: true, session: completedWhenNoWorkLeft },
  blocked: { task: 'blocked', keepsTaskIn: [], finishesQueueItem: false, session: 'blocked' },
  needs_input: { task: 'needs_input', keepsTaskIn: [], finishesQueueItem: false, session: 'needs_input' },
  error: { task: null, keepsTaskIn: [], finishesQueueItem: false, session: null },
});

/** Session statuses no report moves a session out of: its agent failed or was stopped. */
export const SESSION_STATUSES_KEPT_ON_REPORT: readonly SessionStatus[] = ['failed', 'stopped'];

/** The status a report of this kind moves a task in `from` to, or null when the task stays as it is. */
export function nextTaskStatus(kind: ReportKind, from: TaskStatus): TaskStatus | null {
  const { task, keepsTaskIn } = REPORT_TRANSITIONS[kind];
  if (task === null || task === from || keepsTaskIn.includes(from)) return null;
  return task;
}

/** The status a report of this kind moves a session in `from` to, or null when the session stays as it is. */
export function nextSessionStatus(kind: ReportKind, from: SessionStatus, facts: ReportFacts): SessionStatus | null {
  if (SESSION_STATUSES_KEPT_ON_REPORT.includes(from)) return null;
  const rule = REPORT_TRANSITIONS[kind].session;
  const next = typeof rule === 'function' ? rule(facts) : rule;
  return next === from ? null : next;
}
