/**
 * End to end: the Maestro server, the PTY supervisor with real tmux and node-pty, and the scripted
 * agent (test/agent/agent.ts, built to dist/) started through the same path as Claude Code, talking
 * MCP over stdio (`maestro mcp`) back to the server.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Session, Task, TaskNode, TimelineEvent } from '../src/core/types.js';
import { readRecording, recordingOutput } from '../src/pty/asciicast.js';
import { Supervisor } from '../src/pty/supervisor.js';
import { ownerAuth, ROOT, startTestServer, type TestServer } from './helpers.js';
import { FAST_TIMING, killTmuxServer, until } from './pty-support.js';

const AGENT_JS = join(ROOT, 'dist', 'test', 'agent', 'agent.js');
const AGENT = `${process.execPath} ${AGENT_JS}`;

interface World {
  server: TestServer;
  supervisor: Supervisor;
  workdir: string;
  projectId: string;
  /** Closes server and supervisor and starts new ones on the same home and port, as after a restart. */
  restart(downMs?: number): Promise<void>;
}

let world: World | null = null;

beforeAll(() => {
  for (const file of [AGENT_JS, join(ROOT, 'dist', 'src', 'cli', 'main.js')])
    if (!existsSync(file)) throw new Error(`${file} is missing: build first (npx tsc -p tsconfig.json)`);
});

afterEach(async () => {
  if (!world) return;
  const { server } = world;
  world = null;
  await server.close();
  await killTmuxServer(server.home);
  rmSync(server.home, { recursive: true, force: true });
});

async function startWorld(): Promise<World> {
  // The real composition root (src/app.ts) with its supervisor, only with faster state detection.
  // The scripted agent is also the server's default, which an orchestrator's workers run.
  const server = await startTestServer({ supervisor: true, supervisorTiming: FAST_TIMING, agentCommand: AGENT });
  const workdir = join(server.home, 'work');
  mkdirSync(workdir, { recursive: true });
  const w: World = {
    server,
    supervisor: server.supervisor!,
    workdir,
    projectId: server.svc.projects.create({ name: 'e2e', workingDir: workdir }).id,
    restart: async (downMs = 0) => {
      w.server = await w.server.restart(downMs);
      w.supervisor = w.server.supervisor!;
    },
  };
  world = w;
  return w;
}

