import type { MaestroEvent } from '../core/events.js';
import type { MaestroService } from '../core/service.js';
import type { NotifyEvent } from '../core/schemas.js';
import type { Session, TimelineEvent } from '../core/types.js';
import type { Notification } from './formats.js';

/*
 * Which core events are notifications. A session's status change is recorded on its timeline exactly
 * once (a `status` event with from/to), so watching those fires once per transition, not on every
 * session.updated: into needs_input, blocked, failed (= error) or completed. An error report (a session
 * keeps its status through one) is an `error` notification too.
 */

const STATUS_EVENTS: Partial<Record<string, NotifyEvent>> = {
  needs_input: 'needs_input',
  blocked: 'blocked',
  failed: 'error',
  completed: 'completed',
};

/** The report kind whose text explains a transition into this status. */
const REPORT_OF: Record<NotifyEvent, string> = { needs_input: 'needs_input', blocked: 'blocked', error: 'error', completed: 'complete' };

const TITLES: Record<NotifyEvent, (name: string) => string> = {
  needs_input: (n) => `${n} needs input`,
  blocked: (n) => `${n} is blocked`,
  error: (n) => `${n} hit an error`,
  completed: (n) => `${n} completed`,
};

/** The event a core event is, if it is one: which notification, about which session, from which timeline entry. */
export function notifyEventOf(event: MaestroEvent): { kind: NotifyEvent; sessionId: string; entry: TimelineEvent } | null {
  if (event.type !== 'session.event') return null;
  const entry = event.event;
  if (entry.kind === 'error') return { kind: 'error', sessionId: event.sessionId, entry };
  if (entry.kind !== 'status') return null;
  const to = entry.data?.to;
  const kind = typeof to === 'string' ? STATUS_EVENTS[to] : undefined;
  return kind ? { kind, sessionId: event.sessionId, entry } : null;
}

/**
 * The notification about it: the session, its task (the report's, else its current one), the question or
 * reason (the report behind the transition, else the session's state reason or exit code), a link.
 */
export function buildNotification(svc: MaestroService, kind: NotifyEvent, session: Session, entry: TimelineEvent): Notification {
  const report = entry.kind === 'status' ? reportBehind(svc, session.id, entry, REPORT_OF[kind]) : entry;
  const taskId = report?.taskId ?? null;
  const task = taskId ? svc.tasks.get(taskId) : svc.currentTask(session.id);
  const project = svc.projects.get(session.projectId);
  const fallback =
    session.stateReason !== null
      ? `state: ${session.stateReason}`
      : session.exitCode !== null && kind === 'error'
        ? `the agent exited with code ${session.exitCode}`
        : null;
  return {
    event: kind,
    title: `${TITLES[kind](session.name)} (${project.name})`,
    message: report?.message ?? fallback,
    project: { id: project.id, name: project.name },
    session: { id: session.id, name: session.name, role: session.role, status: session.status },
    task: task ? { id: task.id, title: task.title } : null,
    link: `${svc.apiUrl}/sessions/${session.id}`,
    time: entry.createdAt,
  };
}

/**
 * The report a status change came from: the reports module records the report, then the status change
 * with the message `<kind> report: status a -> b`. A change from elsewhere (the agent's screen, its exit)
 * has none.
 */
function reportBehind(svc: MaestroService, sessionId: string, status: TimelineEvent, reportKind: string): TimelineEvent | null {
  if (!status.message.startsWith(`${reportKind} report:`)) return null;
  const recent = svc.sessions.timeline(sessionId, { limit: 20 });
  for (let i = recent.length - 1; i >= 0; i--) {
    const e = recent[i]!;
    if (e.id < status.id && e.kind === reportKind) return e;
  }
  return null;
}
