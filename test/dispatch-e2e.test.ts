/**
 * End to end: `maestro run` (the real binary) against a real server with the PTY supervisor and tmux,
 * its workers the scripted agent (test/agent/agent.ts) talking MCP back to the server. A 20-task graph
 * (roots, chains, diamonds, mixed priorities) drains with 3 workers: dependencies respected, never more
 * than 3 workers alive, a worker that fails once retried; a task failing every time ends blocked with the
 * reason, its dependent never starts; the dry-run plan; refused and invalid starts; a restart mid-run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FINISHED_SESSION_STATUSES } from '../src/core/constants.js';
import type { MaestroEvent } from '../src/core/events.js';
import type { Session, Task } from '../src/core/types.js';
import { BIN, ownerApi, ROOT, runCli, startTestServer, waitFor, type TestServer } from './helpers.js';
import { closeAgentServer, FAST_TIMING } from './pty-support.js';

const AGENT_JS = join(ROOT, 'dist', 'test', 'agent', 'agent.js');

let server: TestServer | null = null;
let unsubscribe: (() => void) | null = null;

beforeAll(() => {
  for (const file of [AGENT_JS, join(ROOT, 'dist', 'src', 'cli', 'main.js')])
    if (!existsSync(file)) throw new Error(`${file} is missing: build first (npx tsc -p tsconfig.json)`);
});

afterEach(async () => {
  unsubscribe?.();
  unsubscribe = null;
  if (!server) return;
  const s = server;
  server = null;
  await closeAgentServer(s);
});

/**
 * The workers' agent command: the scripted agent, never asking for input, crashing (exit 3 after its
 * first progress report) for the task ids listed in fail-always, and the first time for those in fail-once;
 * slow (1.5 s between steps) for those in slow.
 */
function writeWrapper(dir: string): string {
  const wrapper = join(dir, 'worker.sh');
  writeFileSync(
    wrapper,
    [
      'D=' + JSON.stringify(dir),
      'export AGENT_ASK=0 AGENT_STEP_MS=20 AGENT_HOOKS=0 AGENT_TRANSCRIPT=0',
      'if grep -qx "$MAESTRO_TASK_IDS" "$D/fail-always" 2>/dev/null; then export AGENT_CRASH=1; fi',
      'if grep -qx "$MAESTRO_TASK_IDS" "$D/slow" 2>/dev/null; then export AGENT_STEP_MS=1500; fi',
      'if grep -qx "$MAESTRO_TASK_IDS" "$D/fail-once" 2>/dev/null && [ ! -e "$D/tried-$MAESTRO_TASK_IDS" ]; then',
      '  : > "$D/tried-$MAESTRO_TASK_IDS"; export AGENT_CRASH=1',
      'fi',
      `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(AGENT_JS)}`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'fail-always'), '');
  writeFileSync(join(dir, 'fail-once'), '');
  return wrapper;
}

interface World {
  server: TestServer;
  dir: string;
  env: Record<string, string>;
  /** The most live workers seen at once, sampled on every session event of the bus. */
  peak: () => number;
}

async function startWorld(): Promise<World> {
  const s = await startTestServer({ supervisor: true, supervisorTiming: FAST_TIMING });
  server = s;
  const dir = join(s.home, 'agent');
  mkdirSync(dir, { recursive: true });
  const wrapper = writeWrapper(dir);
  s.svc.templates.create({ name: 'scripted-worker', agentCommand: `/bin/sh ${wrapper}`, description: 'the scripted agent' });
  let peak = 0;
  const sample = (event: MaestroEvent) => {
    if (event.type !== 'session.created' && event.type !== 'session.updated') return;
    const alive = s.svc.sessions.list({ projectId: event.session.projectId }).filter((x) => !FINISHED_SESSION_STATUSES.includes(x.status)).length;
    peak = Math.max(peak, alive);
  };
  unsubscribe = s.svc.bus.subscribe(sample);
  return { server: s, dir, env: { MAESTRO_HOME: s.home, MAESTRO_API_URL: s.url }, peak: () => peak };
}

function makeProject(w: World, name: string) {
  const workdir = join(w.server.home, name);
  mkdirSync(workdir, { recursive: true });
  return w.server.svc.projects.create({ name, workingDir: workdir });
}

