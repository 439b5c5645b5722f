import Database from 'better-sqlite3';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_HOLD_MS } from '../src/core/group-commit.js';
import { executeOp } from '../src/core/operations.js';
import { MaestroService } from '../src/core/service.js';
import type { MaestroEvent } from '../src/core/types.js';
import { ownerAuth, startTestServer, tempHome } from './helpers.js';

/*
 * Group commit (src/core/group-commit.ts): the transactions of one turn of the event loop share one
 * COMMIT, and nothing (an answer, an event, another connection) sees a change before that COMMIT.
 */

const homes: string[] = [];
const services: MaestroService[] = [];
afterEach(() => {
  for (const svc of services.splice(0)) svc.close();
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

function open(): { svc: MaestroService; reader: () => Database.Database; events: MaestroEvent[]; projectId: string } {
  const home = tempHome('maestro-gc-');
  homes.push(home);
  mkdirSync(join(home, 'work'));
  const svc = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:1' });
  services.push(svc);
  const projectId = svc.projects.create({ name: 'p', workingDir: join(home, 'work') }).id;
  svc.store.groupCommits();
  const events: MaestroEvent[] = [];
  svc.bus.subscribe((e) => events.push(e));
  const reader = () => new Database(join(home, 'data', 'maestro.db'), { readonly: true, fileMustExist: true });
  return { svc, reader, events, projectId };
}

const titlesSeenBy = (db: Database.Database): string[] =>
  (db.prepare('SELECT title FROM tasks ORDER BY seq').all() as { title: string }[]).map((r) => r.title);

describe('group commit in the store', () => {
  it('while the server says it is busy, carries a batch into the next turns, then commits it once it is not', async () => {
    const { svc, reader, events, projectId } = open();
    let busy = true;
    svc.store.holdCommitsWhile(() => busy);
    const other = reader();
    try {
      svc.tasks.create({ projectId, title: 'a' });
      await nextTurn();
      await nextTurn();
      svc.tasks.create({ projectId, title: 'b' }); // a later turn: the same batch
      await nextTurn();
      expect(titlesSeenBy(other)).toEqual([]);
      expect(events).toEqual([]);
      busy = false;
      await svc.store.confirm(svc.store.commitMark());
      expect(titlesSeenBy(other)).toEqual(['a', 'b']);
      expect(events.filter((e) => e.type === 'task.created')).toHaveLength(2);
    } finally {
      other.close();
    }
  });

  it('commits a batch held while busy after MAX_HOLD_MS at most, busy or not', async () => {
    const { svc, reader, projectId } = open();
    svc.store.holdCommitsWhile(() => true);
    const started = performance.now();
    svc.tasks.create({ projectId, title: 'held' });
    await svc.store.confirm(svc.store.commitMark());
    expect(performance.now() - started).toBeGreaterThanOrEqual(MAX_HOLD_MS - 1); // it was held, not committed at the end of its turn
    const other = reader();
    try {
      expect(titlesSeenBy(other)).toEqual(['held']);
    } finally {
      other.close();
    }
  });

  it('commits the transactions of a turn together, at its end, and publishes their events after the commit', async () => {
    const { svc, reader, events, projectId } = open();
    const other = reader();
    try {
      for (const title of ['a', 'b', 'c']) svc.tasks.create({ projectId, title });
      // Inside the turn: the server's own connection sees them, another does not, no event is out yet.
      expect(svc.tasks.list({ projectId }).map((t) => t.title)).toEqual(['a', 'b', 'c']);
      expect(titlesSeenBy(other)).toEqual([]);
      expect(events).toEqual([]);
      await svc.store.confirm(svc.store.commitMark());
      expect(titlesSeenBy(other)).toEqual(['a', 'b', 'c']);
      expect(events.filter((e) => e.type === 'task.created').map((e) => (e as { task: { title: string } }).task.title)).toEqual(['a', 'b', 'c']);
    } finally {
      other.close();
    }
  });

  it('rolls back a failed transaction alone: the others of its turn commit', async () => {
    const { svc, reader, events, projectId } = open();
    svc.tasks.create({ projectId, title: 'before' });
    expect(() =>
      svc.store.tx(() => {
        svc.tasks.create({ projectId, title: 'doomed' });
        throw new Error('changed my mind');
      }),
    ).toThrow('changed my mind');
    // A nested transaction joins its outer one: all of it goes, or none.
    svc.store.tx(() => {
      svc.tasks.create({ projectId, title: 'outer' });
      svc.store.tx(() => svc.tasks.create({ projectId, title: 'inner' }));
    });
    await svc.store.confirm(svc.store.commitMark());
    const other = reader();
    try {
      expect(titlesSeenBy(other)).toEqual(['before', 'outer', 'inner']);
    } finally {
      other.close();
    }
    expect(events.filter((e) => e.type === 'task.created')).toHaveLength(3);
  });

  it('a COMMIT that fails loses the whole batch: no event, its waiters and any operation that spanned it get the error', async () => {
    const { svc, reader, events, projectId } = open();
    const before = svc.store.commitMark();
    svc.tasks.create({ projectId, title: 'lost with the batch' });
    // A foreign key checked only at COMMIT: the savepoint is released, the COMMIT refuses.
    svc.store.tx(() => {
      svc.db.pragma('defer_foreign_keys = ON');
      svc.db.prepare("UPDATE tasks SET parent_id = 'tsk_nobody' WHERE title = 'lost with the batch'").run();
    });
    await expect(svc.store.confirm(before)).rejects.toThrow(/FOREIGN KEY/);
    // Later calls get a fresh batch; but one that began before the failure still learns of it.
    await expect(svc.store.confirm(before)).rejects.toThrow(/FOREIGN KEY/);
    expect(events).toEqual([]);
    const other = reader();
    try {
      expect(titlesSeenBy(other)).toEqual([]);
    } finally {
      other.close();
    }
    svc.tasks.create({ projectId, title: 'next' });
    await svc.store.confirm(svc.store.commitMark());
    expect(svc.tasks.list({ projectId }).map((t) => t.title)).toEqual(['next']);
  });

  it('an operation answers only after its writes are committed', async () => {
    const { svc, reader, projectId } = open();
    const other = reader();
    try {
      const created = executeOp(svc, { kind: 'user' }, 'task.create', { project: projectId, title: 'answered' });
      // Nothing is committed before the turn ends; the answer comes after the commit.
      expect(titlesSeenBy(other)).toEqual([]);
      await created;
      expect(titlesSeenBy(other)).toEqual(['answered']);
    } finally {
      other.close();
    }
  });

  it('closing the service commits what the turn holds', async () => {
    const { svc, projectId } = open();
    const home = homes[0]!;
    svc.tasks.create({ projectId, title: 'kept at close' });
    svc.close();
    services.length = 0;
    await nextTurn();
    const db = new Database(join(home, 'data', 'maestro.db'), { readonly: true });
    try {
      expect(titlesSeenBy(db)).toEqual(['kept at close']);
    } finally {
      db.close();
    }
  });
});

describe('group commit in a server', () => {
  it('64 clients at once: every answered create and spawn is already in the database file, and none is lost', async () => {
    const server = await startTestServer();
    const auth = ownerAuth(server.home);
    const post = async (path: string, body: unknown) => {
      const res = await fetch(server.url + path, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(201);
      return (await res.json()) as { id: string; session?: { id: string } };
    };
    const other = new Database(join(server.home, 'data', 'maestro.db'), { readonly: true });
    try {
      mkdirSync(join(server.home, 'work'));
      await post('/api/projects', { name: 'p', workingDir: join(server.home, 'work') });
      const seenAtAnswer: boolean[] = [];
      const taskIds = await Promise.all(
        Array.from({ length: 64 }, async (_, i) => {
          const { id } = await post('/api/tasks', { project: 'p', title: `t${i}` });
          seenAtAnswer.push(other.prepare('SELECT 1 FROM tasks WHERE id = ?').get(id) !== undefined);
          return id;
        }),
      );
      const sessions = await Promise.all(
        taskIds.map(async (taskId) => {
          const { session } = await post('/api/sessions', { project: 'p', taskIds: [taskId] });
          seenAtAnswer.push(other.prepare('SELECT 1 FROM sessions WHERE id = ?').get(session!.id) !== undefined);
          return session!.id;
        }),
      );
      expect(seenAtAnswer).toHaveLength(128);
      expect(seenAtAnswer.every(Boolean)).toBe(true);
      expect(new Set(sessions).size).toBe(64);
      expect(other.prepare('SELECT COUNT(*) AS n FROM tasks WHERE assignee_session_id IS NOT NULL').get()).toEqual({ n: 64 });
      expect(other.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      other.close();
      await server.dispose();
    }
  });
});
