// A list's window (pure): where to load rows far past its pages, how an answer lands, and how the pages take it over.
import type { TaskList, TaskWindow } from './taskQuery';

/** Rows wanted further than this past the loaded pages are loaded at their position (two of the largest pages). */
export const JUMP_ROWS = 2000;
/** The server's largest page. */
export const MAX_PAGE = 1000;
/** Rows loaded on each side of the ones wanted, so a small scroll after a jump meets no placeholder. */
const MARGIN = 100;

/** One request for a window: its tasks start at position `at`, by `offset` (or after `cursor`, extending `base`). */
export interface WindowPlan {
  at: number;
  limit: number;
  offset?: number;
  cursor?: string;
  /** replace: a new window; append / prepend: the rows just after / before `base`, which they extend. */
  place: 'replace' | 'append' | 'prepend';
  base: TaskWindow | null;
}

/** Where the list's loaded pages end, as far as a jump is measured: a stale list loads its first page again. */
export const pagesEnd = (l: TaskList): number => (l.stale ? 0 : l.ids.length);

/** Whether rows from `from` on are far enough past the loaded pages to load at their position. */
export const isJump = (l: TaskList, from: number): boolean => l.loaded && !l.complete && from > pagesEnd(l) + JUMP_ROWS;

/**
 * The request that loads rows [from, to) of a list far past its pages: the window extended when they
 * are near one of its edges (so scrolling on from a jump reads on), a new window otherwise; null when
 * the window has them.
 */
export function planWindow(l: TaskList, from: number, to: number): WindowPlan | null {
  const w = l.window;
  const floor = l.ids.length;
  const fresh = (): WindowPlan => {
    const offset = Math.max(floor, from - MARGIN);
    return { at: offset, offset, limit: Math.min(MAX_PAGE, Math.max(1, to - offset + MARGIN)), place: 'replace', base: null };
  };
  if (!w) return fresh();
  const end = w.from + w.ids.length;
  if (from >= w.from && to <= end) return null;
  if (from >= end && from <= end + JUMP_ROWS) {
    if (w.nextCursor === null) return null; // nothing follows the window: those rows do not exist
    return { at: end, cursor: w.nextCursor, limit: Math.min(MAX_PAGE, Math.max(1, to - end + MARGIN)), place: 'append', base: w };
  }
  if (to <= w.from && from >= w.from - JUMP_ROWS) {
    const offset = Math.max(floor, from - MARGIN);
    if (w.from - offset <= MAX_PAGE) return { at: offset, offset, limit: w.from - offset, place: 'prepend', base: w };
  }
  return fresh();
}

/**
 * The window once `plan`'s answer (`ids`, `nextCursor`) is in. An extension lands on its window only if
 * that window is still there (at the same position) and, before it, only if it fills the rows up to it
 * exactly; otherwise the answer is a window of its own. A task already in the window is not listed twice.
 */
export function landWindow(current: TaskWindow | null, plan: WindowPlan, ids: string[], nextCursor: string | null): TaskWindow | null {
  const base = plan.base;
  const same = base !== null && current !== null && current.from === base.from;
  if (plan.place === 'append' && same) {
    const have = new Set(current.ids);
    return { from: current.from, ids: [...current.ids, ...ids.filter((id) => !have.has(id))], nextCursor };
  }
  if (plan.place === 'prepend' && same && ids.length === plan.limit) {
    const fetched = new Set(ids);
    return { from: plan.at, ids: [...ids, ...current.ids.filter((id) => !fetched.has(id))], nextCursor: current.nextCursor };
  }
  return ids.length === 0 ? null : { from: plan.at, ids, nextCursor };
}

/**
 * The list with its window taken over by its pages once they reach it (by position, or by a task both
 * hold: a live change may have moved the positions): the window's tasks after that point continue the
 * pages, which go on from the window's cursor. So no task is ever listed twice.
 */
export function absorbWindow(l: TaskList): TaskList {
  const w = l.window;
  if (!w) return l;
  if (l.complete) return { ...l, window: null };
  const inWindow = new Map(w.ids.map((id, i) => [id, i]));
  let lastShared = -1;
  for (const id of l.ids) {
    const i = inWindow.get(id);
    if (i !== undefined && i > lastShared) lastShared = i;
  }
  if (lastShared < 0 && w.from > l.ids.length) return l;
  const start = lastShared >= 0 ? lastShared + 1 : l.ids.length - w.from;
  if (start >= w.ids.length && w.nextCursor !== null) return { ...l, window: null };
  const seen = new Set(l.ids);
  const ids = [...l.ids, ...w.ids.slice(start).filter((id) => !seen.has(id))];
  const complete = w.nextCursor === null;
  return { ...l, ids, window: null, nextCursor: w.nextCursor, complete, total: complete ? ids.length : Math.max(l.total, ids.length) };
}