/** The 20-task graph: 4 roots with chains and diamonds below them, mixed priorities, and a task that fails once. */
function makeGraph(w: World, projectId: string) {
  const svc = w.server.svc;
  const t = (title: string, priority: Task['priority'], dependencies: string[] = []) => svc.tasks.create({ projectId, title, priority, dependencies }).id;
  const A = t('A root chain', 'high');
  const B = t('B root diamond', 'low');
  const C = t('C root wide diamond', 'medium');
  const D = t('D root critical', 'critical');
  const E = t('E flaky root', 'medium');
  const A2 = t('A2', 'medium', [A]);
  const A3 = t('A3', 'low', [A2]);
  const A4 = t('A4', 'high', [A3]);
  const B1 = t('B1', 'high', [B]);
  const B2 = t('B2', 'low', [B]);
  const B3 = t('B3 joins B1 B2', 'medium', [B1, B2]);
  const C1 = t('C1', 'low', [C]);
  const C2 = t('C2', 'critical', [C]);
  const C3 = t('C3', 'medium', [C]);
  const C4 = t('C4 joins C1 C2 C3', 'high', [C1, C2, C3]);
  const D1 = t('D1', 'critical', [D]);
  const D2 = t('D2 after D1 and A2', 'medium', [D1, A2]);
  const E1 = t('E1', 'medium', [E]);
  const F = t('F joins B3 C4', 'low', [B3, C4]);
  const G = t('G last', 'critical', [F, D2, A4, E1]);
  writeFileSync(join(w.dir, 'fail-once'), `${E}\n`);
  return { A, B, C, D, E, A2, A3, A4, B1, B2, B3, C1, C2, C3, C4, D1, D2, E1, F, G };
}

const sessionsOf = (w: World, projectId: string): Session[] => w.server.svc.sessions.list({ projectId });

