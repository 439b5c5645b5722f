/**
 * The dispatcher's picture of a project (dispatch-plan.ts) at scale. It is read and worked out in slices, the
 * turn given away in between: the whole project hydrated at once held the server 1.2 s at 100k tasks, on
 * every `dispatch status`, dry run and decision. A chain of dependencies as long as the project is planned
 * without a call stack as deep: 5,000 tasks, each waiting on one made after it, overflowed it, and every
 * one of those failed. Counted, not timed. Then the same chain end to end: `maestro dispatch status` and
 * `maestro run --dry-run` through the built binary against a real server. Needs `npm run build`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TASK_PRIORITIES } from '../src/core/constants.js';
import { dispatchPicture } from '../src/core/dispatch-plan.js';
import { Slices } from '../src/core/slices.js';
import { rowsOf } from '../src/core/task-import.js';
import { CLEAN_ENV } from './cli-support.js';
import { coreForEachTest } from './core-support.js';
import { ownerApi, runCli, startTestServer } from './helpers.js';
import { TurnCounter } from './turn-counter.js';

const CHAIN = 5_000;
/** Task i waits on task i+1: the first one made starts last. */
const chain = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ key: `t${i}`, title: `task ${i}`, ...(i + 1 < n ? { dependsOn: [`t${i + 1}`] } : {}) }));

describe('the dispatch picture', () => {
  const core = coreForEachTest();

  it('plans a chain of 5,000 dependencies, the first task made starting last, one wave each', async () => {
    core.svc.importer.run(core.projectId, rowsOf(chain(CHAIN)));
    const picture = await dispatchPicture(core.svc.store, core.projectId);
    expect(picture.ready.map((t) => t.title)).toEqual([`task ${CHAIN - 1}`]);
    expect(picture.waiting).toBe(CHAIN - 1);
    expect(picture.never).toEqual([]);
    expect(picture.planned.map((p) => p.wave)).toEqual(Array.from({ length: CHAIN }, (_, i) => i));
    expect(picture.planned.map((p) => p.task.title)).toEqual(Array.from({ length: CHAIN }, (_, i) => `task ${CHAIN - 1 - i}`));
    expect(picture.planned[1]!.waitsOn).toEqual([picture.planned[0]!.task.id]);
  });

  it('gives the turn away while it reads and plans a project, and plans it as it does in one go', async () => {
    // Priorities in turn, a quarter done, every third task waiting on the one before, one blocked with dependents.
    const rows = Array.from({ length: 3_000 }, (_, i) => ({
      key: `t${i}`,
      title: `task ${i}`,
      priority: TASK_PRIORITIES[i % 4],
      status: i === 10 ? ('blocked' as const) : i % 4 === 0 ? ('done' as const) : ('todo' as const),
      ...(i % 3 === 2 ? { dependsOn: [`t${i - 1}`] } : {}),
    }));
    core.svc.importer.run(core.projectId, rowsOf(rows));
    const counter = new TurnCounter();
    const sliced = await dispatchPicture(core.svc.store, core.projectId, new Slices(0));
    expect(counter.stop()).toBeGreaterThanOrEqual(20);
    const calm = new TurnCounter();
    const whole = await dispatchPicture(core.svc.store, core.projectId, new Slices(60_000));
    expect(calm.stop()).toBeLessThan(5); // only between pages of 2,000 rows
    expect(sliced).toEqual(whole);
    const todo = rows.filter((r) => r.status === 'todo').length;
    expect(whole.planned.length + whole.never.length).toBe(todo);
    expect(whole.never.map((n) => n.task.title)).toEqual(['task 11']);
    expect(whole.never[0]!.reason).toMatch(/^depends on \S+ \(task 10\), which is blocked$/);
    // highest priority first, then task order
    expect(whole.ready.slice(0, 2).map((t) => [t.title, t.priority])).toEqual([
      ['task 3', 'critical'],
      ['task 7', 'critical'],
    ]);
  });
});

describe('dispatch of a long chain, end to end', () => {
  it('`maestro dispatch status` and `maestro run --dry-run` answer for a chain of 5,000 tasks and start nothing', async () => {
    const server = await startTestServer();
    const dir = mkdtempSync(join(tmpdir(), 'maestro-dispatch-'));
    try {
      const env = { ...CLEAN_ENV, MAESTRO_HOME: server.home, MAESTRO_API_URL: server.url };
      const created = await ownerApi(server, 'POST', '/api/projects', { name: 'chain', workingDir: dir });
      expect(created.status).toBe(201);
      const file = join(dir, 'chain.jsonl');
      writeFileSync(file, chain(CHAIN).map((r) => JSON.stringify(r)).join('\n'));
      const imported = await runCli(['task', 'import', file, '--project', 'chain', '--json'], env);
      expect(imported.code, imported.stderr).toBe(0);

      const status = await runCli(['dispatch', 'status', '--project', 'chain', '--json'], env);
      expect(status.code, status.stderr).toBe(0);
      expect(status.json().counts).toEqual({ ready: 1, waiting: CHAIN - 1, running: 0, done: 0, blocked: 0, failedAttempts: 0 });

      const dry = await runCli(['run', '--dry-run', '--project', 'chain', '--json'], env);
      expect(dry.code, dry.stderr).toBe(0);
      const plan = dry.json().plan;
      expect(plan.waves).toHaveLength(CHAIN);
      const first = server.svc.tasks.list({ projectId: created.body.id }).find((t) => t.key === `t${CHAIN - 1}`)!;
      expect(plan.order[0]).toBe(first.id);
      expect(plan.waves[CHAIN - 1]).toEqual([expect.objectContaining({ title: 'task 0', wave: CHAIN - 1 })]);
      expect(plan.never).toEqual([]);
      expect(server.svc.sessions.list({ projectId: created.body.id })).toEqual([]);
    } finally {
      await server.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
