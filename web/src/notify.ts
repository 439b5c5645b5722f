import { api } from './api';
import { navigate, paths } from './router';
import { getState, NOTIFY_KEY, onLiveEvent, safeStorage, setState, toast, type NotifySettings } from './store';
import type { Session, SessionStatus, TimelineEvent } from './types';

/*
 * Desktop notifications (issue 12): with the browser's permission, a session that enters needs_input,
 * blocked or failed (and completed, when asked for) shows a system notification naming the project, the
 * session, its task and its question; clicking it brings the dashboard forward on that session. Only
 * changes seen live notify: what the page loads (state it finds) never does. The choice is kept per
 * browser in localStorage.
 */

const supported = (): boolean => typeof window !== 'undefined' && 'Notification' in window;

/** Whether notifications would show now: switched on here and allowed by the browser. */
export const notificationsActive = (settings: NotifySettings = getState().notify): boolean =>
  settings.enabled && supported() && Notification.permission === 'granted';

function save(settings: NotifySettings): void {
  safeStorage()?.setItem(NOTIFY_KEY, JSON.stringify(settings));
  setState({ notify: settings });
}

/** The toggle: switching on asks the browser's permission first, and stays off when it is refused. */
export async function setNotificationsEnabled(enabled: boolean): Promise<void> {
  const current = getState().notify;
  if (!enabled) return save({ ...current, enabled: false });
  if (!supported()) {
    toast('error', 'This browser cannot show desktop notifications.');
    return save({ ...current, enabled: false });
  }
  let permission = Notification.permission;
  if (permission === 'default') permission = await Notification.requestPermission();
  if (permission !== 'granted') {
    toast('error', 'The browser does not allow notifications from this page: allow them in its site settings, then switch them on again.');
    return save({ ...current, enabled: false });
  }
  save({ ...current, enabled: true });
}

export const setNotifyOnCompleted = (completed: boolean): void => save({ ...getState().notify, completed });

const HEADLINE: Partial<Record<SessionStatus, string>> = {
  needs_input: 'needs your input',
  blocked: 'is blocked',
  failed: 'failed',
  completed: 'completed',
};

/** The report kind that explains each status (its message is the question, the blocker, the error…). */
const REPORT_OF: Partial<Record<SessionStatus, TimelineEvent['kind']>> = {
  needs_input: 'needs_input',
  blocked: 'blocked',
  failed: 'error',
  completed: 'complete',
};

const watched = (status: SessionStatus, settings: NotifySettings): boolean =>
  status === 'needs_input' || status === 'blocked' || status === 'failed' || (status === 'completed' && settings.completed);

/** The title of the session's task: from the page, else asked of the server (another project's task). */
async function taskTitle(session: Session, report: TimelineEvent | undefined): Promise<string | null> {
  const s = getState();
  const id = report?.taskId ?? s.currentTaskIds[session.id] ?? (session.taskIds.length === 1 ? session.taskIds[0] : undefined);
  if (!id) return null;
  const known = s.tasks[id];
  if (known) return known.title;
  try {
    return (await api.task(id)).title;
  } catch {
    return null;
  }
}

/** What the notification says: "<project>: <session> needs your input", then the task and the question. */
export async function describe(session: Session): Promise<{ title: string; body: string }> {
  const s = getState();
  const project = s.projects.find((p) => p.id === session.projectId)?.name ?? session.projectId;
  const last = s.lastReports[session.id];
  const report = last && last.kind === REPORT_OF[session.status] ? last : undefined;
  const task = await taskTitle(session, report);
  const lines = [task ? `Task: ${task}` : null, report?.message ?? null].filter((l): l is string => !!l);
  return { title: `${project}: ${session.name} ${HEADLINE[session.status] ?? session.status}`, body: lines.join('\n') };
}

async function show(session: Session): Promise<void> {
  const { title, body } = await describe(session);
  if (!notificationsActive()) return;
  const n = new Notification(title, { body, tag: `maestro:${session.id}:${session.status}` });
  n.onclick = () => {
    window.focus();
    navigate(paths.session(session.id));
    n.close();
  };
}

/**
 * Follows the live events for the life of the page. Each session's last status is remembered (from the
 * state, for sessions the page loaded), so a transition notifies once and repeated updates in the same
 * status (a reason changing, a version bump) do not.
 */
export function startDesktopNotifications(): () => void {
  const seen = new Map<string, SessionStatus>();
  return onLiveEvent((ev) => {
    if (ev.type !== 'session.updated' && ev.type !== 'session.created') return;
    const x = ev.session;
    // Called before the store applies the event: the state still holds the status the page knew.
    const before = seen.get(x.id) ?? getState().sessions[x.id]?.status;
    seen.set(x.id, x.status);
    const settings = getState().notify;
    if (before === x.status || !watched(x.status, settings) || !notificationsActive(settings)) return;
    // After the store has the event (the report event came before it): the question is in the state.
    queueMicrotask(() => void show(x).catch((err: unknown) => console.error(err)));
  });
}
