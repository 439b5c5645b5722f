/**
 * Many sessions (issue 13): 200 agents, run after run, leave thousands. A project with BENCH_SESSIONS
 * sessions (default 5,000: 200 live, the rest completed; a tenth are queues; each with a task and three
 * progress reports), then the requests that read them all over REST, each with its wall time and the
 * longest the server (in this process) could not turn to another client meanwhile: the session list, the
 * status counts and the dispatcher's plan (which looks up what live sessions hold). Before this part
 * existed, measured with a probe request: 443-471 ms, 89-113 ms and 346 ms.
 * scripts/bench.ts calls `benchSessions()`; `node dist/scripts/bench-sessions.js` runs it alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { MaestroService } from '../src/core/service.js';
import { startServer } from '../src/http/server.js';
import { createLogger } from '../src/log/logger.js';
import { readSecret } from '../src/security/secret.js';

const COUNT = Number(process.env.BENCH_SESSIONS ?? 5000);
const LIVE = 200;

export interface SessionsFigures {
  sessions: number;
  /** The longest block of each request, in ms. */
  blockedMs: Record<string, number>;
}

export async function benchSessions(count = COUNT): Promise<SessionsFigures> {
  const home = mkdtempSync(join(tmpdir(), 'maestro-bench-sessions-'));
  const svc = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:0' });
  svc.store.groupCommits();
  const server = await startServer({ svc, port: 0, logger: createLogger('bench', 'silent') });
  const blockedMs: Record<string, number> = {};
  try {
    const project = svc.projects.create({ name: 'busy', workingDir: home });
    const made = performance.now();
    for (let i = 0; i < count; i++) {
      const task = svc.tasks.create({ projectId: project.id, title: `work ${i}` });
      const { session } = await svc.spawn({ projectId: project.id, taskIds: [task.id], strategy: i % 10 === 0 ? 'queue' : 'simple' });
      for (let r = 0; r < 3; r++) svc.report(session.id, 'progress', `step ${r}`);
      if (i >= LIVE) svc.report(session.id, 'complete', 'done');
    }
    console.log(`sessions: ${count} sessions (${Math.min(LIVE, count)} live) made in ${((performance.now() - made) / 1000).toFixed(1)} s`);
    const headers = { authorization: `Bearer ${readSecret(home)}` };
    for (const [label, path] of [
      ['session list (all of the project)', `/api/sessions?project=busy`],
      ['status (counts)', '/api/status'],
      ['dispatch status (plans the project)', '/api/dispatch?project=busy'],
    ] as const) {
      const loop = monitorEventLoopDelay({ resolution: 1 });
      loop.enable();
      const start = performance.now();
      const res = await fetch(`${server.url}${path}`, { headers });
      const body = await res.text();
      const ms = performance.now() - start;
      loop.disable();
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${body.slice(0, 200)}`);
      blockedMs[label] = loop.max / 1e6;
      console.log(
        `sessions: ${label.padEnd(36)} ${ms.toFixed(0).padStart(6)} ms  ${(body.length / 2 ** 20).toFixed(1).padStart(5)} MiB  server blocked at most ${blockedMs[label]!.toFixed(0).padStart(4)} ms`,
      );
    }
    return { sessions: count, blockedMs };
  } finally {
    await server.close();
    svc.close();
    rmSync(home, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchSessions();
