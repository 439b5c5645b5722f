// Live events: applies what the WebSocket reports to the state, refetching what the server works out.
import { REPORT_KINDS, type MaestroEvent } from '../types';
import { getState, setState } from './container';
import { dropProject, dropTemplate, putTemplate } from './changes';
import { notifyLiveEvent } from './listen';
import { loadQueue, loadSessions, loadTaskCounts } from './load';
import { laterReport, mergeEvents, without } from './merge';
import { coalesce } from './coalesce';
import { overviewFollows } from './overview';
import { requestTask } from './taskCache';
import { putTask, resetLists } from './taskLists';

const inView = (projectId: string | undefined): projectId is string => !!projectId && projectId === getState().projectId;
/** The counts of the project in view follow its tasks (a few small requests per burst of changes). */
const refetchCounts = coalesce(() => {
  const { projectId, taskCounts } = getState();
  return projectId && taskCounts[projectId] ? loadTaskCounts(projectId) : undefined;
}, 500);

/** The counts of a project out of view go: they would be stale when it comes into view (which asks for them again). */
const forgetCounts = (projectId: string) =>
  setState((s) => (s.taskCounts[projectId] ? { taskCounts: without(s.taskCounts, (id) => id === projectId) } : {}));

/** Tasks whose readiness may have changed, refetched in one go a moment after a burst of changes. */
const dependentsToRefetch = new Set<string>();
const refetchDependents = coalesce(async () => {
  const ids = [...dependentsToRefetch];
  dependentsToRefetch.clear();
  for (const id of ids) requestTask(id, true);
});
/** A status change can make the tasks that depend on it ready (or not): those the page has are asked again. */
function followDependents(taskId: string): void {
  // Bounded: past a few hundred, the rows on screen are a small part of them anyway and reload with their pages.
  for (const t of Object.values(getState().tasks)) {
    if (dependentsToRefetch.size >= 200) break;
    if (t.dependencies.includes(taskId)) dependentsToRefetch.add(t.id);
  }
  if (dependentsToRefetch.size) refetchDependents();
}
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
      putTask(t, ev.type === 'task.created');
      if (!inView(t.projectId)) return forgetCounts(t.projectId);
      if (!before || before.status !== t.status) refetchCounts();
      if (before && before.status !== t.status) followDependents(t.id);
      if (before ? before.status !== t.status || before.assignee !== t.assignee : t.assignee !== null) refetchSessions();
      return;
    }
    case 'tasks.imported':
      // Many tasks at once, in one event: the project's lists load again what they show.
      resetLists(ev.projectId);
      if (inView(ev.projectId)) refetchCounts();
      else forgetCounts(ev.projectId);
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
