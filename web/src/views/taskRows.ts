import { listKey, type TaskList, type TaskQuery } from '../state/taskQuery';
import type { TaskPriority, TaskStatus } from '../types';

/**
 * The rows of the task list as the virtual list shows them (pure: no DOM, no state). Loaded tasks are
 * one row each; what a list has not loaded yet is one run of placeholder rows as long as the server's
 * count, so the scrollbar is the whole list's from the start; an expanded task's children follow it.
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
  /** For each list with rows not loaded in [first, last): how many of its rows those reach. */
  wanted(first: number, last: number): { query: TaskQuery; count: number }[];
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
    for (const id of ids) {
      push({ kind: 'task', id, depth }, 1);
      // `guard`: a task met again below itself (a parent changed while both pages were loaded) is not expanded twice.
      if (expanded.has(id) && !guard.has(id)) addList({ project: query.project, parent: id }, depth + 1, new Set(guard).add(id));
    }
    const left = !list || !list.loaded ? 1 : list.complete ? 0 : Math.max(1, list.total - ids.length);
    if (left > 0) push({ kind: 'gap', key, query, from: ids.length, count: left, depth }, left);
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
      const out: { query: TaskQuery; count: number }[] = [];
      if (count === 0 || last <= first) return out;
      for (let i = segmentOf(first); i < segments.length && starts[i]! < last; i++) {
        const seg = segments[i]!;
        if (seg.kind !== 'gap') continue;
        const reach = Math.min(seg.count, last - starts[i]!);
        out.push({ query: seg.query, count: seg.from + reach });
      }
      return out;
    },
  };
}
