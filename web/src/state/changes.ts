// Local changes to projects and templates: selecting a project, and templates or projects made, changed or deleted.
import { navigate, parseRoute, paths } from '../router';
import type { Template } from '../types';
import { getState, PROJECT_KEY, safeStorage, setState } from './container';
import { byName, without } from './merge';
import { toast } from './ui';

export function selectProject(projectId: string): void {
  if (getState().projectId === projectId) return;
  safeStorage()?.setItem(PROJECT_KEY, projectId);
  setState({ projectId });
}

/** A template made or changed (here or elsewhere), into the loaded list. */
export const putTemplate = (t: Template) =>
  setState((s) => (s.templates ? { templates: [...s.templates.filter((x) => x.id !== t.id), t].sort(byName) } : {}));
export const dropTemplate = (id: string) => setState((s) => (s.templates ? { templates: s.templates.filter((x) => x.id !== id) } : {}));

/**
 * A project deleted (here or elsewhere): it leaves the page with its tasks and sessions. If it was the
 * selected project, nothing is selected any more; if the page shows it (its tasks, its sessions or one of
 * its sessions), the page goes to the project list.
 */
export function dropProject(projectId: string): void {
  const before = getState();
  const route = parseRoute(location.pathname, location.search);
  const shown =
    ((route.name === 'tasks' || route.name === 'sessions') && route.projectId === projectId) ||
    (route.name === 'session' && before.sessions[route.sessionId]?.projectId === projectId);
  const selected = before.projectId === projectId;
  const name = before.projects.find((p) => p.id === projectId)?.name;
  setState((s) => {
    const goneSessions = new Set(Object.values(s.sessions).filter((x) => x.projectId === projectId).map((x) => x.id));
    const goneSession = (id: string) => goneSessions.has(id);
    const isProject = (id: string) => id === projectId;
    const dialogOfProject = s.dialog?.kind === 'newTask' || s.dialog?.kind === 'spawn';
    return {
      projects: s.projects.filter((p) => p.id !== projectId),
      projectId: s.projectId === projectId ? null : s.projectId,
      tasks: Object.fromEntries(Object.entries(s.tasks).filter(([, t]) => t.projectId !== projectId)),
      lists: Object.fromEntries(Object.entries(s.lists).filter(([, l]) => l.query.project !== projectId)),
      taskCounts: without(s.taskCounts, isProject),
      sessions: without(s.sessions, goneSession),
      sessionsLoaded: without(s.sessionsLoaded, isProject),
      lastReports: without(s.lastReports, goneSession),
      currentTaskIds: without(s.currentTaskIds, goneSession),
      queueCounts: without(s.queueCounts, goneSession),
      queues: without(s.queues, goneSession),
      timelines: without(s.timelines, goneSession),
      dialog: s.projectId === projectId && dialogOfProject ? null : s.dialog,
    };
  });
  if (selected && safeStorage()?.getItem(PROJECT_KEY) === projectId) safeStorage()?.removeItem(PROJECT_KEY);
  if (shown) navigate(paths.projects(), { replace: true });
  if (selected || shown) toast('info', `Project ${name ?? projectId} was deleted`);
}
