import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import type { EventBus, MaestroEventBody } from './events.js';
import { GroupCommit } from './group-commit.js';

/**
 * The database handle plus the bus, with one rule: events raised inside a transaction are published
 * only after it commits, so listeners never see a change that was rolled back.
 */
export class Store {
  private pending: MaestroEventBody[] | null = null;
  private readonly statements = new Map<string, Statement>();
  /** Set by a server (see group-commit.ts); off, each transaction commits on its own, at once. */
  private group: GroupCommit | null = null;

  constructor(
    readonly db: Db,
    readonly bus: EventBus,
  ) {}

  /**
   * Runs `fn` all or nothing, in one IMMEDIATE transaction (joining an outer one if already inside). With
   * group commit on, it is a savepoint of the turn's batch, committed at the end of the turn.
   */
  tx<T>(fn: () => T): T {
    if (this.pending) return fn();
    this.pending = [];
    try {
      if (this.group) return this.group.run(fn, () => this.pending ?? []);
      const result = this.db.transaction(fn).immediate();
      const events = this.pending;
      this.pending = null; // a listener's own transaction is a new one
      this.publish(events);
      return result;
    } finally {
      this.pending = null;
    }
  }

  /** Turns group commit on (a server does; it is off for tools that open the database and exit). */
  groupCommits(): void {
    this.group ??= new GroupCommit(this.db, (events) => this.publish(events));
  }

  /** While `busy()` says so, group commit carries a turn's batch into the next turns (group-commit.ts `holdWhile`). */
  holdCommitsWhile(busy: () => boolean): void {
    this.group?.holdWhile(busy);
  }

  /** The events of committed changes, in order. */
  private publish(events: MaestroEventBody[]): void {
    for (const e of events) this.bus.emit(e);
  }

  /** A mark to hand to `confirm` later: how many batches had failed to commit before. */
  commitMark(): number {
    return this.group?.failures ?? 0;
  }

  /**
   * Resolves once everything written so far is committed (at once without group commit); rejects when it
   * could not be, or when a batch failed since `mark`: what was written in between may be gone.
   */
  async confirm(mark: number): Promise<void> {
    const group = this.group;
    if (!group) return;
    await group.committed();
    if (group.failures !== mark) throw group.lastFailure;
  }

  /** Commits what the turn's batch holds now: before the database closes. */
  flush(): void {
    this.group?.flush();
  }

  /** Prepared statements are compiled once per SQL text; preparing is a large share of a small query's cost. */
  prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  emit(event: MaestroEventBody): void {
    if (this.pending) this.pending.push(event);
    else this.bus.emit(event);
  }
}

export const parseJson = <T>(text: string | null | undefined, fallback: T): T => {
  if (text === null || text === undefined || text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
};
