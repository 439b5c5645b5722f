import { useEffect, useState } from 'preact/hooks';
import { api, errorMessage } from './api';
import { navigate, parseRoute, paths } from './router';
import {
  REPORT_KINDS,
  type MaestroEvent,
  type Project,
  type QueueItem,
  type QueueStatus,
  type Session,
  type SessionInfo,
  type SessionSummary,
  type Task,
  type Template,
  type TimelineEvent,
} from './types';

type QueueCounts = QueueStatus['counts'];

export type ConnState = 'connecting' | 'live' | 'offline';

/**
 * Whether the page may talk to the server: `checking` while it signs in from the link or makes its
 * first request, `ok` once that worked, `required` when the server wants the login link (a 401).
 */
export type AuthState = 'checking' | 'ok' | 'required';

/** What the sign-in screen says above its form: why the user is there. */
export interface AuthNotice {
  kind: 'error' | 'info';
  message: string;
}

export interface Toast {
  id: number;
  kind: 'error' | 'info' | 'success';
  message: string;
}

export type DialogState =
  | { kind: 'newTask'; parentId?: string }
  | { kind: 'spawn'; taskIds: string[] }
  | { kind: 'newProject' }
  | { kind: 'newTemplate' }
  | null;

export interface State {
  auth: AuthState;
  authNotice: AuthNotice | null;
  conn: ConnState;
  projects: Project[];
  projectsLoaded: boolean;
  /** The project the dashboard is looking at. */
  projectId: string | null;
  /** Every task the page has seen, by id (views filter by project). */
  tasks: Record<string, Task>;
  /** Projects whose task list has been loaded. */
  tasksLoaded: Record<string, boolean>;
  sessions: Record<string, Session>;
  sessionsLoaded: Record<string, boolean>;
  /** Last report (progress/complete/blocked/error/needs_input) of each session. */
  lastReports: Record<string, TimelineEvent>;
  /** The task each session is on, as the server says (session list, queue events). */
  currentTaskIds: Record<string, string | null>;
  /** Queue progress of queue sessions (session list, queue events). */
  queueCounts: Record<string, QueueCounts | null>;
  /** Queues of the sessions whose page was opened (refetched when they change). */
  queues: Record<string, QueueItem[]>;
  /** Timelines of the sessions whose page was opened, oldest first. */
  timelines: Record<string, TimelineEvent[]>;
  /** Session templates by name, once a page that shows them has loaded them (null before). */
  templates: Template[] | null;
  toasts: Toast[];
  /** The dialog open over the page, if any (opened from buttons and from the command palette). */
  dialog: DialogState;
  paletteOpen: boolean;
  /** Bumped on every (re)connection of the live socket, so views can refetch what they own. */
  epoch: number;
}

const PROJECT_KEY = 'maestro.projectId';

const initial: State = {
  auth: 'checking',
  authNotice: null,
  conn: 'connecting',
  projects: [],
  projectsLoaded: false,
  projectId: safeStorage()?.getItem(PROJECT_KEY) ?? null,
  tasks: {},
  tasksLoaded: {},
  sessions: {},
  sessionsLoaded: {},
  lastReports: {},
  currentTaskIds: {},
  queueCounts: {},
  queues: {},
  timelines: {},
  templates: null,
  toasts: [],
  dialog: null,
  paletteOpen: false,
  epoch: 0,
};

function safeStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

let state: State = initial;
const listeners = new Set<() => void>();
let notifyScheduled = false;

export const getState = (): State => state;

export function setState(update: Partial<State> | ((s: State) => Partial<State>)): void {
  const patch = typeof update === 'function' ? update(state) : update;
  state = { ...state, ...patch };
  if (!notifyScheduled) {
    notifyScheduled = true;
    queueMicrotask(() => {
      notifyScheduled = false;
      for (const l of listeners) l();
    });
  }
}

