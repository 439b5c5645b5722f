/**
 * Flat costs at scale (issue 13): no hot statement scans a table.
 *
 * The statements are not listed by hand: the test records the SQL the repositories actually prepare (and
 * the arguments of its first run) while the real operations run through `executeOp` (task create, get,
 * update, list with each filter, readiness, queue start / complete / skip / status / add, every report
 * kind, a worker changing its own task), then asks SQLite for each statement's plan (`EXPLAIN QUERY
 * PLAN`). A plan step `SCAN <table>` (the whole table, or the whole of one of its indexes), or `SEARCH <table>`
 * with no index (how SQLite words a MAX() it must read every row for), fails the test
 * unless the table is in `SMALL_TABLES`, with the reason it stays small. A statement with a narrower
 * filter than its project (a parent, an assignee, ids) must not walk the whole project through the
 * project index either: that is a scan of the project in all but name.
 *
 * Speed itself is measured in `npm run bench` (scripts/bench-scale.ts: 100k tasks vs an empty database,
 * side by side); this test pins the plans, which do not depend on how many rows there are.
 */
import { rmSync } from 'node:fs';
import type { Database, Statement } from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER, type Actor } from '../src/core/access.js';
import { executeOp } from '../src/core/operations.js';
import { MaestroService } from '../src/core/service.js';
import type { Session, Task } from '../src/core/types.js';
import { tempHome } from './helpers.js';

/**
 * Tables a hot statement may scan, and why that stays cheap whatever the number of tasks.
 * - projects: one row per project (a handful); read whole only to find "the only project" when a call names none.
 */
const SMALL_TABLES: Record<string, string> = {
  projects: 'one row per project, a handful',
};

const KEYWORDS = new Set(['WHERE', 'JOIN', 'ON', 'LEFT', 'INNER', 'CROSS', 'ORDER', 'GROUP', 'LIMIT', 'UNION', 'SET', 'AND', 'OR', 'USING', 'AS', 'VALUES', 'SELECT', 'NOT', 'EXCEPT', 'INTERSECT', 'HAVING', 'WINDOW']);

interface PlanRow {
  id: number;
  parent: number;
  detail: string;
}

let home: string;
let svc: MaestroService;
/** Prepares without recording (the EXPLAIN statements themselves). */
let rawPrepare: (sql: string) => Statement;
/** The phase being recorded: each statement run in it, with the arguments of its first run. */
let phase: string | null = null;
const recorded = new Map<string, { sql: string; args: unknown[]; phases: Set<string> }>();

/** Records every statement the service prepares, from the start, so that statements it caches are seen when reused. */
function record(db: Database): void {
  rawPrepare = db.prepare.bind(db) as (sql: string) => Statement;
  (db as { prepare: (sql: string) => Statement }).prepare = (sql: string) => {
    const statement = rawPrepare(sql);
    for (const method of ['run', 'get', 'all', 'iterate'] as const) {
      const original = (statement[method] as (...args: unknown[]) => unknown).bind(statement);
      (statement as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        if (phase !== null) {
          const seen = recorded.get(sql) ?? { sql, args, phases: new Set<string>() };
          seen.phases.add(phase);
          recorded.set(sql, seen);
        }
        return original(...args);
      };
    }
    return statement;
  };
}

async function during<T>(name: string, fn: () => Promise<T>): Promise<T> {
  phase = name;
  try {
    return await fn();
  } finally {
    phase = null;
  }
}

const call = (actor: Actor, name: string, input: unknown) => executeOp(svc, actor, name, input);
const asSession = (s: Session): Actor => ({ kind: 'session', session: { id: s.id, role: s.role, projectId: s.projectId, status: s.status } });

/** Table names by the names a statement gives them (aliases included). */
function aliases(sql: string, tables: Set<string>): Map<string, string> {
  const map = new Map<string, string>();
  for (const m of sql.matchAll(/\b(?:FROM|JOIN|UPDATE|INTO)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?/gi)) {
    const table = m[1]!;
    if (!tables.has(table)) continue;
    map.set(table, table);
    if (m[2] && !KEYWORDS.has(m[2].toUpperCase())) map.set(m[2], table);
  }
  return map;
}

function plan(sql: string, args: unknown[]): PlanRow[] {
  return rawPrepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as PlanRow[];
}

