import Database from 'better-sqlite3';
import { dirname } from 'node:path';
import { ensurePrivateDatabase, ensurePrivateDir } from '../security/permissions.js';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

export interface DatabaseOptions {
  /**
   * How long a write waits for another process's lock before SQLITE_BUSY. better-sqlite3 waits
   * synchronously, stalling the whole event loop, so the server keeps this short and answers 503 instead.
   */
  busyTimeoutMs?: number;
}

/** Opens (creating if needed) the SQLite database, owner-only, in WAL mode with foreign keys, fully migrated. */
export function openDatabase(file: string, opts: DatabaseOptions = {}): Db {
  if (file !== ':memory:') {
    ensurePrivateDir(dirname(file));
    ensurePrivateDatabase(file);
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
  db.pragma('synchronous = NORMAL');
  // Statement journals in memory. A statement on a table with triggers (tasks: search index, version) keeps
  // one, a copy of every page it changes. With temporary storage in files (this build's default) each cost
  // about twice the CPU, though no file was ever opened (strace): 100k inserts into tasks took 2.9 s, now
  // 1.4 s. Temporary tables of large sorts stay in memory too. Nothing durable is kept there.
  db.pragma('temp_store = MEMORY');
  migrate(db);
  if (file !== ':memory:') ensurePrivateDatabase(file); // the -wal and -shm files exist only now
  return db;
}

export function migrate(db: Db): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = new Set(
    db.prepare('SELECT version FROM schema_migrations').all().map((r) => (r as { version: number }).version),
  );
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  let count = 0;
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    }).immediate();
    count++;
  }
  const newest = Math.max(0, ...applied, ...MIGRATIONS.map((m) => m.version));
  const latestKnown = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
  if (newest > latestKnown) {
    throw new Error(`database schema version ${newest} is newer than this Maestro (${latestKnown}); upgrade Maestro`);
  }
  return count;
}
