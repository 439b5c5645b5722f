// Loading: fetches projects, tasks, sessions, queues, timelines and templates from the server into the state.
import { api, errorMessage } from '../api';
import type { SessionInfo, SessionSummary } from '../types';
import { getState, setState } from './container';
import { byName, laterReport, mergeEvents } from './merge';
import { cacheTasks, resetLists } from './taskLists';
import { toast } from './ui';

export async function loadProjects(): Promise<void> {
  try {
    const projects = await api.projects();
    setState((s) => {
      let projectId = s.projectId;
      if (!projectId || !projects.some((p) => p.id === projectId)) projectId = projects[0]?.id ?? null;
      return { projects, projectsLoaded: true, projectId };
    });
  } catch (err) {
    setState({ projectsLoaded: true });
    toast('error', `Could not load projects: ${errorMessage(err)}`);
  }
}

const countLoads = new Map<string, Promise<void>>();

/**
 * The project's task counts (all, ready, by status): a few small counting requests, where loading the
 * tasks to count them would not scale. The task views load their own pages (taskLists.ts).
 */
export function loadTaskCounts(projectId: string): Promise<void> {
  // Asked by the app and the task page at once when a project opens: one load serves both.
  let running = countLoads.get(projectId);
  if (!running) {
    running = api
      .taskCounts(projectId)
      .then((counts) => setState((s) => ({ taskCounts: { ...s.taskCounts, [projectId]: counts } })))
      .finally(() => countLoads.delete(projectId));
    countLoads.set(projectId, running);
  }
  return running;
}

const sessionLoads: Record<string, number> = {};

/**
 * The project's sessions with their last report and current task (one request: the list carries
 * both). Only the newest of overlapping loads is applied, and what live events brought meanwhile is
 * kept when it is newer.
 */
export async function loadSessions(projectId: string): Promise<void> {
  const seq = (sessionLoads[projectId] = (sessionLoads[projectId] ?? 0) + 1);
  const list: SessionSummary[] = await api.sessions(projectId);
  if (sessionLoads[projectId] !== seq) return;
  setState((s) => {
    const sessions = Object.fromEntries(Object.entries(s.sessions).filter(([, x]) => x.projectId !== projectId));
    const lastReports = { ...s.lastReports };
    const currentTaskIds = { ...s.currentTaskIds };
    const queueCounts = { ...s.queueCounts };
    for (const { lastReport, currentTaskId, queue, ...session } of list) {
      const known = s.sessions[session.id];
      sessions[session.id] = known && known.updatedAt > session.updatedAt ? known : session;
      const report = laterReport(lastReports[session.id], lastReport);
      if (report) lastReports[session.id] = report;
      currentTaskIds[session.id] = currentTaskId;
      queueCounts[session.id] = queue;
    }
    return { sessions, lastReports, currentTaskIds, queueCounts, sessionsLoaded: { ...s.sessionsLoaded, [projectId]: true } };
  });
}

/** What a session's page loads (GET /api/sessions/:id): the session, its tasks, queue and last report. */
export function applySessionInfo(info: SessionInfo): void {
  const id = info.session.id;
  setState((s) => {
    const report = laterReport(s.lastReports[id], info.lastReport);
    return {
      sessions: { ...s.sessions, [id]: info.session },
      tasks: cacheTasks(s, info.tasks),
      queues: info.queue ? { ...s.queues, [id]: info.queue } : s.queues,
      lastReports: report ? { ...s.lastReports, [id]: report } : s.lastReports,
    };
  });
}

/** A session's queue, for its page. */
export async function loadQueue(sessionId: string): Promise<void> {
  const queue = await api.queue(sessionId);
  setState((s) => ({ queues: { ...s.queues, [sessionId]: queue } }));
}

export async function loadProjectData(projectId: string): Promise<void> {
  try {
    await Promise.all([loadTaskCounts(projectId), loadSessions(projectId)]);
  } catch (err) {
    toast('error', `Could not load project data: ${errorMessage(err)}`);
  }
}

export async function loadTimeline(sessionId: string): Promise<void> {
  const events = await api.timeline(sessionId);
  setState((s) => ({ timelines: { ...s.timelines, [sessionId]: mergeEvents(s.timelines[sessionId] ?? [], events) } }));
}

/** The session templates (global: not per project); live events keep them current once loaded. */
export async function loadTemplates(): Promise<void> {
  const templates = await api.templates();
  setState({ templates: templates.sort(byName) });
}

/** Everything the page shows, again: after a reconnect the socket may have missed events. */
export async function refreshAll(): Promise<void> {
  await loadProjects();
  const { projectId, timelines, templates } = getState();
  // The task lists may have missed changes: their loaded pages go, and the views load what they show again.
  resetLists();
  const jobs: Promise<unknown>[] = [];
  if (projectId) jobs.push(loadProjectData(projectId));
  if (templates) jobs.push(loadTemplates().catch(() => undefined));
  for (const sessionId of Object.keys(timelines)) jobs.push(loadTimeline(sessionId).catch(() => undefined));
  await Promise.all(jobs);
}
