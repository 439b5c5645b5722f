// Paged task lists: each view's query loads page by page as it scrolls (or, far ahead, at the position it
// jumped to), and live changes move tasks in and out.
import { api, errorMessage } from '../api';
import type { Task } from '../types';
import { coalesce } from './coalesce';
import { getState, setState, type State } from './container';
import { listKey, matchesQuery, newerTask, type TaskList, type TaskQuery, type TaskWindow } from './taskQuery';
import { absorbWindow, isJump, landWindow, MAX_PAGE, planWindow } from './taskWindow';

/** The first page: what fills a screen or two. Later pages grow with how far the view scrolled ahead. */
const FIRST_PAGE = 100;
const MIN_PAGE = 100;

let epochs = 0;
/** How many rows of each list a view wants loaded (the loader works until it has them). */
const wanted = new Map<string, number>();
const pumping = new Set<string>();
/** The rows far ahead each list's view wants last (its window loads them), and the lists loading one. */
const windowWanted = new Map<string, { from: number; to: number }>();
const windowPumping = new Set<string>();

const fresh = (query: TaskQuery): TaskList => ({
  query,
  epoch: ++epochs,
  ids: [],
  nextCursor: null,
  window: null,
  total: 0,
  loaded: false,
  complete: false,
  stale: false,
  loading: false,
  error: null,
});

/** Tasks into the cache, each kept at its newest version. */
export function cacheTasks(s: State, tasks: Task[]): Record<string, Task> {
  if (tasks.length === 0) return s.tasks;
  const next = { ...s.tasks };
  for (const t of tasks) next[t.id] = newerTask(next[t.id], t);
  return next;
}

/**
 * Makes sure the first `count` rows of the query's list are loaded (or all of them, if fewer): creates
 * the list when new, and fetches the pages it lacks, one request at a time per list. Cheap to call on
 * every render or scroll: it does nothing when the rows are there or a load is under way.
 */
export function loadUntil(query: TaskQuery, count = FIRST_PAGE): string {
  const key = listKey(query);
  if (!getState().lists[key]) setState((s) => (s.lists[key] ? {} : { lists: { ...forgetOldSearches(s.lists, query), [key]: fresh(query) } }));
  const list = getState().lists[key];
  if (list?.error) return key; // a failed list waits for `retryList` (no request loop against a failing server)
  wanted.set(key, Math.max(wanted.get(key) ?? 0, count));
  if (!pumping.has(key)) void pump(key);
  return key;
}

/** Searches typed one after the other each make a list: the oldest go, so they do not pile up. */
const SEARCHES_KEPT = 12;

function forgetOldSearches(lists: Record<string, TaskList>, next: TaskQuery): Record<string, TaskList> {
  if (!next.search) return lists;
  const searches = Object.entries(lists).filter(([, l]) => l.query.search);
  if (searches.length < SEARCHES_KEPT) return lists;
  const oldest = searches.sort(([, a], [, b]) => a.epoch - b.epoch).slice(0, searches.length - SEARCHES_KEPT + 1);
  const kept = { ...lists };
  for (const [key] of oldest) {
    delete kept[key];
    wanted.delete(key);
    windowWanted.delete(key);
  }
  return kept;
}

const patchList = (key: string, epoch: number, patch: (l: TaskList) => Partial<TaskList>, extra: (s: State) => Partial<State> = () => ({})) =>
  setState((s) => {
    const l = s.lists[key];
    if (!l || l.epoch !== epoch) return {};
    return { ...extra(s), lists: { ...s.lists, [key]: { ...l, ...patch(l) } } };
  });

