/**
 * End to end: the Maestro server, the PTY supervisor with real tmux and node-pty, and the scripted
 * agent (test/agent/agent.ts, built to dist/) started through the same path as Claude Code, talking
 * MCP over stdio (`maestro mcp`) back to the server.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FIRST_USAGE, SCRIPTED_MODEL, STEP_USAGE } from '../src/agent/transcript.js';
import type { Session, SessionInfo, SessionLogs, StatusResult, Task, TaskNode, TimelineEvent } from '../src/core/types.js';
import { readRecording, recordingOutput } from '../src/pty/asciicast.js';
import { Supervisor } from '../src/pty/supervisor.js';
import { ownerApi, ROOT, runCli, startTestServer, type TestServer } from './helpers.js';
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

const api = <T = any>(w: World, method: string, path: string, body?: unknown) => ownerApi<T>(w.server, method, path, body);

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

describe('agents under the supervisor (end to end)', { timeout: 90_000 }, () => {
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
    await w.restart(3000); // the agent calls tools during the downtime (its hooks give up after a second each)
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

describe("Claude Code's hooks, fired by the scripted agent exactly as Claude Code fires them", { timeout: 90_000 }, () => {
  it('drive the state: running, needs input on a permission prompt, running again once allowed, finished', async () => {
    const w = await startWorld();
    const t = newTask(w, 'run the tests');
    const s = await spawnAgent(w, { taskIds: [t.id], env: { AGENT_ASK: '0', AGENT_PERMISSION: '1', AGENT_WRITE: '1' } });
    await until(() => session(w, s.id).status === 'needs_input', 20_000, 'the permission prompt');
    expect(session(w, s.id).stateReason).toBe('needs_input');
    const asked = timeline(w, s.id).filter((e) => e.kind === 'status').at(-1)!;
    expect(asked.message).toBe('detected needs input (hook Notification): Claude needs your permission to use Bash');
    // what it was about to run is on its timeline
    expect(timeline(w, s.id).some((e) => e.kind === 'tool_use' && e.message === 'Bash: npm test')).toBe(true);

    await until(async () => (await w.supervisor.screen(s.id)).includes('Allow Bash: npm test?'), 10_000, 'the prompt on screen');
    w.supervisor.write(s.id, 'y\r');
    const done = await settle(w, s.id);
    expect(done).toMatchObject({ status: 'completed', stateReason: 'finished' });
    const events = timeline(w, s.id);
    const statuses = events.filter((e) => e.kind === 'status').map((e) => e.data?.to);
    expect(statuses.slice(statuses.indexOf('needs_input'))).toEqual(['needs_input', 'running', 'completed']);
    // the prompt it was given, and the file it wrote
    expect(events.find((e) => e.kind === 'prompt')?.message).toMatch(new RegExp(`^You are Maestro session ${s.id}`));
    expect(events.some((e) => e.kind === 'tool_use' && e.message === `Write ${join(w.workdir, 'work', `${t.id}.md`)}` && e.data?.edits === true)).toBe(true);
    // Maestro's own tools are not repeated as tool uses (their reports are on the timeline)
    expect(events.some((e) => e.kind === 'tool_use' && String(e.data?.tool).startsWith('mcp__maestro__'))).toBe(false);
    // the agent's session id, given at launch, and its transcript, learnt from its hooks
    expect(done.agentSessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(done.transcriptPath).toBe(join(svc(w).paths.session(s.id), 'transcript.jsonl'));
  });

  it('a hook fired while the server is down returns within a second, and its event shows after the restart', async () => {
    const w = await startWorld();
    const t = newTask(w, 'wait for an answer');
    const s = await spawnAgent(w, { taskIds: [t.id] }); // asks, then waits: it outlives the restart
    await until(() => session(w, s.id).status === 'needs_input', 20_000, 'the question');
    const hookEnv = {
      MAESTRO_SESSION_ID: s.id,
      MAESTRO_SESSION_TOKEN: svc(w).sessions.token(s.id),
      MAESTRO_API_URL: w.server.url,
      MAESTRO_HOME: w.server.home,
    };
    const restarted = w.restart(4000);
    await until(async () => !(await fetch(`${hookEnv.MAESTRO_API_URL}/health`).then((r) => r.ok, () => false)), 5000, 'the server to go down');
    const payload = { session_id: 'x', hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'echo fired while down' } };
    const began = Date.now();
    const hook = await runCli(['hook', 'PreToolUse'], hookEnv, JSON.stringify(payload));
    const tookMs = Date.now() - began;
    expect(hook).toMatchObject({ code: 0, stdout: '' });
    expect(tookMs).toBeLessThan(1500); // 1 s deadline, plus node's start on a loaded machine
    await restarted;
    await until(() => timeline(w, s.id).some((e) => e.kind === 'tool_use' && e.message === 'Bash: echo fired while down'), 10_000, 'the spooled event');
    w.supervisor.write(s.id, 'green\r');
    expect((await settle(w, s.id)).status).toBe('completed');
  });

  it('a message to a busy agent waits for the end of its turn; its hook confirms it arrived', async () => {
    const w = await startWorld();
    const t = newTask(w, 'take your time');
    const s = await spawnAgent(w, { taskIds: [t.id], env: { AGENT_ASK: '0', AGENT_UNREPORTED: '1', AGENT_LINGER: '1', AGENT_STEP_MS: '2000' } });
    await until(() => timeline(w, s.id).some((e) => e.kind === 'prompt'), 20_000, 'its first prompt');
    // mid-turn: not typed into its work, queued
    const busy = await api(w, 'POST', `/api/sessions/${s.id}/send`, { text: 'also update the changelog', waitMs: 300 });
    expect(busy.status).toBe(200);
    expect(busy.body).toMatchObject({ sessionId: s.id, delivery: 'queued', typedAt: null, confirmedAt: null });
    // typed when the turn ends, and taken as its next prompt
    await until(() => timeline(w, s.id).some((e) => e.kind === 'prompt' && e.message === 'also update the changelog'), 20_000, 'the queued message');
    await until(() => session(w, s.id).status === 'idle', 10_000, 'the end of that turn');
    // between turns: typed at once, confirmed by the hook, through the CLI as well
    const cli = await runCli(['session', 'send', s.id, 'thanks', '--json'], { MAESTRO_API_URL: w.server.url, MAESTRO_HOME: w.server.home });
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.json()).toMatchObject({ sessionId: s.id, delivery: 'confirmed' });
    expect(Date.parse(cli.json().confirmedAt)).toBeGreaterThanOrEqual(Date.parse(cli.json().typedAt));
    expect(timeline(w, s.id).filter((e) => e.data?.message === true).map((e) => e.data?.delivery)).toEqual(['queued', 'confirmed']);
  });

  it('a turn that ends with its tasks open and nothing reported is finished_unreported, and its orchestrator hears of it', async () => {
    const w = await startWorld();
    const parentTask = newTask(w, 'coordinate');
    const launcher = svc(w).launcher;
    svc(w).launcher = null; // the orchestrator is a record only: its worker is the agent under test
    const orchestrator = (await svc(w).spawn({ projectId: w.projectId, taskIds: [parentTask.id], role: 'orchestrator' })).session;
    svc(w).launcher = launcher;
    const t = newTask(w, 'quietly do something');
    const { session: s } = await svc(w).spawn({
      projectId: w.projectId,
      taskIds: [t.id],
      agentCommand: AGENT,
      parentSessionId: orchestrator.id,
      env: { AGENT_ASK: '0', AGENT_UNREPORTED: '1', AGENT_LINGER: '1' },
    });
    await until(() => session(w, s.id).stateReason === 'finished_unreported', 20_000, 'the unreported end of turn');
    expect(session(w, s.id).status).toBe('idle');
    expect(task(w, t.id).status).not.toBe('done');
    const told = timeline(w, orchestrator.id).find((e) => e.data?.worker === s.id);
    expect(told?.message).toBe(`worker ${s.id} (${s.name}) stopped without reporting completion of its tasks`);
    // the answer arriving makes it run again; the screen alone no longer decides for an agent with hooks
    w.supervisor.write(s.id, 'carry on\r');
    await until(() => timeline(w, s.id).some((e) => e.kind === 'prompt' && e.message === 'carry on'), 10_000, 'the typed prompt');
    const after = timeline(w, s.id).filter((e) => e.kind === 'status').slice(-2).map((e) => `${e.data?.to}/${e.data?.reason ?? '-'}`);
    await until(() => session(w, s.id).status === 'idle', 10_000, 'the end of that turn');
    expect([...after, `${session(w, s.id).status}/${session(w, s.id).stateReason}`]).toContain('running/-');
  });
});

describe("the agent's transcript: its conversation and its tokens", { timeout: 90_000 }, () => {
  /** Tokens of a transcript as a reader independent of src/core/transcript.ts sees them: each message id's last line. */
  function sumOf(file: string) {
    const last = new Map<string, Record<string, number>>();
    let lines = 0;
    for (const text of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
      const line = JSON.parse(text) as { type: string; message?: { id?: string; usage?: Record<string, number> } };
      if (line.type !== 'assistant' || !line.message?.usage) continue;
      lines++;
      last.set(line.message.id!, line.message.usage);
    }
    const sum = (key: string) => [...last.values()].reduce((n, u) => n + (u[key] ?? 0), 0);
    return {
      lines,
      messages: last.size,
      inputTokens: sum('input_tokens'),
      outputTokens: sum('output_tokens'),
      cacheCreationTokens: sum('cache_creation_input_tokens'),
      cacheReadTokens: sum('cache_read_input_tokens'),
    };
  }

  it('GET /logs and `maestro session logs` show it; session info and status count exactly the tokens the agent wrote', async () => {
    const w = await startWorld();
    const t = newTask(w, 'paint the fence');
    const s = await spawnAgent(w, { taskIds: [t.id], env: { AGENT_WRITE: '1', AGENT_QUESTION: 'Which colour for the fence?' } });
    await until(async () => (await w.supervisor.screen(s.id)).includes('Answer and press Enter'), 20_000, 'the question');
    // readable while the agent waits: the question is the last thing it said
    const midway = await api<SessionLogs>(w, 'GET', `/api/sessions/${s.id}/logs`);
    expect(midway.status).toBe(200);
    expect(midway.body.entries.at(-1)).toMatchObject({ role: 'assistant', kind: 'text', text: 'Which colour for the fence?', model: SCRIPTED_MODEL });
    w.supervisor.write(s.id, 'green\r');
    const done = await settle(w, s.id);
    expect(done.status).toBe('completed');
    const file = join(svc(w).paths.session(s.id), 'transcript.jsonl');
    expect(done.transcriptPath).toBe(file);

    // ---- the conversation, over REST
    const logs = await api<SessionLogs>(w, 'GET', `/api/sessions/${s.id}/logs`);
    expect(logs.status).toBe(200);
    expect(logs.body).toMatchObject({ sessionId: s.id, transcriptPath: file, truncated: false });
    const entries = logs.body.entries;
    expect(logs.body.total).toBe(entries.length);
    expect(entries[0]).toMatchObject({ role: 'user', kind: 'prompt' });
    expect(entries[0]!.text).toMatch(new RegExp(`^You are Maestro session ${s.id}`));
    expect(entries[1]).toMatchObject({ role: 'assistant', kind: 'thinking' });
    const tools = entries.filter((e) => e.kind === 'tool_use').map((e) => e.tool);
    expect(tools).toEqual([
      'mcp__maestro__whoami',
      'mcp__maestro__report_progress',
      'mcp__maestro__report_needs_input',
      'mcp__maestro__report_progress',
      'Write',
      'mcp__maestro__task_complete',
    ]);
    expect(entries.filter((e) => e.kind === 'tool_result').map((e) => e.tool)).toEqual(tools); // every call answered, in order
    expect(entries.find((e) => e.kind === 'tool_result')!.text).toContain(s.id); // whoami's answer
    expect(entries.find((e) => e.tool === 'Write' && e.kind === 'tool_use')!.text).toBe(join(w.workdir, 'work', `${t.id}.md`));
    expect(entries.filter((e) => e.kind === 'prompt').map((e) => e.text).slice(1)).toEqual(['green']);
    expect(entries.some((e) => e.kind === 'text' && e.text === `Working on ${t.id}: paint the fence`)).toBe(true);
    expect(entries.at(-1)).toMatchObject({ role: 'assistant', kind: 'text', text: 'Done: paint the fence\nAll done.' });

    const tail = await api<SessionLogs>(w, 'GET', `/api/sessions/${s.id}/logs?limit=2`);
    expect(tail.body).toMatchObject({ total: entries.length, truncated: true, entries: entries.slice(-2) });
    const head = await api<SessionLogs>(w, 'GET', `/api/sessions/${s.id}/logs?limit=1&head=1`);
    expect(head.body.entries).toEqual(entries.slice(0, 1));
    for (const bad of ['limit=0', 'limit=5001', 'limit=ten', 'head=maybe']) {
      const res = await api<{ error: { code: string; field: string; message: string } }>(w, 'GET', `/api/sessions/${s.id}/logs?${bad}`);
      expect([bad, res.status, res.body.error.code, res.body.error.field]).toEqual([bad, 400, 'invalid_input', bad.split('=')[0]]);
    }
    expect((await api(w, 'GET', '/api/sessions/ses_nope/logs')).status).toBe(404);
    // a session whose agent never said where its transcript is
    const launcher = svc(w).launcher;
    svc(w).launcher = null;
    const quiet = (await svc(w).spawn({ projectId: w.projectId, taskIds: [] })).session;
    svc(w).launcher = launcher;
    const none = await api<{ error: { code: string; message: string } }>(w, 'GET', `/api/sessions/${quiet.id}/logs`);
    expect(none.status).toBe(404);
    expect(none.body.error.message).toBe(
      `session ${quiet.id} has no transcript yet: its agent's hooks have not said where it is (only Claude Code, or an agent that runs its hooks, writes one)`,
    );

    // ---- the conversation, through the CLI
    const env = { MAESTRO_API_URL: w.server.url, MAESTRO_HOME: w.server.home };
    const cli = await runCli(['session', 'logs', s.id], env);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const shown = cli.stdout.split('\n').map((l) => l.replace(/^\d\d:\d\d:\d\d /, ''));
    expect(shown[0]).toBe(`${s.id} · ${file} · ${entries.length} entries`);
    expect(shown.some((l) => l.startsWith(`› you: You are Maestro session ${s.id}`))).toBe(true);
    expect(shown).toContain('⚙ mcp__maestro__whoami: {}');
    expect(shown).toContain(`⚙ mcp__maestro__report_progress: {"taskId":"${t.id}","message":"started paint the fence"}`);
    expect(shown).toContain('● claude: Which colour for the fence?');
    expect(shown).toContain('› you: green');
    expect(shown).toContain(`⚙ Write: ${join(w.workdir, 'work', `${t.id}.md`)}`);
    expect(shown).toContain(`  ⎿ File created successfully at: ${join(w.workdir, 'work', `${t.id}.md`)}`);
    expect(shown.slice(-3)).toEqual(['● claude: Done: paint the fence', `${' '.repeat(19)}All done.`, '']); // continuation lines indented under the text
    const json = await runCli(['session', 'logs', s.id, '--limit', '3', '--json'], env);
    expect(json.json<SessionLogs>()).toEqual({ ...logs.body, truncated: true, entries: entries.slice(-3) });
    const badCli = await runCli(['session', 'logs', s.id, '--limit', '0'], env);
    expect([badCli.code, badCli.stderr.trim()]).toEqual([2, 'error: limit must be a whole number from 1 to 5000 (--limit)']);
    const missing = await runCli(['session', 'logs', quiet.id], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`session ${quiet.id} has no transcript yet`);

    // ---- tokens: what the agent wrote, counted once per message however many lines it streamed
    const written = sumOf(file);
    expect(written.messages).toBe(8); // 6 tool calls, the question, the last word
    expect(written.lines).toBeGreaterThan(written.messages); // some responses were streamed over several lines
    const expected = {
      inputTokens: FIRST_USAGE.input_tokens + 7 * STEP_USAGE.input_tokens,
      outputTokens: FIRST_USAGE.output_tokens + 7 * STEP_USAGE.output_tokens,
      cacheCreationTokens: FIRST_USAGE.cache_creation_input_tokens + 7 * STEP_USAGE.cache_creation_input_tokens,
      cacheReadTokens: FIRST_USAGE.cache_read_input_tokens + 7 * STEP_USAGE.cache_read_input_tokens,
    };
    expect(written).toMatchObject(expected);
    const info = await runCli(['session', 'info', s.id, '--json'], env);
    expect(info.code).toBe(0);
    const usage = info.json<SessionInfo>().usage!;
    expect(usage).toMatchObject({ ...expected, messages: 8, taskId: t.id, transcriptPath: file, warnings: [] });
    expect(Object.keys(usage.byModel)).toEqual([SCRIPTED_MODEL]);
    expect(usage.byModel[SCRIPTED_MODEL]).toMatchObject({ ...expected, messages: 8, price: 'claude-sonnet-4-5' });
    // Sonnet 4.5: $3 in, $15 out, $3.75 cache write, $0.30 cache read per million
    const cost = (u: typeof FIRST_USAGE) => (u.input_tokens * 3 + u.output_tokens * 15 + u.cache_creation_input_tokens * 3.75 + u.cache_read_input_tokens * 0.3) / 1e6;
    expect(usage.costUsd).toBeCloseTo(cost(FIRST_USAGE) + 7 * cost(STEP_USAGE), 9);
    const human = await runCli(['session', 'info', s.id], env);
    expect(human.stdout).toContain(`tokens:\n  in 88 · out 340 · cache write 4,250 · cache read 22,400 · $0.0280  (8 messages)\n  model: ${SCRIPTED_MODEL}\n  all for task ${t.id}`);

    // ---- and per project in `status`
    const status = await runCli(['status', '--json'], env);
    const totals = status.json<StatusResult>().usage;
    expect(totals.total).toMatchObject({ ...expected, sessions: 1 });
    expect(totals.total.costUsd).toBeCloseTo(usage.costUsd, 9);
    expect(totals.byProject).toEqual([{ projectId: w.projectId, name: 'e2e', sessions: 1, ...expected, costUsd: usage.costUsd }]);
    expect((await runCli(['status'], env)).stdout).toContain('tokens:   in 88 · out 340 · cache write 4,250 · cache read 22,400 · $0.0280 (1 session(s) with a transcript)');
  });
});

