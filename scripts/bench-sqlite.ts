/**
 * Ours against raw SQLite (issue 13): single-row transactions per second on the same schema and pragmas
 * (src/core/db.ts opens both), as the ceiling, against our task create in process and over REST.
 *
 * - raw: better-sqlite3 alone, one `INSERT INTO tasks` per IMMEDIATE transaction, statement prepared once;
 * - in process: TaskRepo.create through the service (seq, hydrate, events);
 * - REST: POST /api/tasks against a server in its own process, one client, then 8 at once.
 *
 * `node dist/scripts/bench-sqlite.js` runs it alone; BENCH_SQLITE_ROWS sets the count (5,000; at most 2,000 requests).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { openDatabase } from '../src/core/db.js';
import { homePaths } from '../src/core/paths.js';
import { MaestroService } from '../src/core/service.js';
import { formatLatencies, startBenchServer, timeCalls, type Latencies } from './bench-spawn.js';

const ROWS = Number(process.env.BENCH_SQLITE_ROWS ?? 5000);
/** Requests are slower than rows: fewer of them keep the part short. */
const REQUESTS = Math.min(ROWS, 2000);

export interface SqliteFigures {
  rows: number;
  /** Transactions per second. */
  raw: number;
  inProcess: number;
  rest: Latencies;
  rest8: Latencies;
}

/** Runs `fn` against a fresh home holding one project; the home goes afterwards. */
function withProject<T>(fn: (home: string, projectId: string) => T): T {
  const home = mkdtempSync(join(tmpdir(), 'maestro-bench-sqlite-'));
  try {
    const svc = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:0' });
    const projectId = svc.projects.create({ name: 'sqlite', workingDir: home }).id;
    svc.close();
    return fn(home, projectId);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

const perSecond = (count: number, fn: () => void): number => {
  const start = performance.now();
  fn();
  return (count / (performance.now() - start)) * 1000;
};

function rawInserts(): number {
  return withProject((home, projectId) => {
    const db = openDatabase(homePaths(home).db);
    try {
      const insert = db.prepare(
        `INSERT INTO tasks (id, project_id, parent_id, title, description, status, priority, seq, created_at, updated_at)
         VALUES (?, ?, NULL, ?, '', 'todo', 'medium', ?, ?, ?)`,
      );
      const one = db.transaction((i: number) => {
        const now = new Date().toISOString();
        insert.run(`tsk_raw${i}`, projectId, `raw ${i}`, i + 1, now, now);
      });
      return perSecond(ROWS, () => {
        for (let i = 0; i < ROWS; i++) one.immediate(i);
      });
    } finally {
      db.close();
    }
  });
}

function inProcessCreates(): number {
  return withProject((home, projectId) => {
    const svc = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:0' });
    try {
      return perSecond(ROWS, () => {
        for (let i = 0; i < ROWS; i++) svc.tasks.create({ projectId, title: `core ${i}` });
      });
    } finally {
      svc.close();
    }
  });
}

async function restCreates(): Promise<{ rest: Latencies; rest8: Latencies }> {
  const server = await startBenchServer();
  try {
    await server.api('POST', '/api/projects', { name: 'sqlite', workingDir: server.home });
    const create = (i: number) => server.api('POST', '/api/tasks', { project: 'sqlite', title: `rest ${i}` });
    const rest = await timeCalls(REQUESTS, 1, create);
    const rest8 = await timeCalls(REQUESTS, 8, create);
    return { rest, rest8 };
  } finally {
    await server.stop();
  }
}

/** Prints and returns raw SQLite's single-row transactions/s and ours, with their ratios. */
export async function benchSqlite(): Promise<SqliteFigures> {
  console.log(`\nours vs raw SQLite: ${ROWS} single-row transactions (${REQUESTS} over REST), same schema and pragmas`);
  const raw = rawInserts();
  const inProcess = inProcessCreates();
  const { rest, rest8 } = await restCreates();
  const line = (label: string, tps: number) =>
    console.log(`${label.padEnd(44)} ${tps.toFixed(0).padStart(8)} tx/s  ${(tps / raw).toFixed(2).padStart(5)}x raw`);
  line('raw better-sqlite3: INSERT INTO tasks', raw);
  line('core: task create (in process)', inProcess);
  console.log(formatLatencies('http: POST /api/tasks c=1', rest) + `  ${(rest.perSecond / raw).toFixed(2)}x raw`);
  console.log(formatLatencies('http: POST /api/tasks c=8', rest8) + `  ${(rest8.perSecond / raw).toFixed(2)}x raw`);
  return { rows: ROWS, raw, inProcess, rest, rest8 };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await benchSqlite();