async function pump(key: string): Promise<void> {
  pumping.add(key);
  try {
    for (;;) {
      const list = getState().lists[key];
      const want = wanted.get(key) ?? FIRST_PAGE;
      if (!list || list.error || (list.loaded && !list.stale && (list.complete || list.ids.length >= want))) return;
      const restart = !list.loaded || list.stale;
      // Jumping far ahead asks for bigger pages (up to the server's maximum) rather than many small ones.
      const limit = restart ? Math.min(MAX_PAGE, Math.max(FIRST_PAGE, want)) : Math.min(MAX_PAGE, Math.max(MIN_PAGE, want - list.ids.length));
      const { epoch } = list;
      patchList(key, epoch, () => ({ loading: true }));
      try {
        const page = await api.taskPage({
          ...list.query,
          limit,
          ...(!restart && list.nextCursor ? { cursor: list.nextCursor } : {}),
          ...(restart ? { total: true } : {}),
        });
        patchList(
          key,
          epoch,
          (l) => {
            // A task a live event already put in the list is not listed twice; a stale list starts over.
            const ids = restart ? [] : [...l.ids];
            const seen = new Set(ids);
            for (const t of page.tasks) if (!seen.has(t.id)) ids.push(t.id);
            const total = page.total ?? l.total;
            // Pages that reach the window take it over.
            return absorbWindow({
              ...l,
              ids,
              nextCursor: page.nextCursor,
              complete: page.nextCursor === null,
              loaded: true,
              stale: false,
              loading: false,
              total: page.nextCursor === null ? ids.length : Math.max(total, ids.length),
            });
          },
          (s) => ({ tasks: cacheTasks(s, page.tasks) }),
        );
      } catch (err) {
        patchList(key, epoch, () => ({ loading: false, error: errorMessage(err) }));
        return;
      }
      if (getState().lists[key]?.epoch !== epoch) return;
    }
  } finally {
    pumping.delete(key);
    // A reset while a page was on its way: the new list still wants its rows.
    const list = getState().lists[key];
    if (list && (!list.loaded || list.stale) && !list.error && wanted.has(key)) void pump(key);
  }
}

/**
 * Makes sure rows [from, to) of the query's list are loaded, as the view scrolls: the pages up to them
 * when they are near the loaded ones (`loadUntil`), or, when the view jumped far ahead, only those rows
 * and a margin, by their position (the list's window). Cheap to call on every render or scroll.
 */
export function loadRows(query: TaskQuery, from: number, to: number): string {
  const key = listKey(query);
  const list = getState().lists[key];
  if (!list || !isJump(list, from)) return loadUntil(query, to);
  if (list.error) return key;
  windowWanted.set(key, { from, to });
  if (!windowPumping.has(key)) void pumpWindow(key);
  return key;
}

/** Loads the rows far ahead a view wants last, one request at a time per list (a drag of the scrollbar asks many). */
async function pumpWindow(key: string): Promise<void> {
  windowPumping.add(key);
  try {
    for (;;) {
      const want = windowWanted.get(key);
      windowWanted.delete(key);
      const list = getState().lists[key];
      if (!want || !list || list.error || !isJump(list, want.from)) return;
      const plan = planWindow(list, want.from, want.to);
      if (!plan) continue;
      const { epoch } = list;
      try {
        const page = await api.taskPage({
          ...list.query,
          limit: plan.limit,
          ...(plan.cursor !== undefined ? { cursor: plan.cursor } : { offset: plan.offset }),
          total: true,
        });
        const ids = page.tasks.map((t) => t.id);
        patchList(
          key,
          epoch,
          (l) => {
            const window = landWindow(l.window, plan, ids, page.nextCursor);
            const total = page.total ?? l.total;
            return absorbWindow({ ...l, window, total: windowTotal(window, total, l.ids.length) });
          },
          (s) => ({ tasks: cacheTasks(s, page.tasks) }),
        );
      } catch (err) {
        patchList(key, epoch, () => ({ error: errorMessage(err) }));
        return;
      }
    }
  } finally {
    windowPumping.delete(key);
  }
}

/** The list's count with a window in: the server's, but never short of what is loaded; where the window ends when it reaches the end. */
function windowTotal(window: TaskWindow | null, counted: number, pages: number): number {
  if (!window) return Math.max(counted, pages);
  const end = window.from + window.ids.length;
  return window.nextCursor === null ? end : Math.max(counted, end);
}

/** Loads a list that failed again (the view's retry button). */
export function retryList(key: string): void {
  const list = getState().lists[key];
  if (!list) return;
  setState((s) => ({ lists: { ...s.lists, [key]: { ...list, error: null } } }));
  loadUntil(list.query, wanted.get(key) ?? FIRST_PAGE);
}

/**
 * Marks what the lists of a project (or of every project) have loaded stale: after a reconnect or a
 * bulk import the pages may be out of date. A list loads again when a view asks for it (`loadUntil`),
 * so only the lists on screen reload, their rows shown meanwhile.
 */
export function resetLists(projectId?: string): void {
  const neverLoaded: string[] = [];
  setState((s) => {
    const lists: Record<string, TaskList> = {};
    for (const [key, l] of Object.entries(s.lists)) {
      const drop = !projectId || l.query.project === projectId;
      // The window goes: its rows load again, at their position, if the view still shows them.
      lists[key] = drop ? { ...l, epoch: ++epochs, stale: true, complete: false, nextCursor: null, window: null, loading: false, error: null } : l;
      if (drop) {
        wanted.set(key, FIRST_PAGE);
        windowWanted.delete(key);
        if (!l.loaded) neverLoaded.push(key);
      }
    }
    return { lists };
  });
  // A list whose first page never came (its request failed while the server was away) shows a spinner, not
  // rows, so no view asks for it again: it loads now.
  for (const key of neverLoaded) if (!pumping.has(key)) void pump(key);
}

