// Live events: applies what the WebSocket reports to the state, refetching what the server works out.
import { REPORT_KINDS, type MaestroEvent } from '../types';
import { getState, setState } from './container';
import { dropProject, dropTemplate, putTemplate } from './changes';
import { notifyLiveEvent } from './listen';
import { loadQueue, loadSessions, loadTasks } from './load';
import { laterReport, mergeEvents } from './merge';
import { coalesce } from './coalesce';
import { overviewFollows } from './overview';

const inView = (projectId: string | undefined): projectId is string => !!projectId && projectId === getState().projectId;
/** A status change can make other tasks ready (or not): refetch the project's tasks. */
const refetchTasks = coalesce(() => {
  const { projectId } = getState();
  return projectId ? loadTasks(projectId) : undefined;
});
/** Current tasks follow task statuses, assignees and queues: the server works them out, the list carries them. */
const refetchSessions = coalesce(() => {
  const { projectId, sessionsLoaded } = getState();
  return projectId && sessionsLoaded[projectId] ? loadSessions(projectId) : undefined;
});
const queueRefetches = new Map<string, () => void>();
const refetchQueue = (sessionId: string) => {
  let schedule = queueRefetches.get(sessionId);
  if (!schedule) queueRefetches.set(sessionId, (schedule = coalesce(() => loadQueue(sessionId), 100)));
  schedule();
};

export function applyEvent(ev: MaestroEvent): void {
  notifyLiveEvent(ev);
  overviewFollows(ev);
  switch (ev.type) {
    case 'project.created':
    case 'project.updated': {
      const p = ev.project;
      setState((s) => {
        const projects = s.projects.some((x) => x.id === p.id) ? s.projects.map((x) => (x.id === p.id ? p : x)) : [...s.projects, p];
        projects.sort((a, b) => a.name.localeCompare(b.name));
        return { projects, projectId: s.projectId ?? p.id };
      });
      return;
    }
    case 'project.deleted':
      dropProject(ev.projectId);
      return;
    case 'task.created':
    case 'task.updated': {
      const t = ev.task;
      const before = getState().tasks[t.id];
      setState((s) => ({ tasks: { ...s.tasks, [t.id]: t } }));
      if (!inView(t.projectId)) return;
      if (!before || before.status !== t.status || before.dependencies.join() !== t.dependencies.join()) refetchTasks();
      if (before ? before.status !== t.status || before.assignee !== t.assignee : t.assignee !== null) refetchSessions();
      return;
    }
    case 'tasks.imported':
      if (inView(ev.projectId)) refetchTasks();
      return;
    case 'session.created':
    case 'session.updated': {
      const x = ev.session;
      setState((s) => {
        // A status change seen live: the session has been in its new status since this update.
        const before = s.sessions[x.id];
        const moved = before && before.status !== x.status && x.updatedAt >= before.updatedAt;
        return { sessions: { ...s.sessions, [x.id]: x }, ...(moved ? { statusSince: { ...s.statusSince, [x.id]: x.updatedAt } } : {}) };
      });
      // A new session's current task may be one it shares with others (no task event says so).
      if (ev.type === 'session.created' && inView(x.projectId)) refetchSessions();
      return;
    }
    case 'session.event': {
      const e = ev.event;
      setState((s) => ({
        timelines: s.timelines[ev.sessionId] ? { ...s.timelines, [ev.sessionId]: mergeEvents(s.timelines[ev.sessionId]!, [e]) } : s.timelines,
        lastReports: (REPORT_KINDS as readonly string[]).includes(e.kind)
          ? { ...s.lastReports, [ev.sessionId]: laterReport(s.lastReports[ev.sessionId], e)! }
          : s.lastReports,
      }));
      return;
    }
    case 'queue.updated': {
      const { sessionId, status } = ev;
      // The item in progress is the session's current task; without one, the server looks at its tasks.
      setState((s) => ({
        queueCounts: { ...s.queueCounts, [sessionId]: status.counts },
        ...(status.current ? { currentTaskIds: { ...s.currentTaskIds, [sessionId]: status.current.taskId } } : {}),
      }));
      const { sessions, queues } = getState();
      if (inView(sessions[sessionId]?.projectId)) refetchSessions();
      if (queues[sessionId]) refetchQueue(sessionId);
      return;
    }
    case 'template.created':
    case 'template.updated':
      putTemplate(ev.template);
      return;
    case 'template.deleted':
      dropTemplate(ev.templateId);
      return;
    case 'merge_queue.updated':
      // Only the Changes tab shows the merge queue; it follows these through onLiveEvent.
      return;
  }
}