describe('agent CLIs as data: codex and gemini get the MCP server their own way', { timeout: 90_000 }, () => {
  /** A PATH on which `codex` and `gemini` are the stand-in CLI (test/fixtures/agents/fake-agent-cli.mjs). */
  function fakeClis(w: World): string {
    const bin = join(w.server.home, 'fake-clis');
    mkdirSync(bin, { recursive: true });
    for (const name of ['codex', 'gemini']) symlinkSync(join(ROOT, 'test', 'fixtures', 'agents', 'fake-agent-cli.mjs'), join(bin, name));
    return `${bin}:${process.env.PATH}`;
  }

  for (const kind of ['codex', 'gemini'] as const) {
    it(`${kind}: started as ${kind} with the prompt, it reaches Maestro over MCP as its session, no token on a command line`, async () => {
      const w = await startWorld();
      const PATH = fakeClis(w);
      const t = newTask(w, `try ${kind}`);
      const res = await api<{ session: Session }>(w, 'POST', '/api/sessions', { taskIds: [t.id], agent: kind, env: { PATH } });
      expect(res.status).toBe(201);
      const s = res.body.session;
      expect(s.agentKind).toBe(kind);
      const done = await settle(w, s.id);
      const output = recordingOutput(readRecording(svc(w).paths.recording(s.id)));
      expect(output, output).toContain(`${kind}-mcp whoami: ${s.id}`);
      expect(output).toContain(`${kind}-prompt: You are Maestro session ${s.id}`);
      expect(done).toMatchObject({ status: 'completed', exitCode: 0 });
      expect(timeline(w, s.id).find((e) => e.data?.state === 'started')?.message).toBe(`agent started: ${kind}`);
      const script = readFileSync(join(svc(w).paths.session(s.id), 'agent.sh'), 'utf8');
      const launchLine = script.split('\n').find((l) => l.startsWith(kind))!;
      expect(launchLine).not.toContain(svc(w).sessions.token(s.id));
    });
  }

  it('only the owner chooses the agent CLI; a template carries it to an orchestrator’s workers', async () => {
    const w = await startWorld();
    const t = newTask(w, 'x');
    const orch = (await api<{ session: Session }>(w, 'POST', '/api/sessions', { taskIds: [t.id], role: 'orchestrator', env: { AGENT_ASK: '0' } })).body.session;
    const asOrchestrator = await fetch(`${w.server.url}/api/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${svc(w).sessions.token(orch.id)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ taskIds: [], agent: 'codex' }),
    });
    expect(asOrchestrator.status).toBe(403);
    expect(((await asOrchestrator.json()) as { error: { field: string } }).error.field).toBe('agent');
    const tpl = await api(w, 'POST', '/api/templates', { name: 'codex-worker', agent: 'codex' });
    expect(tpl.status).toBe(201);
    expect(tpl.body).toMatchObject({ agentKind: 'codex', agentCommand: null });
    const launcher = svc(w).launcher;
    svc(w).launcher = null; // a record is enough: what kind would it run?
    const viaTemplate = (await svc(w).spawn({ projectId: w.projectId, taskIds: [], template: 'codex-worker' })).session;
    svc(w).launcher = launcher;
    expect(viaTemplate.agentKind).toBe('codex');
  });
});
