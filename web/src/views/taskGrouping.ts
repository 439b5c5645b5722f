import type { TaskView } from '../router';
import { TASK_STATUSES, type Task, type TaskPriority, type TaskStatus } from '../types';

/** Pure helpers of the task views: sorting, filtering, the tree, counts. No DOM, no state. */

export type SortMode = 'created' | 'priority' | 'status';
export type TaskSorter = (a: Task, b: Task) => number;
/** Why a task is on screen: it matches the filter, or a descendant does (shown dimmed, for context). */
export type Shown = Map<string, 'match' | 'context'>;
/** Children of each task id (`null`: the top level), each list sorted. */
export type TaskTree = Map<string | null, Task[]>;

const PRIORITY_RANK: Record<TaskPriority, number> = { critical: 0, high: 1, medium: 2, low: 3 };
const STATUS_RANK: Record<TaskStatus, number> = { needs_input: 0, blocked: 1, in_progress: 2, todo: 3, done: 4, cancelled: 5 };

/** Sorters; `rank` is the server's creation order (tasks arrive ordered by their sequence number). */
export const sorter = (mode: SortMode, rank: Map<string, number>): TaskSorter => {
  const created = (a: Task, b: Task) => (rank.get(a.id) ?? 0) - (rank.get(b.id) ?? 0) || a.createdAt.localeCompare(b.createdAt);
  if (mode === 'priority') return (a: Task, b: Task) => PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || created(a, b);
  if (mode === 'status') return (a: Task, b: Task) => STATUS_RANK[a.status] - STATUS_RANK[b.status] || created(a, b);
  return created;
};

/** The sorter for `mode` over `tasks` in the order the server sent them. */
export const taskSorter = (mode: SortMode, tasks: Task[]): TaskSorter => sorter(mode, new Map(tasks.map((t, i) => [t.id, i])));

/** The known statuses among the `?status=` values of the address. */
export const parseStatusFilter = (status: string[]): TaskStatus[] =>
  status.filter((x): x is TaskStatus => (TASK_STATUSES as readonly string[]).includes(x));

/** How many tasks have each status. */
export function countByStatus(tasks: Task[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const t of tasks) c[t.status] = (c[t.status] ?? 0) + 1;
  return c;
}

export function buildTree(tasks: Task[], status: TaskStatus[], text: string, sorter: TaskSorter) {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const children: TaskTree = new Map();
  for (const t of tasks) {
    const parent = t.parentId && byId.has(t.parentId) ? t.parentId : null;
    const list = children.get(parent) ?? [];
    list.push(t);
    children.set(parent, list);
  }
  for (const list of children.values()) list.sort(sorter);
  const q = text.trim().toLowerCase();
  const matches = (t: Task) =>
    (status.length === 0 || status.includes(t.status)) &&
    (!q || t.title.toLowerCase().includes(q) || t.id.toLowerCase().includes(q) || t.description.toLowerCase().includes(q));
  // A task is shown when it matches, or when a descendant does (then it is shown dimmed, for context).
  const shown: Shown = new Map();
  let matched = 0;
  for (const t of tasks) {
    if (!matches(t)) continue;
    matched++;
    shown.set(t.id, 'match');
    for (let p = t.parentId ? byId.get(t.parentId) : undefined; p && !shown.has(p.id); p = p.parentId ? byId.get(p.parentId) : undefined)
      shown.set(p.id, 'context');
  }
  const roots = (children.get(null) ?? []).filter((t) => shown.has(t.id));
  return { roots, children, shown, matched };
}

/** Ids of a task and everything under it: none of them can become its parent. */
export function subtreeIds(tasks: Task[], rootId: string): Set<string> {
  const out = new Set([rootId]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const t of tasks)
      if (t.parentId && out.has(t.parentId) && !out.has(t.id)) {
        out.add(t.id);
        grew = true;
      }
  }
  return out;
}

const VIEW_KEY = 'maestro.taskView';

/** The tree/board choice remembered in this browser (tree when none, or storage is unavailable). */
export const storedView = (): TaskView => {
  try {
    return localStorage.getItem(VIEW_KEY) === 'board' ? 'board' : 'tree';
  } catch {
    return 'tree';
  }
};

export const storeView = (v: TaskView): void => {
  try {
    localStorage.setItem(VIEW_KEY, v);
  } catch {
    /* private mode */
  }
};
