// The all-projects overview's data: the sessions of every project (one request), kept current by live events.
import { api } from '../api';
import { FINISHED_SESSION_STATUSES, type MaestroEvent, type Session, type SessionStatus } from '../types';
import { coalesce } from './coalesce';
import { getState, setState, type State } from './container';
import { laterReport } from './merge';

let seq = 0;

/**
 * Loads the sessions of every project into the state (newer live updates kept). The titles of their
 * current tasks are fetched one by one as the rows show them (currentTaskOf), never whole projects.
 */
export async function loadAllSessions(): Promise<void> {
  const mine = ++seq;
  const list = await api.allSessions();
  if (mine !== seq) return;
  setState((s) => {
    const projectIds = new Set(list.map((x) => x.projectId));
    for (const p of s.projects) projectIds.add(p.id);
    const sessions = { ...s.sessions };
    const lastReports = { ...s.lastReports };
    const currentTaskIds = { ...s.currentTaskIds };
    const queueCounts = { ...s.queueCounts };
    const statusSince = { ...s.statusSince };
    const sessionsLoaded = { ...s.sessionsLoaded };
    for (const { lastReport, currentTaskId, queue, ...session } of list) {
      const known = s.sessions[session.id];
      // A status change this page did not see: what it knew of the status's start no longer holds.
      if (known && known.status !== session.status && known.updatedAt < session.updatedAt) delete statusSince[session.id];
      sessions[session.id] = known && known.updatedAt > session.updatedAt ? known : session;
      const report = laterReport(lastReports[session.id], lastReport);
      if (report) lastReports[session.id] = report;
      currentTaskIds[session.id] = currentTaskId;
      queueCounts[session.id] = queue;
    }
    for (const id of projectIds) sessionsLoaded[id] = true;
    return { sessions, lastReports, currentTaskIds, queueCounts, statusSince, sessionsLoaded, allSessionsLoaded: true };
  });
}

const refetchAll = coalesce(() => loadAllSessions());

/**
 * Live events that change what the list of every project carries but no event says (a new session's
 * current task, queue progress, a task handed to a session): once the overview has loaded, it refetches.
 */
export function overviewFollows(ev: MaestroEvent): void {
  const s = getState();
  if (!s.allSessionsLoaded) return;
  switch (ev.type) {
    case 'session.created':
    case 'queue.updated':
      refetchAll();
      return;
    case 'task.updated': {
      const before = s.tasks[ev.task.id];
      if (!before || before.status !== ev.task.status || before.assignee !== ev.task.assignee) refetchAll();
      return;
    }
    default:
      return;
  }
}

/** How urgent a status is on the overview: needs input first, then blocked, running, idle, spawning, then finished. */
export const STATUS_RANK: Record<SessionStatus, number> = {
  needs_input: 0,
  blocked: 1,
  running: 2,
  idle: 3,
  spawning: 4,
  failed: 5,
  completed: 6,
  stopped: 7,
};

/**
 * Since when a session is in its status: a change seen live says exactly; otherwise a needs-input or
 * blocked session's matching last report, and at worst its last update.
 */
export function statusSinceOf(s: State, x: Session): string {
  const seen = s.statusSince[x.id];
  if (seen) return seen;
  const report = s.lastReports[x.id];
  if (report && report.kind === x.status && report.createdAt <= x.updatedAt) return report.createdAt;
  return x.updatedAt;
}

/** The sessions of every project in overview order: most urgent status first, then the longest in it first. */
export function overviewSessions(s: State): Session[] {
  const since = (x: Session) => statusSinceOf(s, x);
  return Object.values(s.sessions).sort((a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status] || since(a).localeCompare(since(b)) || a.name.localeCompare(b.name));
}

export const isFinished = (x: Session): boolean => FINISHED_SESSION_STATUSES.includes(x.status);

/** What needs a person, per project: sessions waiting for input, blocked, and running. */
export interface ProjectCounts {
  needsInput: number;
  blocked: number;
  running: number;
}

export function projectCounts(sessions: Session[]): Record<string, ProjectCounts> {
  const counts: Record<string, ProjectCounts> = {};
  for (const x of sessions) {
    const c = (counts[x.projectId] ??= { needsInput: 0, blocked: 0, running: 0 });
    if (x.status === 'needs_input') c.needsInput++;
    else if (x.status === 'blocked') c.blocked++;
    else if (x.status === 'running') c.running++;
  }
  return counts;
}
