import type { TaskView } from '../router';
import { TASK_PRIORITIES, TASK_STATUSES, type Task, type TaskStatus } from '../types';
import type { RowSource } from './taskRows';

/** Pure helpers of the task views: what lists they show, the status filter, the remembered view. No DOM, no state. */

/**
 * How the list is laid out: `created` is the tree in creation order (the top level paged, children
 * loaded when a task is expanded), or one flat list of matches while a filter or search is on; `status`
 * is one section per status, each its own paged list with its count.
 */
export type SortMode = 'created' | 'status' | 'priority';

/** The known statuses among the `?status=` values of the address. */
export const parseStatusFilter = (status: string[]): TaskStatus[] =>
  status.filter((x): x is TaskStatus => (TASK_STATUSES as readonly string[]).includes(x));

/** Whether the list is the tree (nothing filters it) or flat lists of matches. */
export const isTree = (sort: SortMode, status: TaskStatus[], search: string): boolean => sort === 'created' && status.length === 0 && !search;

/** The lists the task page shows for these filters (see SortMode). */
export function taskSources(project: string, status: TaskStatus[], search: string, sort: SortMode): RowSource[] {
  const text = search ? { search } : {};
  if (sort === 'status')
    return (status.length ? TASK_STATUSES.filter((st) => status.includes(st)) : [...TASK_STATUSES]).map((st) => ({
      head: { by: 'status' as const, value: st },
      query: { project, status: [st], ...text },
    }));
  // Most urgent first; each priority a paged list of its own (task.list filters by priority on the server).
  if (sort === 'priority')
    return [...TASK_PRIORITIES].reverse().map((p) => ({
      head: { by: 'priority' as const, value: p },
      query: { project, priority: [p], ...(status.length ? { status } : {}), ...text },
    }));
  if (isTree(sort, status, search)) return [{ query: { project, parent: null } }];
  return [{ query: { project, ...(status.length ? { status } : {}), ...text } }];
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
