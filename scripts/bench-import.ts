/**
 * Bulk import (issue 13): `maestro task import` of a 100k-task JSONL file (a tenth of them subtasks, a
 * tenth with a dependency) through the built CLI against a real server, then the same file again (which
 * must change nothing), a dry run of it, `maestro task export` of the result and `maestro task tree` (both
 * streamed), `maestro status` and `maestro dispatch status` (both read the whole project), and last
 * `maestro project delete` of it all, each with the longest the server could not turn to another client
 * meanwhile. The issue's
 * target: the import under 10 s. BENCH_IMPORT sets the number of tasks. scripts/bench.ts calls
 * `benchImport()`; `node dist/scripts/bench-import.js` runs it alone.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { MaestroService } from '../src/core/service.js';
import { startServer } from '../src/http/server.js';
import { createLogger } from '../src/log/logger.js';
import { MAESTRO_BIN } from './bench-slow-clients.js';

const COUNT = Number(process.env.BENCH_IMPORT ?? 100_000);

/**
 * Runs the CLI; its wall time, stdout, and the longest the server (in this process) kept its event loop from
 * turning meanwhile: how long every other client of the server waited at worst.
 */
async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; stdout: string; blockedMs: number }> {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  try {
    const run = await cliRun(args, env);
    return { ...run, blockedMs: loop.max / 1e6 };
  } finally {
    loop.disable();
  }
}

function cliRun(args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [MAESTRO_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve({ ms: performance.now() - start, stdout }) : reject(new Error(`maestro ${args.join(' ')} exited ${code}: ${stderr}`))));
  });
}

function rows(count: number): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const row: Record<string, unknown> = { key: `t${i}`, title: `Imported task ${i}`, description: `What done looks like for task ${i}.`, priority: i % 7 === 0 ? 'high' : 'medium' };
    if (i % 10 === 1) row.parent = `t${i - 1}`;
    if (i % 10 === 5) row.dependsOn = [`t${i - 3}`];
    if (i % 4 === 0) row.status = 'done';
    lines.push(JSON.stringify(row));
  }
  return `${lines.join('\n')}\n`;
}

export async function benchImport(count = COUNT): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'maestro-bench-import-'));
  const svc = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:0' });
  const server = await startServer({ svc, port: 0, logger: createLogger('bench', 'silent') });
  try {
    svc.projects.create({ name: 'import', workingDir: home });
    const file = join(home, 'tasks.jsonl');
    writeFileSync(file, rows(count));
    const mb = statSync(file).size / 2 ** 20;
    const env: NodeJS.ProcessEnv = { ...process.env, MAESTRO_HOME: home, MAESTRO_API_URL: server.url, MAESTRO_LOG_LEVEL: 'silent', MAESTRO_PROJECT_ID: 'import' };
    for (const key of ['MAESTRO_SESSION_ID', 'MAESTRO_SESSION_TOKEN', 'MAESTRO_PORT']) delete env[key];
    const line = (label: string, run: { ms: number; blockedMs: number }, note: string) =>
      console.log(
        `${label.padEnd(44)} ${count.toString().padStart(6)} rows ${run.ms.toFixed(0).padStart(6)} ms  ${((count / run.ms) * 1000).toFixed(0).padStart(8)} rows/s  server blocked at most ${run.blockedMs.toFixed(0).padStart(4)} ms  ${note}`,
      );
    const first = await cli(['task', 'import', file, '--json'], env);
    const r1 = JSON.parse(first.stdout) as { created: number };
    line('import: CLI, new tasks', first, `created ${r1.created} (${mb.toFixed(1)} MiB file; target < 10 s at 100k)`);
    const again = await cli(['task', 'import', file, '--json'], env);
    const r2 = JSON.parse(again.stdout) as { created: number; updated: number; unchanged: number };
    line('import: CLI, same file again', again, `created ${r2.created}, updated ${r2.updated}, unchanged ${r2.unchanged}`);
    const dry = await cli(['task', 'import', file, '--dry-run', '--json'], env);
    line('import: CLI, dry run', dry, 'nothing written');
    const exported = await cli(['task', 'export'], env);
    line('export: CLI, JSONL', exported, `${(Buffer.byteLength(exported.stdout) / 2 ** 20).toFixed(1)} MiB`);
    const tree = await cli(['task', 'tree', '--json'], env);
    line('tree: CLI, streamed', tree, `${(Buffer.byteLength(tree.stdout) / 2 ** 20).toFixed(1)} MiB`);
    // Commands that read the whole project at once: counts (ready ones too) and the dispatcher's plan.
    const status = await cli(['status', '--json'], env);
    const st = JSON.parse(status.stdout) as { tasks: { ready: number } };
    line('status: CLI', status, `${st.tasks.ready} ready`);
    const dispatch = await cli(['dispatch', 'status', '--json'], env);
    const ds = JSON.parse(dispatch.stdout) as { counts: { ready: number; waiting: number } };
    line('dispatch status: CLI (plans the project)', dispatch, `${ds.counts.ready} ready, ${ds.counts.waiting} waiting`);
    // Last, the project goes: in one transaction, its 100k tasks held the server 1.7 s.
    const deleted = await cli(['project', 'delete', 'import', '--yes', '--json'], env);
    const dl = JSON.parse(deleted.stdout) as { deletedTasks: number };
    line('project delete: CLI (in slices)', deleted, `${dl.deletedTasks} tasks deleted`);
    const n = await cli(['--version'], env);
    console.log(`${'import: CLI start-up (maestro --version)'.padEnd(44)} ${n.ms.toFixed(0).padStart(18)} ms`);
  } finally {
    await server.close();
    svc.close();
    rmSync(home, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchImport();
