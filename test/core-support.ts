import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { afterEach, beforeEach } from 'vitest';
import { MIGRATIONS } from '../src/core/migrations.js';
import { MaestroService } from '../src/core/service.js';
import { tempHome } from './helpers.js';

/** The core on a fresh home with one project (`p`), for tests without a server; `close` deletes the home. */
export function openCore(): { home: string; svc: MaestroService; projectId: string; close(): void } {
  const home = tempHome();
  const svc = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:9' });
  const projectId = svc.projects.create({ name: 'p', workingDir: home }).id;
  return {
    home,
    svc,
    projectId,
    close: () => {
      svc.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A fresh `openCore()` for each test of the calling `describe` block, closed after it; read it inside the tests. */
export function coreForEachTest(): { readonly svc: MaestroService; readonly projectId: string } {
  let core: ReturnType<typeof openCore> | undefined;
  beforeEach(() => {
    core = openCore();
  });
  afterEach(() => core?.close());
  return {
    get svc() {
      return core!.svc;
    },
    get projectId() {
      return core!.projectId;
    },
  };
}

/**
 * A fresh service on a fresh home (no project) for each test of the calling `describe` block, closed and its
 * home deleted after it; `reopen` opens the same home again (after the test closed the service, or closing it).
 */
export function serviceForEachTest(): { readonly home: string; readonly svc: MaestroService; reopen(): MaestroService } {
  let home = '';
  let svc: MaestroService | undefined;
  const open = () => (svc = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:9' }));
  beforeEach(() => {
    home = tempHome();
    open();
  });
  afterEach(() => {
    svc?.close();
    rmSync(home, { recursive: true, force: true });
  });
  return {
    get home() {
      return home;
    },
    get svc() {
      return svc!;
    },
    reopen: () => {
      svc?.close();
      return open();
    },
  };
}

/**
 * A database as Maestro left it before migration `version` (every earlier one applied and recorded), with
 * the project `prj_old`: what a migration's own test fills with rows before `migrate` brings it up to date.
 */
export function databaseBefore(version: number, file = ':memory:'): { db: Database.Database; at: string } {
  const db = new Database(file);
  db.pragma('foreign_keys = ON');
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const at = new Date().toISOString();
  for (const m of MIGRATIONS.filter((x) => x.version < version)) {
    db.exec(m.sql);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, at);
  }
  db.prepare('INSERT INTO projects (id, name, working_dir, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run('prj_old', 'old', '/tmp', at, at);
  return { db, at };
}
