import { performance } from 'node:perf_hooks';
import type { TaskStatus } from './schemas.js';
import type { Store } from './store.js';

/**
 * Long work of one request (a whole project's tree or export) in slices, so that the server's other
 * requests run in between: inside a loop, `if (slices.due()) await slices.next()`. Reading the clock costs
 * more than a loop step, so it is read every `CHECK_EVERY` steps only.
 */
export class Slices {
  private startedAt = performance.now();
  private steps = 0;

  /** `budgetMs`: how long a slice runs before it gives the turn away (0: at every check). */
  constructor(private readonly budgetMs = SLICE_MS) {}

  /** Whether this slice has had its time (checked every CHECK_EVERY steps; a call may count as several). */
  due(steps = 1): boolean {
    this.steps += steps;
    if (this.steps < CHECK_EVERY) return false;
    this.steps = 0;
    return performance.now() - this.startedAt >= this.budgetMs;
  }

  /** Gives the turn away (to the I/O and requests waiting) and starts the next slice. */
  async next(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.startedAt = performance.now();
    this.steps = 0;
  }
}

/** A slice's time: a few of the server's 2 ms turns (http/turns.ts), small beside a client's patience. */
export const SLICE_MS = 5;
const CHECK_EVERY = 256;

/**
 * A project's tasks (`columns` of each, and its seq) in creation order, those in `status` only when it is
 * given, read a page at a time with the turn given away between pages: 100k tasks in one query held the
 * server for 120 ms. Not a snapshot: a task created (or moved into `status`) meanwhile may be included, one
 * deleted meanwhile may be too (callers read the tasks themselves later, and skip those gone).
 */
export async function projectTaskRows<T>(
  store: Store,
  projectId: string,
  columns: string,
  slices: Slices,
  status?: TaskStatus,
): Promise<Array<T & { seq: number }>> {
  const only = status === undefined ? '' : ' AND status = ?';
  const page = store.prepare(`SELECT ${columns}, seq FROM tasks WHERE project_id = ?${only} AND seq > ? ORDER BY seq LIMIT ?`);
  const rows: Array<T & { seq: number }> = [];
  let after = 0;
  for (;;) {
    const read = (status === undefined ? page.all(projectId, after, ROW_PAGE) : page.all(projectId, status, after, ROW_PAGE)) as Array<T & { seq: number }>;
    for (const row of read) rows.push(row);
    if (read.length < ROW_PAGE) return rows;
    after = read[read.length - 1]!.seq;
    await slices.next();
  }
}

/** Rows per page of `projectTaskRows`: about 3 ms of SQLite each. */
const ROW_PAGE = 2_000;
