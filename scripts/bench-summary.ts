/**
 * The one table `npm run bench` ends with: issue 13's ratios as the bench parts measured them in this run,
 * each against its target. A part that was not run (`node dist/scripts/bench.js spawn`) has no rows.
 */
import type { AcceptFigures } from './bench-accept.js';
import type { QueuePoolFigures } from './bench-queue-pool.js';
import type { ScaleFigures } from './bench-scale.js';
import type { SpawnBench } from './bench-spawn.js';
import { ORIGINAL_SPAWN_P50_MS } from './bench-spawn.js';
import type { SqliteFigures } from './bench-sqlite.js';

/**
 * What `benchMcp()` (scripts/bench-mcp.ts) measured: p50 of an MCP tool call over HTTP and over stdio (the SDK
 * client) as a multiple of the REST GET of the same task, the HTTP call against the REST POST of the same
 * operation (a body both ways), the server's own share (both sent by one plain node:http client), and REST's
 * p99 while 200 MCP callers are busy.
 */
export interface McpFigures {
  httpRatio: number;
  stdioRatio: number;
  httpVsPostRatio: number;
  serverRatio: number;
  restP99BusyMs: number;
}

export interface PartResults {
  scale?: ScaleFigures;
  mcp?: McpFigures;
  sqlite?: SqliteFigures;
  spawn?: SpawnBench;
  'queue-pool'?: QueuePoolFigures;
  accept?: AcceptFigures;
}

export interface SummaryRow {
  ratio: string;
  measured: string;
  target: string;
  /** undefined: a figure with no target, shown for comparison only. */
  ok?: boolean;
}

const MCP_TARGET = 1.5;
const REST_P99_BUSY_TARGET_MS = 100;
const ACCEPT_P99_TARGET_MS = 1000;
/** Fair turns may cost the busy clients' steady throughput at most 10%: the price of polling between slices. */
const ACCEPT_THROUGHPUT_TARGET = 0.9;

