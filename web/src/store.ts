import { useEffect, useState } from 'preact/hooks';
import { api, errorMessage } from './api';
import {
  REPORT_KINDS,
  type MaestroEvent,
  type Project,
  type QueueItem,
  type Session,
  type Task,
  type TimelineEvent,
} from './types';

export type ConnState = 'connecting' | 'live' | 'offline';

export interface Toast {
  id: number;
  kind: 'error' | 'info' | 'success';
  message: string;
}

export type DialogState =
  | { kind: 'newTask'; parentId?: string }
  | { kind: 'spawn'; taskIds: string[] }
  | { kind: 'newProject' }
  | null;

export interface State {
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
  queues: Record<string, QueueItem[]>;
  /** Timelines of the sessions whose page was opened, oldest first. */
  timelines: Record<string, TimelineEvent[]>;
  toasts: Toast[];
  /** The dialog open over the page, if any (opened from buttons and from the command palette). */
  dialog: DialogState;
  paletteOpen: boolean;
  /** Bumped on every (re)connection of the live socket, so views can refetch what they own. */
  epoch: number;
}

const PROJECT_KEY = 'maestro.projectId';

const initial: State = {
  conn: 'connecting',
  projects: [],
  projectsLoaded: false,
  projectId: safeStorage()?.getItem(PROJECT_KEY) ?? null,
  tasks: {},
  tasksLoaded: {},
  sessions: {},
  sessionsLoaded: {},
  lastReports: {},
  queues: {},
  timelines: {},
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

export const openDialog = (dialog: DialogState) => setState({ dialog, paletteOpen: false });
export const closeDialog = () => setState({ dialog: null });

// ---- toasts -------------------------------------------------------------------------------------------

let toastSeq = 0;
export function toast(kind: Toast['kind'], message: string, ms = kind === 'error' ? 7000 : 3500): void {
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

/** Same rule as MaestroService.currentTask: the queue's current item, else the first open task in progress. */
export function currentTaskOf(s: State, session: Session): Task | null {
  if (session.strategy === 'queue') {
    const item = s.queues[session.id]?.find((q) => q.state === 'in_progress');
    if (item) return s.tasks[item.taskId] ?? null;
  }
  const mine = Object.values(s.tasks).filter(
    (t) => t.assignee === session.id && ['todo', 'in_progress', 'blocked', 'needs_input'].includes(t.status),
  );
  return mine.find((t) => t.status !== 'todo') ?? mine[0] ?? null;
}

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

export async function loadSessions(projectId: string): Promise<void> {
  const sessions = await api.sessions(projectId);
  setState((s) => {
    const kept = Object.values(s.sessions).filter((x) => x.projectId !== projectId);
    return { sessions: { ...byId(kept), ...byId(sessions) }, sessionsLoaded: { ...s.sessionsLoaded, [projectId]: true } };
  });
  // The list has no "last report" nor queue: fetch them per session (the 60 newest), a few at a time.
  const queue = [...sessions].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, 60);
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      try {
        const info = await api.sessionInfo(next.id, 1);
        setState((s) => ({
          lastReports: info.lastReport ? { ...s.lastReports, [next.id]: info.lastReport } : s.lastReports,
          queues: info.queue ? { ...s.queues, [next.id]: info.queue } : s.queues,
        }));
      } catch {
        /* the session may have gone; the list is still useful */
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
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

/** Everything the page shows, again: after a reconnect the socket may have missed events. */
export async function refreshAll(): Promise<void> {
  await loadProjects();
  const { projectId, timelines } = getState();
  const jobs: Promise<unknown>[] = [];
  if (projectId) jobs.push(loadProjectData(projectId));
  for (const sessionId of Object.keys(timelines)) jobs.push(loadTimeline(sessionId).catch(() => undefined));
  await Promise.all(jobs);
}

// ---- live events ---------------------------------------------------------------------------------------------

let taskRefetch: ReturnType<typeof setTimeout> | undefined;
/** A status change can make other tasks ready (or not): refetch the project's tasks shortly after. */
function scheduleTaskRefetch(projectId: string): void {
  clearTimeout(taskRefetch);
  taskRefetch = setTimeout(() => {
    if (getState().projectId === projectId) loadTasks(projectId).catch(() => undefined);
  }, 250);
}

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
    case 'task.created':
    case 'task.updated': {
      const t = ev.task;
      const before = state.tasks[t.id];
      setState((s) => ({ tasks: { ...s.tasks, [t.id]: t } }));
      if (!before || before.status !== t.status || before.dependencies.join() !== t.dependencies.join())
        scheduleTaskRefetch(t.projectId);
      return;
    }
    case 'session.created':
    case 'session.updated': {
      const x = ev.session;
      setState((s) => ({ sessions: { ...s.sessions, [x.id]: x } }));
      return;
    }
    case 'session.event': {
      const e = ev.event;
      setState((s) => ({
        timelines: s.timelines[ev.sessionId] ? { ...s.timelines, [ev.sessionId]: mergeEvents(s.timelines[ev.sessionId]!, [e]) } : s.timelines,
        lastReports: (REPORT_KINDS as readonly string[]).includes(e.kind) ? { ...s.lastReports, [ev.sessionId]: e } : s.lastReports,
      }));
      return;
    }
    case 'queue.updated':
      setState((s) => ({ queues: { ...s.queues, [ev.sessionId]: ev.items } }));
      return;
    default:
      return; // templates are not shown
  }
}
