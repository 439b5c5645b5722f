/**
 * `npm run bench`: prints throughput and latency figures for the core and the HTTP API on this machine,
 * then one summary table of issue 13's ratios (measured | target | ok). Figures, not assertions: compare
 * runs, don't gate CI on them. `node dist/scripts/bench.js <part>...` runs only those parts (and their
 * rows of the summary); the parts are listed in PARTS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TASK_TREE_LIMIT } from '../src/core/schemas.js';
import { MaestroService } from '../src/core/service.js';
import { startServer } from '../src/http/server.js';
import { MaestroClient } from '../src/http/client.js';
import { createLogger } from '../src/log/logger.js';
import { readSecret } from '../src/security/secret.js';
import { benchHook } from './bench-hook.js';
import { timeCalls } from './bench-spawn.js';
import { benchSlowClients } from './bench-slow-clients.js';
import { benchWorktree } from './bench-worktree.js';
import { summaryRows, printSummary, type PartResults } from './bench-summary.js';

const N = Number(process.env.BENCH_TASKS ?? 5000);

function measure<T>(label: string, count: number, fn: () => T): T {
  const start = performance.now();
  const result = fn();
  const ms = performance.now() - start;
  console.log(`${label.padEnd(44)} ${count.toString().padStart(6)} ops  ${ms.toFixed(0).padStart(6)} ms  ${((count / ms) * 1000).toFixed(0).padStart(8)} ops/s`);
  return result;
}

/** Mean cost of one synchronous call, in microseconds. */
function microseconds(count: number, fn: (i: number) => unknown): number {
  for (let i = 0; i < Math.min(count, 1000); i++) fn(i); // warm up
  const start = performance.now();
  for (let i = 0; i < count; i++) fn(i);
  return ((performance.now() - start) * 1000) / count;
}

async function measureAsync(label: string, count: number, fn: (i: number) => Promise<unknown>, concurrency = 1): Promise<{ p50: number; perSecond: number }> {
  const r = await timeCalls(count, concurrency, fn);
  console.log(
    `${label.padEnd(44)} ${count.toString().padStart(6)} ops  ${r.ms.toFixed(0).padStart(6)} ms  ${r.perSecond.toFixed(0).padStart(8)} ops/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms`,
  );
  return r;
}

