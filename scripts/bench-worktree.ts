/**
 * What a git worktree per session costs at spawn: `session.spawn` over HTTP with `worktree: true` against
 * `worktree: false`, on a repository of 10,000 small files (one commit), taking turns so that a change in the
 * machine's load hits both alike. The service runs in process without a supervisor, as in scripts/bench.ts:
 * no agent is launched, so the figures are the spawn itself (record, worktree + branch + copied files, manifest).
 * scripts/bench.ts calls `benchWorktree()`; `node dist/scripts/bench-worktree.js` runs it alone.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { MaestroService } from '../src/core/service.js';
import { MaestroClient } from '../src/http/client.js';
import { startServer } from '../src/http/server.js';
import { createLogger } from '../src/log/logger.js';
import { readSecret } from '../src/security/secret.js';
import { percentile } from './bench-slow-clients.js';

const RUNS = Number(process.env.BENCH_WORKTREE_RUNS ?? 10);
const FILES = Number(process.env.BENCH_WORKTREE_FILES ?? 10_000);

/** git's own variables of an outer process must not steer the repository made here. */
const GIT_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_')));
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: GIT_ENV, stdio: ['ignore', 'pipe', 'pipe'] });

/** `count` small files in 100 directories, an ignored .env (copied into each worktree), one commit on main. */
function makeRepo(dir: string, count: number): void {
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Maestro Bench');
  git(dir, 'config', 'user.email', 'bench@maestro.invalid');
  git(dir, 'config', 'commit.gpgsign', 'false');
  const dirs = 100;
  for (let d = 0; d < dirs; d++) mkdirSync(join(dir, `pkg${d}`), { recursive: true });
  for (let i = 0; i < count; i++) writeFileSync(join(dir, `pkg${i % dirs}`, `file${i}.ts`), `export const value${i} = ${i};\n`);
  writeFileSync(join(dir, '.gitignore'), '.env*\n');
  writeFileSync(join(dir, '.env'), 'BENCH=1\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', `${count} files`);
}

export async function benchWorktree(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'maestro-bench-wt-'));
  const repos = mkdtempSync(join(tmpdir(), 'maestro-bench-wt-repo-'));
  const repo = join(repos, 'big');
  try {
    let t = performance.now();
    makeRepo(repo, FILES);
    const made = performance.now() - t;

    const svc = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:0' });
    const server = await startServer({ svc, port: 0, logger: createLogger('bench', 'silent') });
    const client = new MaestroClient({ baseUrl: server.url, secret: readSecret(home)! });
    try {
      await client.call('project.create', { name: 'bench-wt', workingDir: repo });
      const spawn = async (worktree: boolean, name: string) => {
        const start = performance.now();
        const { session } = await client.call('session.spawn', { project: 'bench-wt', name, worktree });
        const ms = performance.now() - start;
        if (worktree && !session.worktreePath) throw new Error(`session ${session.id} was spawned without a worktree`);
        return { ms, id: session.id };
      };
      const withTree: number[] = [];
      const without: number[] = [];
      const sessions: string[] = [];
      for (let i = -1; i < RUNS; i++) {
        // one round to warm the disk cache and the server, not counted
        const a = await spawn(true, `wt-${i + 1}`);
        const b = await spawn(false, `plain-${i + 1}`);
        sessions.push(a.id);
        if (i >= 0) {
          withTree.push(a.ms);
          without.push(b.ms);
        }
      }

      const p = (xs: number[], q: number) => percentile(xs, q);
      const line = (label: string, times: number[], note = '') =>
        console.log(
          `${label.padEnd(44)} ${times.length.toString().padStart(6)} runs  p50 ${p(times, 0.5).toFixed(1).padStart(7)} ms  p90 ${p(times, 0.9).toFixed(1).padStart(7)} ms${note}`,
        );
      console.log(`worktree: ${FILES}-file repository made in ${made.toFixed(0)} ms (spawns over HTTP, no agent launched)`);
      line('worktree: spawn without a worktree', without);
      line('worktree: spawn with a worktree', withTree, `  ${(p(withTree, 0.5) / p(without, 0.5)).toFixed(1).padStart(5)}x p50  ${(p(withTree, 0.9) / p(without, 0.9)).toFixed(1).padStart(5)}x p90`);

      // Clean up through the product: a session that never ran is stopped, then its worktree and branch go.
      const cleanups: number[] = [];
      for (const id of sessions) {
        t = performance.now();
        await client.call('session.stop', { sessionId: id });
        await client.call('session.cleanup', { sessionId: id, force: true });
        cleanups.push(performance.now() - t);
      }
      line('worktree: stop + clean-up (worktree, branch)', cleanups);
    } finally {
      await server.close();
      svc.close();
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
    rmSync(repos, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await benchWorktree();
