import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import type { EventBus, MaestroEventBody } from './events.js';

/**
 * The database handle plus the bus, with one rule: events raised inside a transaction are published
 * only after it commits, so listeners never see a change that was rolled back.
 */
export class Store {
  private pending: MaestroEventBody[] | null = null;
  private readonly statements = new Map<string, Statement>();

  constructor(
    readonly db: Db,
    readonly bus: EventBus,
  ) {}

  /** Runs `fn` in one IMMEDIATE transaction (joining an outer one if already inside). */
  tx<T>(fn: () => T): T {
    if (this.pending) return fn();
    this.pending = [];
    let events: MaestroEventBody[];
    try {
      const result = this.db.transaction(fn).immediate();
      events = this.pending;
      this.pending = null;
      for (const e of events) this.bus.emit(e);
      return result;
    } finally {
      this.pending = null;
    }
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