/** The core in process and the HTTP API in the same process: the long-standing figures. */
async function benchCore(): Promise<{ restCreatePerSecond: number }> {
  const home = mkdtempSync(join(tmpdir(), 'maestro-bench-'));
  let restCreatePerSecond = NaN;
  try {
    const svc = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:0' });
    const project = svc.projects.create({ name: 'bench', workingDir: home });
    const ids = measure('core: create task', N, () =>
      Array.from({ length: N }, (_, i) =>
        svc.tasks.create({ projectId: project.id, title: `task ${i}`, parentId: undefined, priority: 'medium' }).id,
      ),
    );
    measure('core: add dependency (chain)', Math.min(N, 1000) - 1, () => {
      for (let i = 1; i < Math.min(N, 1000); i++) svc.tasks.update(ids[i]!, { dependencies: [ids[i - 1]!] });
    });
    measure(`core: list all tasks (${N})`, 20, () => {
      for (let i = 0; i < 20; i++) svc.tasks.list({ projectId: project.id });
    });
    measure(`core: task tree (${N}, its largest limit)`, 20, () => {
      for (let i = 0; i < 20; i++) svc.tasks.tree(project.id, undefined, TASK_TREE_LIMIT.max);
    });
    const queueTasks = ids.slice(1000, 3000);
    const { session } = await svc.spawn({ projectId: project.id, taskIds: queueTasks, strategy: 'queue' });
    measure('core: queue start + complete', queueTasks.length, () => {
      for (let i = 0; i < queueTasks.length; i++) {
        svc.queue.start(session.id);
        svc.queue.complete(session.id);
      }
    });

    const server = await startServer({ svc, port: 0, logger: createLogger('bench', 'silent') });
    const secret = readSecret(home)!;
    const client = new MaestroClient({ baseUrl: server.url, secret });
    const sequential = await measureAsync('http: GET /api/tasks/:id (sequential)', 2000, (i) => client.call('task.get', { taskId: ids[i % ids.length]! }));
    await measureAsync('http: GET /api/tasks/:id', 2000, (i) => client.call('task.get', { taskId: ids[i % ids.length]! }), 8);

    // What proving who calls costs on every request, measured in process on the server's own authenticator.
    const sessionToken = svc.sessions.token(session.id);
    const owner = microseconds(20_000, () => server.auth.authenticate({ authorization: `Bearer ${secret}` }));
    const token = microseconds(20_000, () => server.auth.authenticate({ authorization: `Bearer ${sessionToken}` }));
    const cookie = microseconds(20_000, () => server.auth.authenticate({ cookie: `${server.auth.cookieName}=${server.auth.login(secret)}` }));
    const requestUs = sequential.p50 * 1000;
    for (const [label, us] of [['owner secret', owner], ['session token', token], ['dashboard cookie', cookie]] as const)
      console.log(`auth: ${label.padEnd(38)} ${us.toFixed(1).padStart(8)} µs/check  ${((us / requestUs) * 100).toFixed(2).padStart(6)}% of a GET /api/tasks/:id (p50 ${sequential.p50.toFixed(2)} ms)`);

    restCreatePerSecond = (await measureAsync('http: POST /api/tasks', 1000, (i) => client.call('task.create', { project: 'bench', title: `h${i}` }), 8)).perSecond;
    await measureAsync('http: POST /api/reports/progress', 1000, (i) => client.call('report.progress', { sessionId: session.id, message: `m${i}` }), 8);
    await server.close();
    svc.close();
    const mem = process.memoryUsage();
    console.log(`memory: rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  return { restCreatePerSecond };
}

/** Each part by name, in the order `npm run bench` runs them; each returns its figures for the summary. */
const PARTS = {
  core: benchCore,
  scale: async () => (await import('./bench-scale.js')).benchScale(), // create, get, update, list, queue claim and report at 100k tasks vs empty
  import: async () => (await import('./bench-import.js')).benchImport(), // `maestro task import` of 100k tasks (BENCH_IMPORT), and again
  sessions: async () => (await import('./bench-sessions.js')).benchSessions(), // the session list, status and plan of a project with 5,000 sessions
  mcp: async () => (await import('./bench-mcp.js')).benchMcp(), // MCP (HTTP, stdio) vs REST, and REST under 200 busy MCP callers
  sqlite: async () => (await import('./bench-sqlite.js')).benchSqlite(), // task create in process and over REST vs raw better-sqlite3
  spawn: async () => (await import('./bench-spawn.js')).benchSpawn(), // POST /api/sessions at c=64, POST /api/tasks at c=8
  'queue-pool': async () => (await import('./bench-queue-pool.js')).benchQueuePool(), // 200 queue sessions draining a shared pool
  hook: benchHook, // what the hook Claude Code runs on every tool call costs it (child processes, spawn to exit)
  worktree: benchWorktree,
  'slow-clients': benchSlowClients, // a separate server process, so that its memory is its own
  accept: async () => (await import('./bench-accept.js')).benchAccept(), // a burst of new connections while 50 kept-alive clients are busy, fair turns vs off
} satisfies Record<string, () => Promise<unknown>>;

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(name in PARTS));
if (unknown.length > 0) {
  console.error(`unknown bench part${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}; the parts: ${Object.keys(PARTS).join(', ')}`);
  process.exit(2);
}
const results: PartResults = {};
const started = performance.now();
for (const [name, run] of Object.entries(PARTS)) {
  if (asked.length > 0 && !asked.includes(name)) continue;
  (results as Record<string, unknown>)[name] = await run();
}
printSummary(summaryRows(results), performance.now() - started);
