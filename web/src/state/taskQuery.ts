// Task list queries: what a paged list asks the server for, its key, and whether a task belongs in it (pure).
import type { Task, TaskPriority, TaskStatus } from '../types';

/** One list of a project's tasks as the server filters it (task.list): statuses, priorities, parent, text search. */
export interface TaskQuery {
  project: string;
  status?: TaskStatus[];
  priority?: TaskPriority[];
  /** Only the children of this task; null: only top-level tasks; left out: any. */
  parent?: string | null;
  search?: string;
}

/**
 * Rows of a list loaded at a position far past its loaded pages (the scrollbar dragged far down, to the
 * end): one request at that offset instead of every page before it. A list has at most one; a jump
 * elsewhere replaces it, scrolling on from its edges extends it.
 */
export interface TaskWindow {
  /** The position in the list of its first task. */
  from: number;
  ids: string[];
  /** To load on after its last task; null: it reaches the end of the list. */
  nextCursor: string | null;
}

/** The pages of a query loaded so far, in the server's order (creation), and what is left. */
export interface TaskList {
  query: TaskQuery;
  /** Bumped when the list is dropped and loaded again: an answer to an older load is thrown away. */
  epoch: number;
  /** The loaded pages: the list's first tasks, without a gap. */
  ids: string[];
  nextCursor: string | null;
  /** Tasks further down, loaded at their position (always past `ids`, which takes it over when it gets there). */
  window: TaskWindow | null;
  /** Every match as the server counted it with the first page (live changes adjust it). */
  total: number;
  /** The first page is in. */
  loaded: boolean;
  /** Every page is in. */
  complete: boolean;
  /**
   * Its pages may be out of date (a reconnect, a bulk import): the rows stay on screen while the first
   * page loads again, which then replaces them.
   */
  stale: boolean;
  loading: boolean;
  error: string | null;
}

/** The key of a query in `State.lists`: the same filters give the same key, whatever their order. */
export const listKey = (q: TaskQuery): string =>
  JSON.stringify([
    q.project,
    q.status?.length ? [...q.status].sort() : null,
    q.priority?.length ? [...q.priority].sort() : null,
    q.parent === undefined ? '*' : q.parent,
    normalSearch(q.search),
  ]);

const normalSearch = (text: string | undefined): string | null => text?.trim().toLowerCase() || null;

/** The words of a text as the server's full-text index splits them (letters and digits), lower case. */
const words = (text: string): string[] => text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);

/**
 * Whether the server would list `t` for this query. The search is matched as the server does it (every
 * word of the search starts a word of the title or description), so a live change lands where a
 * refetch would put it.
 */
export function matchesQuery(q: TaskQuery, t: Task): boolean {
  if (t.projectId !== q.project) return false;
  if (q.status?.length && !q.status.includes(t.status)) return false;
  if (q.priority?.length && !q.priority.includes(t.priority)) return false;
  if (q.parent !== undefined && (t.parentId ?? null) !== q.parent) return false;
  const search = normalSearch(q.search);
  if (!search) return true;
  const have = words(`${t.title} ${t.description}`);
  return words(search).every((w) => have.some((h) => h.startsWith(w)));
}

/** The newer of two copies of a task (a page fetched before a live change must not undo it). */
export const newerTask = (known: Task | undefined, incoming: Task): Task => (known && known.version > incoming.version ? known : incoming);