/** Re-renders the calling component on every state change. The app is small; that is cheap enough. */
export function useAppState(): State {
  const [, force] = useState(0);
  const rendered = state;
  useEffect(() => {
    const l = () => force((n) => n + 1);
    listeners.add(l);
    // A change between this render and the subscription (effects run after paint) would be lost.
    if (state !== rendered) l();
    return () => {
      listeners.delete(l);
    };
  }, []);
  return state;
}

/** Forgets everything loaded from the server (signing out): nothing of it stays on screen, and a later sign-in loads it afresh. */
export function clearData(): void {
  const { projectId } = state;
  setState({ ...initial, auth: state.auth, authNotice: state.authNotice, projectId });
}

export const openDialog = (dialog: DialogState) => setState({ dialog, paletteOpen: false });
export const closeDialog = () => setState({ dialog: null });

// ---- toasts -------------------------------------------------------------------------------------------

let toastSeq = 0;
export function toast(kind: Toast['kind'], message: string, ms = kind === 'error' ? 7000 : 3500): void {
  // A request refused for want of a login already brought up the sign-in screen: no toast for it.
  if (state.auth === 'required') return;
  const id = ++toastSeq;
  setState((s) => ({ toasts: [...s.toasts.slice(-3), { id, kind, message }] }));
  setTimeout(() => dismissToast(id), ms);
}
export const dismissToast = (id: number) => setState((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));

// ---- selectors ------------------------------------------------------------------------------------------

export const projectTasks = (s: State, projectId: string | null): Task[] =>
  projectId ? Object.values(s.tasks).filter((t) => t.projectId === projectId) : [];

export const projectSessions = (s: State, projectId: string | null): Session[] =>
  projectId
    ? Object.values(s.sessions)
        .filter((x) => x.projectId === projectId)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    : [];

export const currentProject = (s: State): Project | undefined => s.projects.find((p) => p.id === s.projectId);

/** The session's current task: the server's answer (MaestroService.currentTask), kept current by events. */
export function currentTaskOf(s: State, session: Session): Task | null {
  const id = s.currentTaskIds[session.id];
  return id ? (s.tasks[id] ?? null) : null;
}

/** The later of two reports of a session (a list fetched before an event must not undo it). */
const laterReport = (a: TimelineEvent | undefined, b: TimelineEvent | null | undefined): TimelineEvent | undefined =>
  !b || (a && a.id >= b.id) ? a : b;

// ---- loading ----------------------------------------------------------------------------------------------

const byId = <T extends { id: string }>(items: T[]): Record<string, T> => Object.fromEntries(items.map((i) => [i.id, i]));

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

export function selectProject(projectId: string): void {
  if (getState().projectId === projectId) return;
  safeStorage()?.setItem(PROJECT_KEY, projectId);
  setState({ projectId });
}

export async function loadTasks(projectId: string): Promise<void> {
  const tasks = await api.tasks(projectId);
  setState((s) => {
    const kept = Object.values(s.tasks).filter((t) => t.projectId !== projectId);
    return { tasks: { ...byId(kept), ...byId(tasks) }, tasksLoaded: { ...s.tasksLoaded, [projectId]: true } };
  });
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
      tasks: { ...s.tasks, ...byId(info.tasks) },
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
    await Promise.all([loadTasks(projectId), loadSessions(projectId)]);
  } catch (err) {
    toast('error', `Could not load project data: ${errorMessage(err)}`);
  }
}

export async function loadTimeline(sessionId: string): Promise<void> {
  const events = await api.timeline(sessionId);
  setState((s) => ({ timelines: { ...s.timelines, [sessionId]: mergeEvents(s.timelines[sessionId] ?? [], events) } }));
}

function mergeEvents(current: TimelineEvent[], incoming: TimelineEvent[]): TimelineEvent[] {
  const map = new Map<number, TimelineEvent>();
  for (const e of current) map.set(e.id, e);
  for (const e of incoming) map.set(e.id, e);
  return [...map.values()].sort((a, b) => a.id - b.id);
}

const byName = (a: Template, b: Template) => a.name.localeCompare(b.name);