async function api<T = any>(w: World, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(w.server.url + path, {
    method,
    headers: { ...ownerAuth(w.server.home), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

const svc = (w: World) => w.server.svc;
const session = (w: World, id: string): Session => svc(w).sessions.get(id);
const task = (w: World, id: string): Task => svc(w).tasks.get(id);
const timeline = (w: World, id: string): TimelineEvent[] => svc(w).sessions.timeline(id);
const newTask = (w: World, title: string) => svc(w).tasks.create({ projectId: w.projectId, title });

async function spawnAgent(
  w: World,
  input: { taskIds: string[]; role?: 'worker' | 'orchestrator'; strategy?: 'simple' | 'queue'; env?: Record<string, string> },
): Promise<Session> {
  const res = await api<{ session: Session }>(w, 'POST', '/api/sessions', { agentCommand: AGENT, ...input });
  if (res.status !== 201) throw new Error(`spawn failed: ${JSON.stringify(res.body)}`);
  return res.body.session;
}

/** The agent has exited and the supervisor has settled the session (status and exit code). */
const exited = (w: World, id: string) => timeline(w, id).some((e) => e.kind === 'agent_state' && e.data?.state === 'exited');

/** Waits for a session's agent to exit; on a timeout, says what its screen and timeline showed. */
async function settle(w: World, id: string, timeoutMs = 30_000): Promise<Session> {
  try {
    await until(() => exited(w, id), timeoutMs, `the agent of ${id} to exit`);
  } catch (err) {
    const screen = await w.supervisor.screen(id).catch(() => '(no screen)');
    const events = timeline(w, id).map((e) => `${e.kind}: ${e.message}`);
    throw new Error(`${(err as Error).message}\n--- screen ---\n${screen}\n--- timeline ---\n${events.join('\n')}`);
  }
  return session(w, id);
}

describe('agents under the supervisor (end to end)', () => {
  it('a simple worker works through its tasks and completes', async () => {
    const w = await startWorld();
    const [a, b] = [newTask(w, 'build the form'), newTask(w, 'write the tests')];
    const s = await spawnAgent(w, { taskIds: [a.id, b.id], env: { AGENT_ASK: '0' } });
    const done = await settle(w, s.id);
    expect(done).toMatchObject({ status: 'completed', exitCode: 0 });
    expect(task(w, a.id).status).toBe('done');
    expect(task(w, b.id).status).toBe('done');
    const kinds = timeline(w, s.id).map((e) => e.kind);
    expect(kinds).toContain('progress');
    expect(kinds).toContain('complete');
    const output = recordingOutput(readRecording(svc(w).paths.recording(s.id)));
    expect(output).toContain(`Maestro scripted agent: session ${s.id}`);
    expect(output).toContain('Done: write the tests');
  });

  it('input typed into the pty reaches the agent', async () => {
    const w = await startWorld();
    const t = newTask(w, 'paint the button');
    const s = await spawnAgent(w, { taskIds: [t.id] });
    await until(() => session(w, s.id).status === 'needs_input', 20_000, 'the agent to ask');
    await until(async () => (await w.supervisor.screen(s.id)).includes('Answer and press Enter'), 10_000, 'the question on screen');
    w.supervisor.write(s.id, 'blue\r');
    const done = await settle(w, s.id);
    expect(done.status).toBe('completed');
    expect(timeline(w, s.id).some((e) => e.kind === 'progress' && e.message === 'received input: blue')).toBe(true);
    expect(recordingOutput(readRecording(svc(w).paths.recording(s.id)))).toContain('Received: blue');
  });

  it('a queue worker drains its queue', async () => {
    const w = await startWorld();
    const tasks = [newTask(w, 'one'), newTask(w, 'two'), newTask(w, 'three')];
    const s = await spawnAgent(w, { taskIds: tasks.map((t) => t.id), strategy: 'queue' });
    const done = await settle(w, s.id);
    expect(done).toMatchObject({ status: 'completed', exitCode: 0 });
    for (const t of tasks) expect(task(w, t.id).status).toBe('done');
    expect(svc(w).queue.list(s.id).every((i) => i.state === 'done')).toBe(true);
  });

  it('an orchestrator splits its task and spawns two workers that finish the subtasks', async () => {
    const w = await startWorld();
    const root = newTask(w, 'ship the feature');
    const orch = await spawnAgent(w, { taskIds: [root.id], role: 'orchestrator' });
    const done = await settle(w, orch.id, 45_000);
    expect(done).toMatchObject({ status: 'completed', exitCode: 0 });

    // task tree: the root with two done subtasks
    const tree = await api<TaskNode[]>(w, 'GET', `/api/tasks/tree?rootId=${root.id}`);
    const node = (Array.isArray(tree.body) ? tree.body[0] : tree.body) as TaskNode;
    expect(node.id).toBe(root.id);
    expect(node.status).toBe('done');
    expect(node.children).toHaveLength(2);
    expect(node.children.every((c) => c.status === 'done')).toBe(true);

    // two children, each a completed worker on one subtask
    const children = svc(w).sessions.list({ parentSessionId: orch.id });
    expect(children).toHaveLength(2);
    for (const child of children) {
      const finishedChild = await settle(w, child.id);
      expect(finishedChild).toMatchObject({ role: 'worker', status: 'completed', exitCode: 0 });
      expect(node.children.map((c) => c.id)).toContain(child.taskIds[0]);
      expect(timeline(w, child.id).some((e) => e.kind === 'complete')).toBe(true);
      expect(recordingOutput(readRecording(svc(w).paths.recording(child.id)))).toContain('Done: ship the feature: part');
    }

    // the orchestrator's timeline and recording tell the story
    const events = timeline(w, orch.id);
    expect(events.some((e) => e.kind === 'progress' && e.message.startsWith('spawned '))).toBe(true);
    expect(events.some((e) => e.kind === 'complete' && e.message.startsWith('all 2 subtasks done'))).toBe(true);
    const output = recordingOutput(readRecording(svc(w).paths.recording(orch.id)));
    for (const child of children) expect(output).toContain(`Spawned ${child.id}`);
  });

  it('agents keep running across a server restart; the new supervisor reattaches and nothing is lost', async () => {
    const w = await startWorld();
    const t = newTask(w, 'survive a restart');
    const s = await spawnAgent(w, { taskIds: [t.id] });
    await until(async () => (await w.supervisor.screen(s.id)).includes('Answer and press Enter'), 20_000, 'the question');
    const before = timeline(w, s.id).length;

    await w.restart();
    expect(w.supervisor.isLive(s.id)).toBe(true);
    expect(session(w, s.id).status).toBe('needs_input');
    expect(timeline(w, s.id).length).toBeGreaterThan(before); // the reattach is on the timeline, earlier events kept

    w.supervisor.write(s.id, 'after restart\r');
    const done = await settle(w, s.id);
    expect(done).toMatchObject({ status: 'completed', exitCode: 0 });
    expect(task(w, t.id).status).toBe('done');
    expect(timeline(w, s.id).some((e) => e.message === 'received input: after restart')).toBe(true);
    const rec = readRecording(svc(w).paths.recording(s.id));
    const output = recordingOutput(rec);
    expect(output).toContain('Answer and press Enter');
    expect(output).toContain('Received: after restart');
    expect(rec.events.some(([, code, data]) => code === 'm' && data === 'reattached')).toBe(true);
  });

  it('an agent reporting while the server is down retries and loses nothing', async () => {
    const w = await startWorld();
    const tasks = [newTask(w, 'first'), newTask(w, 'second'), newTask(w, 'third')];
    const s = await spawnAgent(w, { taskIds: tasks.map((t) => t.id), env: { AGENT_ASK: '0', AGENT_STEP_MS: '300' } });
    await until(() => timeline(w, s.id).some((e) => e.kind === 'progress'), 20_000, 'first progress');
    await w.restart(1000); // the agent calls tools during the downtime
    const done = await settle(w, s.id);
    expect(done).toMatchObject({ status: 'completed', exitCode: 0 });
    for (const t of tasks) expect(task(w, t.id).status).toBe('done');
    const completes = timeline(w, s.id).filter((e) => e.kind === 'complete').map((e) => e.message);
    expect(new Set(completes)).toEqual(new Set(['finished first', 'finished second', 'finished third']));
    expect(recordingOutput(readRecording(svc(w).paths.recording(s.id)))).toContain('server unreachable, retrying');
  });

  it('an agent that crashes fails its session with the exit code', async () => {
    const w = await startWorld();
    const t = newTask(w, 'crash');
    const s = await spawnAgent(w, { taskIds: [t.id], env: { AGENT_CRASH: '1' } });
    const done = await settle(w, s.id);
    expect(done).toMatchObject({ status: 'failed', exitCode: 3 });
    expect(timeline(w, s.id).some((e) => e.kind === 'progress')).toBe(true);
    expect(recordingOutput(readRecording(svc(w).paths.recording(s.id)))).toContain('exiting with code 3');
  });

  it('an agent command that does not exist fails the spawn with a clear error', async () => {
    const w = await startWorld();
    const t = newTask(w, 'nothing to run');
    const res = await api<{ error: { code: string; message: string } }>(w, 'POST', '/api/sessions', {
      taskIds: [t.id],
      agentCommand: 'no-such-agent-binary --go',
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('spawn_failed');
    expect(res.body.error.message).toMatch(/agent command not found: 'no-such-agent-binary'/);
    const [s] = svc(w).sessions.list();
    expect(s!.status).toBe('failed');
    expect(await w.supervisor.tmux.listSessions()).toEqual([]);
  });
});