export function summaryRows(r: PartResults): SummaryRow[] {
  const rows: SummaryRow[] = [];
  if (r.scale) {
    const { worst, target } = r.scale;
    rows.push({ ratio: 'at 100k vs empty (worst op)', measured: `${worst.ratio.toFixed(2)}x: ${worst.what}`, target: `<= ${target}x`, ok: worst.ratio <= target });
    rows.push({ ratio: 'raw SQLite, a row by id, at 100k vs empty', measured: `${r.scale.rawRatio.toFixed(2)}x (in process, random rows of the project, as task get reads)`, target: '-' });
  }
  if (r.mcp) {
    const m = r.mcp;
    rows.push({ ratio: 'MCP over HTTP vs REST GET, p50', measured: `${m.httpRatio.toFixed(2)}x`, target: `<= ${MCP_TARGET}x`, ok: m.httpRatio <= MCP_TARGET });
    rows.push({ ratio: 'MCP over stdio vs REST GET, p50', measured: `${m.stdioRatio.toFixed(2)}x`, target: `<= ${MCP_TARGET}x`, ok: m.stdioRatio <= MCP_TARGET });
    rows.push({ ratio: 'MCP over HTTP vs REST POST (same op)', measured: `${m.httpVsPostRatio.toFixed(2)}x`, target: `<= ${MCP_TARGET}x`, ok: m.httpVsPostRatio <= MCP_TARGET });
    rows.push({ ratio: "MCP vs REST, the server's own cost", measured: `${m.serverRatio.toFixed(2)}x (one node:http client both ways)`, target: `<= ${MCP_TARGET}x`, ok: m.serverRatio <= MCP_TARGET });
    rows.push({
      ratio: 'REST p99, 200 MCP callers busy',
      measured: `${m.restP99BusyMs.toFixed(1)} ms`,
      target: `< ${REST_P99_BUSY_TARGET_MS} ms`,
      ok: m.restP99BusyMs < REST_P99_BUSY_TARGET_MS,
    });
  }
  if (r.sqlite) {
    const s = r.sqlite;
    const vsRaw = (tps: number) => `${(tps / s.raw).toFixed(2)}x (${tps.toFixed(0)} vs ${s.raw.toFixed(0)} tx/s)`;
    rows.push({ ratio: 'task create in process vs raw SQLite', measured: vsRaw(s.inProcess), target: '-' });
    rows.push({ ratio: 'POST /api/tasks c=8 vs raw SQLite', measured: vsRaw(s.rest8.perSecond), target: '-' });
  }
  if (r.spawn) {
    const { spawn, before, taskCreate, original, originalTaskCreate } = r.spawn;
    const was = before ? ` (before: ${before.spawn.p50.toFixed(1)} ms)` : '';
    // The original measured in this run (BENCH_ORIGINAL_DIR) is the target; issue 13's figure otherwise.
    const originalP50 = original?.p50 ?? ORIGINAL_SPAWN_P50_MS;
    const vsOriginal = original ? `, ${(spawn.p50 / original.p50).toFixed(2)}x the original's` : '';
    rows.push({
      ratio: 'session spawn c=64, p50',
      measured: `${spawn.p50.toFixed(1)} ms, ${spawn.perSecond.toFixed(0)}/s${vsOriginal}${was}`,
      target: original ? `<= ${original.p50.toFixed(1)} ms (original, this run)` : `<= ${ORIGINAL_SPAWN_P50_MS} ms (original, issue 13)`,
      ok: spawn.p50 <= originalP50,
    });
    if (r.spawn.originalSpawnCpuMs) {
      // What a spawn costs the server's event loop does not move with the machine's load as latency does.
      const ours = r.spawn.spawnCpuMs.main;
      const theirs = r.spawn.originalSpawnCpuMs.main;
      rows.push({ ratio: 'session spawn: server main-thread CPU', measured: `${ours.toFixed(2)} vs ${theirs.toFixed(2)} ms, ${(ours / theirs).toFixed(2)}x the original's`, target: '-' });
    }
    const createVs = originalTaskCreate ? ` (original: ${originalTaskCreate.perSecond.toFixed(0)}/s, ${(taskCreate.perSecond / originalTaskCreate.perSecond).toFixed(2)}x)` : '';
    rows.push({ ratio: 'POST /api/tasks c=8 (server process)', measured: `${taskCreate.perSecond.toFixed(0)}/s, p50 ${taskCreate.p50.toFixed(2)} ms${createVs}`, target: '-' });
  }
  const pool = r['queue-pool'];
  if (pool) {
    const doubles = pool.doubleClaimsSeen + pool.doubleClaimsStored + pool.tasksLeftUndone;
    rows.push({
      ratio: `queue pool ${pool.sessions}x${pool.tasks}: double claims`,
      measured: `${pool.doubleClaimsSeen} seen, ${pool.doubleClaimsStored} stored, ${pool.tasksLeftUndone} undone`,
      target: '0',
      ok: doubles === 0,
    });
    rows.push({
      ratio: 'queue pool: claims/s',
      measured: `${pool.claimsPerSecond.toFixed(0)}/s, all empty after ${(pool.drainMs / 1000).toFixed(1)} s; queue_start p50 ${pool.queueStart.p50.toFixed(1)} ms, p99 ${pool.queueStart.p99.toFixed(0)} ms`,
      target: '-',
    });
  }
  if (r.accept) {
    const { off, fair, burst, busyClients } = r.accept;
    rows.push({
      ratio: `new connection under load (burst of ${burst}, ${busyClients} busy), p99`,
      measured: `${fair.p99.toFixed(0)} ms (off: ${off.p99.toFixed(0)} ms, ${(fair.p99 / off.p99).toFixed(2)}x)`,
      target: `< ${ACCEPT_P99_TARGET_MS} ms`,
      ok: fair.p99 < ACCEPT_P99_TARGET_MS,
    });
    // Before the burst: steady load, where slicing can only cost. While the burst waits, off serves the busy
    // clients the burst's share (that is the unfairness), so that figure is shown, not held to a target.
    const steady = fair.busyBeforePerSecond / off.busyBeforePerSecond;
    rows.push({
      ratio: "busy clients' throughput with fair turns vs off",
      measured: `${steady.toFixed(2)}x before the burst (${fair.busyBeforePerSecond.toFixed(0)} vs ${off.busyBeforePerSecond.toFixed(0)}/s); while it waited ${fair.busyDuringPerSecond.toFixed(0)} vs ${off.busyDuringPerSecond.toFixed(0)}/s`,
      target: `>= ${ACCEPT_THROUGHPUT_TARGET}x`,
      ok: steady >= ACCEPT_THROUGHPUT_TARGET,
    });
  }
  return rows;
}

export function printSummary(rows: SummaryRow[], ms: number): void {
  if (rows.length === 0) return;
  const table = [{ ratio: 'ratio', measured: 'measured', target: 'target', ok: 'ok' }, ...rows.map((r) => ({ ...r, ok: r.ok === undefined ? '-' : r.ok ? 'ok' : 'MISS' }))];
  const width = (k: 'ratio' | 'measured' | 'target') => Math.max(...table.map((r) => r[k].length));
  const [w1, w2, w3] = [width('ratio'), width('measured'), width('target')];
  console.log(`\nsummary (this run, ${(ms / 1000).toFixed(0)} s)`);
  for (const [i, r] of table.entries()) {
    console.log(`${r.ratio.padEnd(w1)} | ${r.measured.padEnd(w2)} | ${r.target.padEnd(w3)} | ${r.ok}`);
    if (i === 0) console.log(`${'-'.repeat(w1)}-|-${'-'.repeat(w2)}-|-${'-'.repeat(w3)}-|---`);
  }
}
