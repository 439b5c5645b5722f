import { performance } from 'node:perf_hooks';

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

  /** Whether this slice has had its time (checked every CHECK_EVERY calls). */
  due(): boolean {
    if (++this.steps < CHECK_EVERY) return false;
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
 * Rows in creation order, read a page at a time with the turn given away between pages (100k tasks in one
 * query held the server for 120 ms): `query` returns the rows after `afterSeq`, in seq order, at most
 * `limit`. Not a snapshot: a task created meanwhile may be included, one deleted meanwhile may be too
 * (callers read the tasks themselves later, and skip those gone).
 */
export async function projectRowsPaged<T>(
  query: (afterSeq: number, limit: number) => Array<T & { seq: number }>,
  slices: Slices,
  pageSize = ROW_PAGE,
): Promise<T[]> {
  const rows: T[] = [];
  let after = 0;
  for (;;) {
    const page = query(after, pageSize);
    for (const row of page) rows.push(row);
    if (page.length < pageSize) return rows;
    after = page[page.length - 1]!.seq;
    await slices.next();
  }
}

/** Rows per page of `projectRowsPaged`: about 3 ms of SQLite each. */
const ROW_PAGE = 2_000;
