/**
 * `npm run bench` must run to its end: its parts are scripts nobody runs in CI otherwise, and an operation
 * that changes under them (task_tree's limit did) makes the benchmark die halfway. The core part, small
 * (1,200 tasks: a tree larger than task_tree's default limit), runs here through the built script.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

describe('npm run bench', () => {
  it('runs its core part to the end, printing its figures', () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'dist', 'scripts', 'bench.js'), 'core'], {
      env: { ...process.env, BENCH_TASKS: '1200', MAESTRO_LOG_LEVEL: 'warn' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/core: task tree \(1200, its largest limit\)\s+20 ops/);
    expect(run.stdout).toMatch(/http: POST \/api\/tasks\s+\d+ ops/);
    expect(run.stdout).toMatch(/memory: rss \d+ MiB/);
  }, 150_000);

  it('runs its sessions part to the end (300 sessions), printing how long each request held the server', () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'dist', 'scripts', 'bench.js'), 'sessions'], {
      env: { ...process.env, BENCH_SESSIONS: '300', MAESTRO_LOG_LEVEL: 'warn' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/sessions: 300 sessions \(200 live\)/);
    for (const label of ['session list', 'status', 'dispatch status'])
      expect(run.stdout).toMatch(new RegExp(`sessions: ${label}.* server blocked at most +\\d+ ms`));
  }, 150_000);
});
