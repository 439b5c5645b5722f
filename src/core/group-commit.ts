import type { Statement } from 'better-sqlite3';
import { performance } from 'node:perf_hooks';
import type { Db } from './db.js';
import type { MaestroEventBody } from './events.js';

/**
 * The longest a batch stays open while the server says it has work waiting (see `holdWhile`): what a call
 * may wait for its COMMIT then, beyond its turn. Filling and draining 200 queues (scripts/bench-queue-pool.ts)
 * took 8.7-8.9 s and made 212-298 claims/s with 10 ms; 6.5 s and 290-326/s with 50 ms; without short turns
 * at all, 5.8-6.7 s and 243-253/s.
 */
export const MAX_HOLD_MS = 50;

/**
 * Group commit: the transactions of one turn of the event loop share one SQLite COMMIT.
 *
 * A commit writes every page the transaction changed to the WAL, two write(2) calls per page; at 64
 * spawns at once that was a fifth of the server's CPU, spent writing the same index pages over and over.
 * Here the first transaction of a turn opens a real one (BEGIN IMMEDIATE), each runs inside it as a
 * savepoint (so it is still all-or-nothing on its own: a failed one is rolled back alone), and the turn
 * ends with a single COMMIT (setImmediate: after the I/O callbacks of the turn, before the next turn's).
 *
 * Nothing is let out before that COMMIT: the events of the batch are published after it, and a caller
 * that answers someone waits for `committed()` first (executeOp does), so no client, listener or other
 * process ever sees a change that could still be lost. A COMMIT that fails (a full disk) rolls the
 * whole batch back: its events are dropped, and the waiting callers get its error.
 *
 * While the server says requests wait for their turn (`holdWhile`), a batch is carried into the next turns
 * instead, up to MAX_HOLD_MS: then the same rules hold for the longer batch.
 */
export class GroupCommit {
  private open: Batch | null = null;
  private hold: (() => boolean) | null = null;
  /** How many batches failed to commit so far: an operation that spanned one cannot claim success. */
  failures = 0;
  lastFailure: unknown = null;
  private readonly sql: Record<'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollbackTo', Statement>;

  constructor(
    private readonly db: Db,
    private readonly publish: (events: MaestroEventBody[]) => void,
  ) {
    const prepare = (text: string) => db.prepare(text);
    this.sql = {
      begin: prepare('BEGIN IMMEDIATE'),
      commit: prepare('COMMIT'),
      rollback: prepare('ROLLBACK'),
      savepoint: prepare('SAVEPOINT op'),
      release: prepare('RELEASE op'),
      rollbackTo: prepare('ROLLBACK TO op'),
    };
  }

  /** Runs `fn` as a savepoint of this turn's batch; `events` are what it raised, kept for after the COMMIT. */
  run<T>(fn: () => T, events: () => MaestroEventBody[]): T {
    const batch = this.open ?? this.begin();
    this.sql.savepoint.run();
    let result: T;
    try {
      result = fn();
      if (result && typeof (result as { then?: unknown }).then === 'function') throw new TypeError('a transaction cannot return a promise');
    } catch (err) {
      if (this.db.inTransaction) {
        this.sql.rollbackTo.run();
        this.sql.release.run();
      } else batch.lost ??= err; // SQLite rolled the whole transaction back (an I/O error): the batch is gone
      throw err;
    }
    this.sql.release.run();
    batch.events.push(...events());
    return result;
  }

  /**
   * Resolves once the batch open now (if any) has committed; rejects if it could not. Undefined when no
   * batch is open: everything done so far is committed already.
   */
  committed(): Promise<void> | undefined {
    const batch = this.open;
    if (!batch) return undefined;
    batch.done ??= new Promise<void>((resolve, reject) => {
      batch.settle = (err) => (err === undefined ? resolve() : reject(err));
    });
    return batch.done;
  }

  /**
   * While `busy()` says so, a batch is not committed at the end of its turn but carried into the next, for up
   * to MAX_HOLD_MS. A server that spreads its work over many short turns (http/turns.ts) says it is busy
   * while requests wait: one COMMIT per turn would then be one per few writes (measured: COMMITs went from 11%
   * to 32% of the server's CPU draining 200 queues at once, and claims/s halved).
   */
  holdWhile(busy: () => boolean): void {
    this.hold = busy;
  }

  /** Commits the open batch now (its turn is over, or the database is about to close). */
  flush(): void {
    const batch = this.open;
    if (!batch) return;
    this.open = null;
    clearImmediate(batch.timer);
    try {
      if (batch.lost !== undefined) throw batch.lost;
      this.sql.commit.run();
    } catch (err) {
      if (this.db.inTransaction) this.sql.rollback.run();
      this.failures++;
      this.lastFailure = err;
      batch.settle?.(err);
      return;
    }
    batch.settle?.(undefined);
    this.publish(batch.events);
  }

  private begin(): Batch {
    this.sql.begin.run();
    const batch: Batch = { events: [], startedAt: performance.now(), timer: setImmediate(this.due) };
    this.open = batch;
    return batch;
  }

  /** The end of the batch's turn: commit, or carry it into the next turn while the server is busy. */
  private readonly due = (): void => {
    const batch = this.open;
    if (!batch) return;
    if (this.hold?.() && performance.now() - batch.startedAt < MAX_HOLD_MS) {
      batch.timer = setImmediate(this.due);
      return;
    }
    this.flush();
  };
}

interface Batch {
  events: MaestroEventBody[];
  startedAt: number;
  timer: NodeJS.Immediate;
  /** Why SQLite dropped the transaction under the batch, if it did. */
  lost?: unknown;
  done?: Promise<void>;
  settle?: (err: unknown) => void;
}
