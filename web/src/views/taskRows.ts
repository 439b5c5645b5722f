import { listKey, type TaskList, type TaskQuery } from '../state/taskQuery';
import type { TaskPriority, TaskStatus } from '../types';

/**
 * The rows of the task list as the virtual list shows them (pure: no DOM, no state). Loaded tasks are
 * one row each; what a list has not loaded yet is one run of placeholder rows as long as the server's
 * count, so the scrollbar is the whole list's from the start; an expanded task's children follow it.
 * A list's window (rows loaded far down, where the view jumped) sits at its position in those runs.
 */
export type Row =
  | { kind: 'task'; id: string; depth: number }
  /** Row `index` of the list `key`, not loaded yet. */
  | { kind: 'gap'; key: string; query: TaskQuery; index: number; depth: number }
  /** The head of a section (one status, or one priority). */
  | { kind: 'head'; section: Section; total: number | null };

/** What a section of the grouped list gathers. */
export type Section = { by: 'status'; value: TaskStatus } | { by: 'priority'; value: TaskPriority };

/** What the rows are made of: lists one after the other, each under an optional section head. */
export interface RowSource {
  query: TaskQuery;
  head?: Section;
}

type Segment =
  | { kind: 'task'; id: string; depth: number }
  | { kind: 'gap'; key: string; query: TaskQuery; from: number; count: number; depth: number }
  | { kind: 'head'; section: Section; total: number | null };

export interface Rows {
  count: number;
  at(index: number): Row;
  /** For each run of a list's rows not loaded in [first, last): the positions in the list it starts at and reaches. */
  wanted(first: number, last: number): { query: TaskQuery; from: number; count: number }[];
  /** Every list the rows come from (a stale one loads again when asked for). */
  queries: TaskQuery[];
}

/**
 * `expanded`: the tasks whose children show under them (tree), each children list paged like the top.
 * `lists`: the lists loaded so far, by key.
 */
export function buildRows(sources: RowSource[], lists: Record<string, TaskList>, expanded: ReadonlySet<string>): Rows {
  const segments: Segment[] = [];
  const starts: number[] = [];
  let count = 0;
  const push = (seg: Segment, size: number) => {
    segments.push(seg);
    starts.push(count);
    count += size;
  };
  const queries: TaskQuery[] = [];
  const addList = (query: TaskQuery, depth: number, guard: Set<string>) => {
    queries.push(query);
    const key = listKey(query);
    const list = lists[key];
    const ids = list?.ids ?? [];
    const addTasks = (run: string[]) => {
      for (const id of run) {
        push({ kind: 'task', id, depth }, 1);
        // `guard`: a task met again below itself (a parent changed while both pages were loaded) is not expanded twice.
        if (expanded.has(id) && !guard.has(id)) addList({ project: query.project, parent: id }, depth + 1, new Set(guard).add(id));
      }
    };
    /** Placeholders for the list's rows from position `from` on. */
    const gap = (from: number, count: number) => push({ kind: 'gap', key, query, from, count, depth }, count);
    addTasks(ids);
    if (!list || !list.loaded) return gap(ids.length, 1);
    if (list.complete) return;
    // A window always starts past the pages (they take it over when they reach it); one that does not is not shown.
    const w = list.window && list.window.from > ids.length ? list.window : null;
    if (!w) return gap(ids.length, Math.max(1, list.total - ids.length));
    gap(ids.length, w.from - ids.length);
    addTasks(w.ids);
    const end = w.from + w.ids.length;
    if (w.nextCursor !== null) gap(end, Math.max(1, list.total - end));
  };
  for (const source of sources) {
    if (source.head) {
      const list = lists[listKey(source.query)];
      if (list?.loaded && list.total === 0) continue; // an empty section shows nothing, not even its head
      push({ kind: 'head', section: source.head, total: list?.loaded ? list.total : null }, 1);
    }
    addList(source.query, 0, new Set());
  }

  const segmentOf = (index: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };

  return {
    count,
    queries,
    at(index) {
      const i = segmentOf(index);
      const seg = segments[i]!;
      if (seg.kind !== 'gap') return seg;
      return { kind: 'gap', key: seg.key, query: seg.query, index: seg.from + index - starts[i]!, depth: seg.depth };
    },
    wanted(first, last) {
      const out: { query: TaskQuery; from: number; count: number }[] = [];
      if (count === 0 || last <= first) return out;
      for (let i = segmentOf(first); i < segments.length && starts[i]! < last; i++) {
        const seg = segments[i]!;
        if (seg.kind !== 'gap') continue;
        const skip = Math.max(0, first - starts[i]!);
        const reach = Math.min(seg.count, last - starts[i]!);
        out.push({ query: seg.query, from: seg.from + skip, count: seg.from + reach });
      }
      return out;
    },
  };
}