/** What is wrong with a statement's plan: full scans of tables that grow, or a narrow filter answered by walking the project. */
function problems(sql: string, rows: PlanRow[], tables: Set<string>): string[] {
  const names = aliases(sql, tables);
  const out: string[] = [];
  for (const { detail } of rows) {
    // `SEARCH tasks` with no index named is a scan too: SQLite words `SELECT MAX(seq) FROM tasks` so without an index on seq.
    // A full-text MATCH is SQLite's `SCAN f VIRTUAL TABLE INDEX n:M…`: a lookup in the FTS index, not a scan.
    const ftsMatch = /^SCAN \w+ VIRTUAL TABLE INDEX \d+:M/.test(detail);
    const scan = ftsMatch ? null : (/^SCAN (\w+)/.exec(detail) ?? /^SEARCH (\w+)$/.exec(detail));
    if (scan) {
      const table = names.get(scan[1]!) ?? (tables.has(scan[1]!) ? scan[1]! : undefined);
      if (table !== undefined && !(table in SMALL_TABLES)) out.push(`scans ${table}: ${detail}`);
    }
    const narrower = /\bparent_id = \?|assignee_session_id = \?|\bt\.id IN \(/.test(sql);
    if (narrower && /^SEARCH (\w+) USING (?:COVERING )?INDEX \w+ \(project_id=\?\)$/.test(detail) && names.get(/^SEARCH (\w+)/.exec(detail)![1]!) === 'tasks')
      out.push(`walks the whole project although the statement has a narrower filter: ${detail}`);
    // A page (LIMIT) must come off an index in seq order: sorting first would read every match of a 100k-task
    // project for 50 of them. Only a narrower filter (an assignee's few tasks) may sort what it found.
    const assigneeOnly = /assignee_session_id = \?/.test(sql);
    if (/\bLIMIT \?/.test(sql) && /^USE TEMP B-TREE FOR ORDER BY$/.test(detail) && !assigneeOnly) out.push(`sorts every match to return a page: ${detail}`);
  }
  return out;
}

beforeAll(() => {
  home = tempHome('maestro-plans-');
  svc = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:9' });
  svc.db.pragma('synchronous = OFF');
  record(svc.db);
});
afterAll(() => {
  svc.close();
  rmSync(home, { recursive: true, force: true });
});

describe('query plans of the hot statements', () => {
  it('scan no table that grows with the tasks, sessions or their history', async () => {
    // ---- setup (not checked): two projects, a few tasks and sessions in each ----------------------------
    await call(USER, 'project.create', { name: 'plans', workingDir: home });
    await call(USER, 'project.create', { name: 'elsewhere', workingDir: home });
    const mk = (title: string, extra: Record<string, unknown> = {}) => call(USER, 'task.create', { project: 'plans', title, ...extra }) as Promise<Task>;
    for (let i = 0; i < 5; i++) await call(USER, 'task.create', { project: 'elsewhere', title: `other ${i}` });
    const parent = await mk('parent');
    const queued = [await mk('q1'), await mk('q2'), await mk('q3'), await mk('q4')];
    const own = await mk('worker task');
    const spare = await mk('spare');
    const queue = (await call(USER, 'session.spawn', { project: 'plans', strategy: 'queue', taskIds: queued.map((t) => t.id) })) as { session: Session };
    const worker = (await call(USER, 'session.spawn', { project: 'plans', taskIds: [own.id] })) as { session: Session };
    const orchestrator = (await call(USER, 'session.spawn', { project: 'plans', role: 'orchestrator' })) as { session: Session };

    // ---- the hot operations, recorded ----------------------------------------------------------------
    const created = await during('task create', async () => {
      const a = await mk('a');
      const b = await mk('b', { parentId: parent.id, dependencies: [a.id], priority: 'high' });
      await mk('c', { parentId: parent.id, dependencies: [a.id, b.id], description: 'd', until: 'merged' });
      return { a, b };
    });
    await during('task get (with readiness)', async () => {
      await call(USER, 'task.get', { taskId: created.a.id });
      await call(USER, 'task.get', { taskId: created.b.id });
    });
    await during('task update', async () => {
      await call(USER, 'task.update', { taskId: created.b.id, title: 'b2', priority: 'low' });
      await call(USER, 'task.update', { taskId: created.a.id, status: 'done' }); // its dependents are announced
      await call(USER, 'task.update', { taskId: created.a.id, status: 'todo' }); // reopened
      await call(USER, 'task.update', { taskId: spare.id, dependencies: [created.a.id], until: 'done' });
      await call(USER, 'task.update', { taskId: spare.id, until: 'merged' });
      await call(USER, 'task.update', { taskId: spare.id, assignee: worker.session.id });
      await call(USER, 'task.update', { taskId: spare.id, parentId: parent.id });
      await call(USER, 'task.update', { taskId: spare.id, parentId: null, ifVersion: ((await call(USER, 'task.get', { taskId: spare.id })) as Task).version });
    });
    await during('task list (filtered)', async () => {
      await call(USER, 'task.list', { project: 'plans', status: ['todo'] });
      await call(USER, 'task.list', { project: 'plans', status: ['todo', 'in_progress'] });
      await call(USER, 'task.list', { project: 'plans', parentId: parent.id });
      await call(USER, 'task.list', { project: 'plans', parentId: parent.id, status: ['todo'] });
      await call(USER, 'task.list', { project: 'plans', assignee: worker.session.id });
      await call(USER, 'task.list', { project: 'plans', ready: true });
      await call(USER, 'task.list', { project: 'plans', ready: true, parentId: parent.id });
    });
    await during('task list (pages, search, totals)', async () => {
      // Every page after the first starts from a cursor: the same statements with `seq > ?`.
      const pageThrough = async (input: Record<string, unknown>) => {
        const first = (await call(USER, 'task.list', { project: 'plans', limit: 1, total: true, ...input })) as { nextCursor: string | null };
        if (first.nextCursor) await call(USER, 'task.list', { project: 'plans', limit: 1, cursor: first.nextCursor, ...input });
      };
      await pageThrough({});
      await pageThrough({ status: ['todo'] });
      await pageThrough({ status: ['todo', 'done'] });
      await pageThrough({ parent: parent.id });
      await pageThrough({ parent: null });
      await pageThrough({ assignee: worker.session.id });
      await pageThrough({ ready: true });
      await pageThrough({ ready: false });
      await pageThrough({ search: 'q' });
      await pageThrough({ search: 'parent', status: ['todo'] });
      await pageThrough({ search: 'q', parent: parent.id, ready: true });
    });
    await during('queue', async () => {
      const q = queue.session.id;
      await call(USER, 'queue.start', { sessionId: q });
      await call(USER, 'queue.status', { sessionId: q });
      await call(USER, 'queue.complete', { sessionId: q, summary: 'done' });
      await call(USER, 'task.update', { taskId: queued[1]!.id, status: 'done' }); // finished elsewhere: swept at the next start
      await call(USER, 'queue.start', { sessionId: q });
      await call(USER, 'queue.skip', { sessionId: q, reason: 'later' });
      await call(USER, 'queue.add', { sessionId: q, taskIds: [created.b.id] });
      await call(USER, 'queue.list', { sessionId: q });
      await call(asSession(queue.session), 'queue.start', {});
      await call(asSession(queue.session), 'report.progress', { message: 'on it' });
      await call(asSession(queue.session), 'report.complete', { message: 'finished' });
    });
    await during('reports', async () => {
      const w = asSession(worker.session);
      await call(w, 'report.progress', { message: 'working' });
      await call(w, 'task.update', { taskId: own.id, description: 'more detail' });
      await call(w, 'report.blocked', { message: 'stuck', taskId: own.id });
      await call(w, 'report.needs_input', { message: 'which one?' });
      await call(w, 'report.error', { message: 'oops' });
      await call(w, 'report.progress', { message: 'again' });
      await call(w, 'report.complete', { message: 'done' });
      await call(asSession(orchestrator.session), 'task.complete', { taskId: spare.id, summary: 'closed' });
    });

    // ---- every recorded statement's plan ------------------------------------------------------------
    const tables = new Set(
      (rawPrepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{ name: string }>).map((r) => r.name),
    );
    expect(recorded.size).toBeGreaterThan(30);
    const phases = new Set([...recorded.values()].flatMap((r) => [...r.phases]));
    expect([...phases].sort()).toEqual(['queue', 'reports', 'task create', 'task get (with readiness)', 'task list (filtered)', 'task list (pages, search, totals)', 'task update']);
    const failures: string[] = [];
    for (const { sql, args, phases: where } of recorded.values()) {
      const found = problems(sql, plan(sql, args), tables);
      if (found.length > 0) failures.push(`[${[...where].join(', ')}] ${sql.replace(/\s+/g, ' ').trim()}\n    ${found.join('\n    ')}`);
    }
    expect(failures, `hot statements that scan:\n${failures.join('\n')}`).toEqual([]);
  });

  it('tells a scan from a search (the check itself)', () => {
    const tables = new Set(['tasks', 'projects']);
    const scan = plan('SELECT id FROM tasks t WHERE t.title = ?', ['x']);
    expect(problems('SELECT id FROM tasks t WHERE t.title = ?', scan, tables)).toHaveLength(1);
    const search = plan('SELECT id FROM tasks t WHERE t.id = ?', ['x']);
    expect(problems('SELECT id FROM tasks t WHERE t.id = ?', search, tables)).toEqual([]);
    const max = 'SELECT MAX(title) AS m FROM tasks';
    expect(problems(max, plan(max, []), tables)).toHaveLength(1);
    const small = plan('SELECT * FROM projects ORDER BY created_at', []);
    expect(problems('SELECT * FROM projects ORDER BY created_at', small, tables)).toEqual([]);
    const sorted = 'SELECT id FROM tasks t WHERE t.project_id = ? ORDER BY t.title LIMIT ?';
    expect(problems(sorted, plan(sorted, ['p', 5]), tables)).toEqual([expect.stringMatching(/^sorts every match/)]);
    const fts = { id: 3, parent: 0, detail: 'SCAN f VIRTUAL TABLE INDEX 64:M2>' };
    expect(problems('SELECT t.id FROM tasks_fts f JOIN tasks t ON t.seq = f.rowid WHERE tasks_fts MATCH ?', [fts], new Set(['tasks', 'tasks_fts']))).toEqual([]);
    const walk = 'SELECT id FROM tasks t WHERE t.project_id = ? AND t.parent_id = ?';
    const rows: PlanRow[] = [{ id: 2, parent: 0, detail: 'SEARCH t USING INDEX tasks_project (project_id=?)' }];
    expect(problems(walk, rows, tables)).toHaveLength(1);
  });
});