/** The session templates (global: not per project); live events keep them current once loaded. */
export async function loadTemplates(): Promise<void> {
  const templates = await api.templates();
  setState({ templates: templates.sort(byName) });
}

/** A template made or changed (here or elsewhere), into the loaded list. */
export const putTemplate = (t: Template) =>
  setState((s) => (s.templates ? { templates: [...s.templates.filter((x) => x.id !== t.id), t].sort(byName) } : {}));
export const dropTemplate = (id: string) => setState((s) => (s.templates ? { templates: s.templates.filter((x) => x.id !== id) } : {}));

const without = <T>(record: Record<string, T>, gone: (key: string) => boolean): Record<string, T> =>
  Object.fromEntries(Object.entries(record).filter(([key]) => !gone(key)));

/**
 * A project deleted (here or elsewhere): it leaves the page with its tasks and sessions. If it was the
 * selected project, nothing is selected any more; if the page shows it (its tasks, its sessions or one of
 * its sessions), the page goes to the project list.
 */
export function dropProject(projectId: string): void {
  const before = state;
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
      tasksLoaded: without(s.tasksLoaded, isProject),
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

/** Everything the page shows, again: after a reconnect the socket may have missed events. */
export async function refreshAll(): Promise<void> {
  await loadProjects();
  const { projectId, timelines, templates } = getState();
  const jobs: Promise<unknown>[] = [];
  if (projectId) jobs.push(loadProjectData(projectId));
  if (templates) jobs.push(loadTemplates().catch(() => undefined));
  for (const sessionId of Object.keys(timelines)) jobs.push(loadTimeline(sessionId).catch(() => undefined));
  await Promise.all(jobs);
}

// ---- live events ---------------------------------------------------------------------------------------------

/**
 * Runs `load` about `delay` ms after the first call; calls made meanwhile share that run, and calls
 * made while it runs get one more run after it. So a burst of events costs one or two requests, and
 * a steady stream of them cannot postpone the refetch forever.
 */
function coalesce(load: () => Promise<unknown> | undefined, delay = 250): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let again = false;
  const fire = async () => {
    timer = undefined;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await load();
    } catch {
      /* the next event or reconnect refetches */
    } finally {
      running = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  };
  const schedule = () => {
    timer ??= setTimeout(fire, delay);
  };
  return schedule;
}

const inView = (projectId: string | undefined): projectId is string => !!projectId && projectId === state.projectId;
/** A status change can make other tasks ready (or not): refetch the project's tasks. */
const refetchTasks = coalesce(() => (state.projectId ? loadTasks(state.projectId) : undefined));
/** Current tasks follow task statuses, assignees and queues: the server works them out, the list carries them. */
const refetchSessions = coalesce(() => (state.projectId && state.sessionsLoaded[state.projectId] ? loadSessions(state.projectId) : undefined));
const queueRefetches = new Map<string, () => void>();
const refetchQueue = (sessionId: string) => {
  let schedule = queueRefetches.get(sessionId);
  if (!schedule) queueRefetches.set(sessionId, (schedule = coalesce(() => loadQueue(sessionId), 100)));
  schedule();
};

export function applyEvent(ev: MaestroEvent): void {
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
      const before = state.tasks[t.id];
      setState((s) => ({ tasks: { ...s.tasks, [t.id]: t } }));
      if (!inView(t.projectId)) return;
      if (!before || before.status !== t.status || before.dependencies.join() !== t.dependencies.join()) refetchTasks();
      if (before ? before.status !== t.status || before.assignee !== t.assignee : t.assignee !== null) refetchSessions();
      return;
    }
    case 'session.created':
    case 'session.updated': {
      const x = ev.session;
      setState((s) => ({ sessions: { ...s.sessions, [x.id]: x } }));
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
      if (inView(state.sessions[sessionId]?.projectId)) refetchSessions();
      if (state.queues[sessionId]) refetchQueue(sessionId);
      return;
    }
    case 'template.created':
    case 'template.updated':
      putTemplate(ev.template);
      return;
    case 'template.deleted':
      dropTemplate(ev.templateId);
      return;
  }
}
