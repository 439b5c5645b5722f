// The state container: the State shape, its initial value, setState/getState and the useAppState hook.
import { useEffect, useState } from 'preact/hooks';
import type { TaskCounts } from '../api';
import type { Project, QueueItem, QueueStatus, Session, Task, Template, TimelineEvent } from '../types';
import type { TaskList } from './taskQuery';

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
  /**
   * Every task the page has seen, by id: from the pages of lists, fetched one by one for a title, or
   * brought by live events. Never a whole project: views read lists (`lists`), not this, to show tasks.
   */
  tasks: Record<string, Task>;
  /** Task ids the server said do not exist (a deleted task a session or an address still names). */
  missingTasks: Record<string, true>;
  /** The paged task lists views asked for, by query key (taskLists.ts). */
  lists: Record<string, TaskList>;
  /** Each project's task counts (all, ready, by status), once a view asked for them. */
  taskCounts: Record<string, TaskCounts>;
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
  /** Whether the sessions of every project have been loaded (the all-projects overview asked for them). */
  allSessionsLoaded: boolean;
  /** When a session entered its status, for the changes this page saw live (else views estimate it). */
  statusSince: Record<string, string>;
  /** Desktop notifications, as the user chose them in this browser (kept in localStorage). */
  notify: NotifySettings;
}

/** Desktop notifications: on (the browser allowed them) and whether a completed session notifies too. */
export interface NotifySettings {
  enabled: boolean;
  completed: boolean;
}

/** Where the desktop notification settings are remembered. */
export const NOTIFY_KEY = 'maestro.notifications';

export function readNotifySettings(): NotifySettings {
  try {
    const raw = JSON.parse(safeStorage()?.getItem(NOTIFY_KEY) ?? 'null') as Partial<NotifySettings> | null;
    return { enabled: raw?.enabled === true, completed: raw?.completed === true };
  } catch {
    return { enabled: false, completed: false };
  }
}

/** Where the selected project is remembered between visits. */
export const PROJECT_KEY = 'maestro.projectId';

export function safeStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

const initial: State = {
  auth: 'checking',
  authNotice: null,
  conn: 'connecting',
  projects: [],
  projectsLoaded: false,
  projectId: safeStorage()?.getItem(PROJECT_KEY) ?? null,
  tasks: {},
  missingTasks: {},
  lists: {},
  taskCounts: {},
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
  allSessionsLoaded: false,
  statusSince: {},
  notify: readNotifySettings(),
};

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
  setState({ ...initial, auth: state.auth, authNotice: state.authNotice, projectId, notify: state.notify });
}