describe('maestro run: auto-dispatch end to end', { timeout: 150_000 }, () => {
  it('drains a 20-task graph with 3 workers, respecting dependencies, retrying a failed worker', async () => {
    const w = await startWorld();
    const project = makeProject(w, 'graph');
    const ids = makeGraph(w, project.id);
    const svc = w.server.svc;

    // The plan first: nothing starts.
    const dry = await runCli(['run', '--project', 'graph', '--dry-run', '--json'], w.env);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = dry.json().plan;
    expect(plan.order).toHaveLength(20);
    expect(plan.waves[0].map((p: { taskId: string }) => p.taskId)).toEqual([ids.D, ids.A, ids.C, ids.E, ids.B]);
    expect(plan.waves[1].map((p: { taskId: string }) => p.taskId)).toEqual([ids.C2, ids.D1, ids.B1, ids.A2, ids.C3, ids.E1, ids.B2, ids.C1]);
    expect(plan.waves.at(-1).map((p: { taskId: string }) => p.taskId)).toEqual([ids.G]);
    expect(plan.never).toEqual([]);
    const position = new Map<string, number>(plan.order.map((id: string, i: number) => [id, i]));
    for (const task of svc.tasks.list({ projectId: project.id }))
      for (const dep of task.dependencies) expect(position.get(dep)!).toBeLessThan(position.get(task.id)!);
    const human = await runCli(['run', '--project', 'graph', '--dry-run'], w.env);
    expect(human.stdout).toContain('wave 0 (ready now):');
    expect(human.stdout).toContain(`${ids.G}  G last  [critical]`);
    expect(sessionsOf(w, project.id)).toHaveLength(0);

    const started = Date.now();
    const run = await runCli(['run', '--project', 'graph', '--max-workers', '3', '--template', 'scripted-worker', '--retries', '2'], w.env);
    const seconds = (Date.now() - started) / 1000;
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);

    const tasks = svc.tasks.list({ projectId: project.id });
    expect(tasks.filter((t) => t.status !== 'done').map((t) => `${t.title}: ${t.status}`)).toEqual([]);
    const sessions = sessionsOf(w, project.id);
    // One worker per task, and one more for the task that failed once.
    expect(sessions).toHaveLength(21);
    const byId = new Map(tasks.map((t) => [t.id, t]));
    for (const s of sessions) {
      expect(s.role).toBe('worker');
      expect(s.taskIds).toHaveLength(1);
      const task = byId.get(s.taskIds[0]!)!;
      for (const dep of task.dependencies) expect(Date.parse(s.createdAt)).toBeGreaterThanOrEqual(Date.parse(byId.get(dep)!.completedAt!));
    }
    expect(w.peak()).toBe(3);
    // The highest priority roots got the first three workers.
    const firstThree = [...sessions].sort((a, b) => a.createdAt.localeCompare(b.createdAt)).slice(0, 3).map((s) => s.taskIds[0]);
    expect(firstThree).toEqual([ids.D, ids.A, ids.C]);
    // The flaky task: its first worker failed (exit code 3), the second finished it.
    const flaky = sessions.filter((s) => s.taskIds[0] === ids.E);
    expect(flaky.map((s) => s.status)).toEqual(['failed', 'completed']);
    expect(flaky[0]!.exitCode).toBe(3);
    expect(run.stdout).toMatch(new RegExp(`${ids.E} failed \\(attempt 1/3\\): worker ${flaky[0]!.id} failed, exit code 3`));
    expect(run.stdout).toMatch(new RegExp(`started ses_\\w+ for ${ids.G} 'G last' \\([1-3]/3 workers\\)`));
    expect(run.stdout).toContain(`${ids.G} done`);
    expect(run.stdout).toContain('dispatch drained');
    expect(run.stdout).toContain('20 done');
    const state = (await ownerApi(w.server, 'GET', `/api/dispatch?project=${project.id}`)).body;
    expect(state).toMatchObject({ status: 'drained', maxWorkers: 3, template: 'scripted-worker', retries: 2 });
    expect(state.counts).toMatchObject({ running: 0, done: 20, blocked: 0, ready: 0, waiting: 0, failedAttempts: 1 });
    console.log(`20-task graph drained in ${seconds.toFixed(1)} s with 3 workers (21 workers started, peak ${w.peak()})`);
  });

  it('blocks a task that fails past the retry limit with the reason; its dependent never starts; exit 1', async () => {
    const w = await startWorld();
    const project = makeProject(w, 'doomed');
    const svc = w.server.svc;
    const ok = svc.tasks.create({ projectId: project.id, title: 'fine' });
    const bad = svc.tasks.create({ projectId: project.id, title: 'always crashes', priority: 'high' });
    const after = svc.tasks.create({ projectId: project.id, title: 'after the crash', dependencies: [bad.id] });
    writeFileSync(join(w.dir, 'fail-always'), `${bad.id}\n`);

    const run = await runCli(['run', '--project', 'doomed', '--template', 'scripted-worker', '--retries', '1', '--json'], w.env);
    expect(run.code, run.stderr).toBe(1);
    const final = run.json();
    expect(final.status).toBe('drained');
    expect(final.counts).toMatchObject({ done: 1, blocked: 1, failedAttempts: 2 });
    expect(run.stderr).toMatch(new RegExp(`${bad.id} failed \\(attempt 1/2\\): worker ses_\\w+ failed, exit code 3`));
    expect(run.stderr).toMatch(new RegExp(`${bad.id} blocked: worker ses_\\w+ failed, exit code 3.*\\(after 2 failed attempt\\(s\\)\\)`));
    expect(run.stderr).toContain(`${after.id} 'after the crash' can never start: depends on ${bad.id} (always crashes), which is blocked`);
    const blocked = svc.tasks.get(bad.id);
    expect(blocked.status).toBe('blocked');
    expect(blocked.assignee).toBeNull();
    expect(blocked.description).toMatch(/Blocked by auto-dispatch after 2 failed attempt\(s\): worker ses_\w+ failed, exit code 3/);
    expect(svc.tasks.get(ok.id).status).toBe('done');
    expect(svc.tasks.get(after.id).status).toBe('todo');
    expect(sessionsOf(w, project.id).filter((s) => s.taskIds[0] === after.id)).toHaveLength(0);
    expect(sessionsOf(w, project.id).filter((s) => s.taskIds[0] === bad.id).map((s) => s.status)).toEqual(['failed', 'failed']);

    // The plan says so too.
    const dry = await runCli(['run', '--project', 'doomed', '--dry-run'], w.env);
    expect(dry.stdout).toContain('never (a dependency is blocked or cancelled):');
    expect(dry.stdout).toContain(`${after.id}  after the crash: depends on ${bad.id} (always crashes), which is blocked`);
  });

  it('refuses a worker, names a bad field, and resumes after a restart mid-run', async () => {
    const w = await startWorld();
    const project = makeProject(w, 'restart');
    const svc = w.server.svc;

    // A worker may not start dispatching (REST and CLI); bad input names its field.
    const worker = svc.sessions.create({
      projectId: project.id,
      role: 'worker',
      strategy: 'simple',
      taskIds: [],
      env: {},
      parentSessionId: null,
      templateId: null,
      agentCommand: null,
      skills: [],
    });
    const asWorker = await runCli(['run', '--dry-run', '--json'], { ...w.env, MAESTRO_SESSION_ID: worker.session.id, MAESTRO_SESSION_TOKEN: worker.token });
    expect(asWorker.code).toBe(1);
    expect(asWorker.json().error.code).toBe('forbidden');
    const zero = await runCli(['run', '--project', 'restart', '--max-workers', '0', '--json'], w.env);
    expect(zero.code).toBe(2);
    expect(zero.json().error).toMatchObject({ code: 'invalid_input', field: 'maxWorkers' });
    expect(zero.stderr).toContain('--max-workers');
    const rest = await ownerApi(w.server, 'POST', '/api/dispatch/start', { project: project.id, maxWorkers: 65 });
    expect(rest.status).toBe(400);
    expect(rest.body.error).toMatchObject({ code: 'invalid_input', field: 'maxWorkers' });
    const unknownTemplate = await ownerApi(w.server, 'POST', '/api/dispatch/start', { project: project.id, template: 'nope' });
    expect(unknownTemplate.body.error).toMatchObject({ code: 'not_found', field: 'template' });
    expect((await ownerApi(w.server, 'GET', `/api/dispatch?project=${project.id}`)).body.status).toBeNull();

    // A chain of 6: started detached with 1 worker; the server restarts after the second task is done.
    let prev: string[] = [];
    const chain: string[] = [];
    for (let i = 1; i <= 6; i++) {
      const id = svc.tasks.create({ projectId: project.id, title: `step ${i}`, dependencies: prev }).id;
      chain.push(id);
      prev = [id];
    }
    // `maestro run` follows the dispatch through the restart (it keeps asking while the server is away).
    const following = runCli(['run', '--project', 'restart', '--max-workers', '1', '--template', 'scripted-worker'], w.env);
    await waitFor(() => w.server.svc.tasks.get(chain[1]!).status === 'done', 30_000, 'step 2 done');
    server = await w.server.restart();
    w.server = server;
    const status = await runCli(['dispatch', 'status', '--project', 'restart', '--json'], w.env);
    expect(status.json().status).toBe('running');
    const run = await following;
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain(`for ${chain[0]} 'step 1' (1/1 workers)`);
    expect(run.stdout).toContain(`${chain[5]} done 'step 6'`);
    expect(run.stdout).toContain('dispatch drained: nothing left to start: 6 done, 0 blocked');
    await waitFor(() => server!.svc.dispatcher.rows.get(project.id)?.status === 'drained', 60_000, 'the resumed dispatcher to drain');
    const after = server.svc;
    expect(chain.map((id) => after.tasks.get(id).status)).toEqual(Array(6).fill('done'));
    const workers = after.sessions.list({ projectId: project.id }).filter((s) => s.id !== worker.session.id);
    // One worker per step in order (a worker the restart cut short would be retried: the same step again).
    const steps = workers.map((s) => s.taskIds[0]).filter((id, i, all) => id !== all[i - 1]);
    expect(steps).toEqual(chain);
    expect(workers.filter((s) => s.status === 'completed')).toHaveLength(6);
    const spawned = after.dispatcher.rows.entries(project.id, 0).filter((e) => e.kind === 'spawned');
    expect(spawned.length).toBe(workers.length);
    for (const e of spawned) expect(e.message).toMatch(/\(1\/1 workers\)$/);

  });

  it('--detach returns at once; Ctrl-C stops dispatching and says the live workers go on', async () => {
    const w = await startWorld();
    const project = makeProject(w, 'ctrlc');
    const svc = w.server.svc;
    const ids = ['one', 'two', 'three'].map((title) => svc.tasks.create({ projectId: project.id, title }).id);
    writeFileSync(join(w.dir, 'slow'), `${ids.join('\n')}\n`);

    const detached = await runCli(['run', '--project', 'ctrlc', '--max-workers', '1', '--template', 'scripted-worker', '--detach'], w.env);
    expect(detached.code, detached.stderr).toBe(0);
    expect(detached.stdout).toContain(`for ${ids[0]} 'one' (1/1 workers)`);
    expect(detached.stdout).toContain('dispatching in the background');
    const stop = await runCli(['dispatch', 'stop', '--project', 'ctrlc'], w.env);
    expect(stop.stdout).toContain('dispatch stopped; 1 live worker(s) go on with their tasks');

    // Started again (a new run, 2 workers), followed, and interrupted.
    const child = spawn(process.execPath, [BIN, 'run', '--project', 'ctrlc', '--max-workers', '2', '--template', 'scripted-worker'], {
      env: { ...process.env, MAESTRO_LOG_LEVEL: 'silent', ...w.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    await waitFor(() => out.includes(`for ${ids[1]} 'two'`), 20_000, 'the second worker to start');
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(out).toMatch(/stopped dispatching; [12] live worker\(s\) go on with their tasks/);
    const state = (await ownerApi(w.server, 'GET', `/api/dispatch?project=${project.id}`)).body;
    expect(state).toMatchObject({ status: 'stopped', reason: 'stopped on request' });
    // The workers finish their tasks; the third task was never dispatched.
    await waitFor(() => svc.tasks.get(ids[0]!).status === 'done' && svc.tasks.get(ids[1]!).status === 'done', 30_000, 'the live workers to finish');
    expect(svc.tasks.get(ids[2]!)).toMatchObject({ status: 'todo', assignee: null });
    expect(sessionsOf(w, project.id).map((s) => s.taskIds[0])).toEqual([ids[0], ids[1]]);
  });
});