/** Where a task goes in a list ordered by creation: before the first loaded task created after it (-1: after the loaded ones). */
function insertAt(ids: string[], tasks: Record<string, Task>, t: Task): number {
  for (let i = ids.length - 1; i >= 0; i--) {
    const other = tasks[ids[i]!];
    if (other && other.createdAt <= t.createdAt) return i + 1 < ids.length ? i + 1 : -1;
  }
  return ids.length ? 0 : -1;
}

const recounts = new Map<string, () => void>();
/** A change the page cannot place exactly (a task it had not seen): the list's count is asked again. */
function recount(key: string): void {
  let schedule = recounts.get(key);
  if (!schedule) {
    schedule = coalesce(async () => {
      const list = getState().lists[key];
      if (!list?.loaded) return;
      const page = await api.taskPage({ ...list.query, limit: 1, total: true });
      if (page.total !== undefined) patchList(key, list.epoch, (l) => ({ total: windowTotal(l.window, page.total!, l.ids.length) }));
    }, 300);
    recounts.set(key, schedule);
  }
  schedule();
}

/**
 * A task created or changed (live event, or the answer to the page's own change): into the cache, and
 * into or out of every loaded list of its project whose query it now matches or no longer matches, the
 * lists' counts adjusted. Nothing is refetched but, rarely, one list's count.
 */
export function putTask(t: Task, created = false): void {
  const before = getState().tasks[t.id];
  if (before && before.version > t.version) return;
  const unsure: string[] = [];
  setState((s) => {
    const tasks = { ...s.tasks, [t.id]: t };
    let lists = s.lists;
    for (const [key, l] of Object.entries(s.lists)) {
      if (l.query.project !== t.projectId || !l.loaded) continue;
      const is = matchesQuery(l.query, t);
      const inPages = l.ids.includes(t.id);
      const inWindow = l.window?.ids.includes(t.id) ?? false;
      const listed = inPages || inWindow;
      const was = before ? matchesQuery(l.query, before) : listed;
      if (!before && !created && is && !listed) unsure.push(key);
      let next = l;
      if (was && !is)
        next = {
          ...l,
          ids: inPages ? l.ids.filter((id) => id !== t.id) : l.ids,
          window: l.window && windowWithout(l.window, tasks, before ?? t, inPages),
          total: Math.max(0, l.total - 1),
        };
      else if (!was && is && !listed) {
        const at = insertAt(l.ids, tasks, t);
        const ids = at < 0 ? (l.complete ? [...l.ids, t.id] : l.ids) : [...l.ids.slice(0, at), t.id, ...l.ids.slice(at)];
        const window = l.window && (at >= 0 ? { ...l.window, from: l.window.from + 1 } : windowWith(l.window, tasks, t));
        next = { ...l, ids, window, total: before || created ? l.total + 1 : l.total };
      }
      if (next !== l) lists = { ...lists, [key]: absorbWindow(next) };
    }
    return { tasks, lists };
  });
  for (const key of unsure) recount(key);
}

/**
 * A window once a task that left the list is out: out of its rows, or, when it was before them (in the
 * loaded pages, or created before the window's first task), the window one row up.
 */
function windowWithout(w: TaskWindow, tasks: Record<string, Task>, gone: Task, inPages: boolean): TaskWindow | null {
  if (w.ids.includes(gone.id)) {
    const ids = w.ids.filter((id) => id !== gone.id);
    return ids.length ? { ...w, ids } : null;
  }
  const first = tasks[w.ids[0]!];
  return inPages || (first && gone.createdAt < first.createdAt) ? { ...w, from: w.from - 1 } : w;
}

/**
 * A window once a task that joined the list past its loaded pages is in: among its rows when it falls
 * between them, or at its end when nothing follows it; before its first row, the window one row down.
 */
function windowWith(w: TaskWindow, tasks: Record<string, Task>, t: Task): TaskWindow {
  const at = insertAt(w.ids, tasks, t);
  if (at > 0) return { ...w, ids: [...w.ids.slice(0, at), t.id, ...w.ids.slice(at)] };
  if (at === 0) return { ...w, from: w.from + 1 };
  return w.nextCursor === null ? { ...w, ids: [...w.ids, t.id] } : w;
}

/** Tasks fetched outside a list (one task by id, a session's tasks): into the cache only. */
export const cacheOnly = (tasks: Task[]): void => setState((s) => ({ tasks: cacheTasks(s, tasks) }));
