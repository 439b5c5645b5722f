import { useEffect, useState } from 'preact/hooks';

/*
 * History routing (the server answers every non-/api path with index.html):
 *   /overview                              every project's sessions at once (needs input first), the user's inbox
 *   /projects                              project picker and "new project"
 *   /projects/:projectId/tasks[/:taskId]   task tree or board (+ task panel); ?status=todo,done filters, ?view=board
 *   /projects/:projectId/sessions          sessions of the project
 *   /sessions/:sessionId[/terminal|/replay|/conversation|/changes|/messages] one session: timeline, live terminal,
 *                                          replay, transcript, its worktree's changes, its messages
 *   /library[/skills/:name]                session templates and the current project's skills (one read)
 */
export type TaskView = 'tree' | 'board';
export type SessionTab = 'timeline' | 'terminal' | 'replay' | 'conversation' | 'changes' | 'messages';
const SESSION_TABS: readonly string[] = ['timeline', 'terminal', 'replay', 'conversation', 'changes', 'messages'] satisfies SessionTab[];

export type Route =
  | { name: 'home' }
  | { name: 'projects' }
  | { name: 'overview' }
  | { name: 'tasks'; projectId: string; taskId: string | null; status: string[]; view: TaskView | null }
  | { name: 'sessions'; projectId: string }
  | { name: 'session'; sessionId: string; tab: SessionTab }
  | { name: 'library'; skill: string | null }
  | { name: 'notFound'; path: string };

export function parseRoute(pathname: string, search: string): Route {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const q = new URLSearchParams(search);
  if (parts.length === 0) return { name: 'home' };
  if (parts[0] === 'overview' && parts.length === 1) return { name: 'overview' };
  if (parts[0] === 'projects') {
    if (parts.length === 1) return { name: 'projects' };
    const projectId = parts[1]!;
    if (parts[2] === 'tasks' && parts.length <= 4) {
      const status = (q.get('status') ?? '').split(',').filter(Boolean);
      const v = q.get('view');
      return { name: 'tasks', projectId, taskId: parts[3] ?? null, status, view: v === 'board' || v === 'tree' ? v : null };
    }
    if (parts[2] === 'sessions' && parts.length === 3) return { name: 'sessions', projectId };
    if (parts.length === 2) return { name: 'tasks', projectId, taskId: null, status: [], view: null };
  }
  if (parts[0] === 'sessions' && parts[1]) {
    const tab = parts[2] ?? 'timeline';
    if (parts.length <= 3 && SESSION_TABS.includes(tab)) return { name: 'session', sessionId: parts[1], tab: tab as SessionTab };
  }
  if (parts[0] === 'library') {
    if (parts.length === 1) return { name: 'library', skill: null };
    if (parts.length === 3 && parts[1] === 'skills') return { name: 'library', skill: parts[2]! };
  }
  return { name: 'notFound', path: pathname };
}

const enc = encodeURIComponent;
const taskQuery = (status: string[], view?: TaskView | null): string => {
  const q: string[] = [];
  if (status.length) q.push(`status=${status.map(enc).join(',')}`);
  if (view) q.push(`view=${view}`);
  return q.length ? `?${q.join('&')}` : '';
};

export const paths = {
  projects: () => '/projects',
  overview: () => '/overview',
  tasks: (projectId: string, status: string[] = [], view?: TaskView | null) =>
    `/projects/${enc(projectId)}/tasks${taskQuery(status, view)}`,
  task: (projectId: string, taskId: string, status: string[] = [], view?: TaskView | null) =>
    `/projects/${enc(projectId)}/tasks/${enc(taskId)}${taskQuery(status, view)}`,
  sessions: (projectId: string) => `/projects/${enc(projectId)}/sessions`,
  session: (sessionId: string, tab: SessionTab = 'timeline') =>
    `/sessions/${enc(sessionId)}${tab === 'timeline' ? '' : `/${tab}`}`,
  library: () => '/library',
  skill: (name: string) => `/library/skills/${enc(name)}`,
};

const listeners = new Set<() => void>();
const current = () => parseRoute(location.pathname, location.search);

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === location.pathname + location.search) return;
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  for (const l of listeners) l();
  if (!opts.replace) window.scrollTo({ top: 0 });
}

window.addEventListener('popstate', () => {
  for (const l of listeners) l();
});

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const l = () => setRoute(current());
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, []);
  return route;
}

/** Click handler for in-app links: keeps modifier clicks (new tab) native. */
export function onLinkClick(e: MouseEvent, href: string): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(href);
}
