import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FINISHED_SESSION_STATUSES } from '../../core/constants.js';
import { MaestroError } from '../../core/errors.js';
import { maestroHome } from '../../core/paths.js';
import type { Project, Session, SessionSummary, Task, Template } from '../../core/types.js';
import { MaestroClient, clientOptionsFromEnv } from '../../http/client.js';
import { commandExists, shellQuote } from '../../pty/shell.js';
import { writePrivateFile } from '../../security/permissions.js';
import { maestroBin } from '../../install.js';
import { ensureServer, runningServer } from '../background-server.js';
import { loginLink } from '../commands/auth.js';
import { DEMO_PLAN, DEMO_QUESTION } from './plan.js';
import { DEMO_MARKER, checkDemoDir, createDemoRepo } from './repo.js';

export const DEMO_PROJECT = 'maestro-demo';
const WORKER_TEMPLATE = 'demo-worker';

/** What a demo leaves in `$MAESTRO_HOME/demo.json`, for `maestro demo --stop`. */
interface DemoState {
  projectId: string;
  /** The server the demo started itself (stopped with it), or null when one was already running. */
  serverPid: number | null;
}

export interface DemoStarted {
  url: string;
  loginLink: string;
  serverStarted: boolean;
  serverLog: string | null;
  repo: string;
  project: Project;
  rootTask: Task;
  subtasks: Task[];
  orchestrator: Session;
}

const statePath = (home: string) => join(home, 'demo.json');
const agentCommand = () => `${shellQuote(process.execPath)} ${shellQuote(maestroBin())} agent script`;

function readState(home: string): DemoState | null {
  try {
    return JSON.parse(readFileSync(statePath(home), 'utf8')) as DemoState;
  } catch {
    return null;
  }
}

async function liveSessions(client: MaestroClient, projectId: string): Promise<SessionSummary[]> {
  const sessions = await client.call('session.list', { project: projectId });
  return sessions.filter((s) => !FINISHED_SESSION_STATUSES.includes(s.status));
}

/**
 * Starts the demo: the home's server (in the background if none runs), a fresh git repository under
 * `$MAESTRO_HOME/demo`, the project `maestro-demo` with a plan of tasks, and an orchestrator that hands
 * them to workers; all agents are `maestro agent script`, run in tmux by the server like real ones.
 */
export async function startDemo(env: NodeJS.ProcessEnv, paceMs: number): Promise<DemoStarted> {
  if (env.MAESTRO_API_URL?.trim())
    throw new MaestroError('invalid_input', 'the demo runs on the server of $MAESTRO_HOME; unset MAESTRO_API_URL');
  const home = maestroHome(env);
  const repo = join(home, 'demo');
  // Before a server is started for nothing: what the demo cannot run without.
  checkDemoDir(repo);
  const missing = ['git', 'tmux'].filter((program) => !commandExists(program));
  if (missing.length > 0) throw new MaestroError('conflict', `the demo needs ${missing.join(' and ')} on PATH (agents run in tmux, the sample project is a git repository)`);
  const server = await ensureServer(env);
  const client = new MaestroClient(clientOptionsFromEnv(env));

  let project = (await client.call('project.list')).find((p) => p.name === DEMO_PROJECT) ?? null;
  if (project) {
    const live = await liveSessions(client, project.id);
    if (live.length > 0)
      throw new MaestroError('conflict', `a demo is already running (${live.length} live session${live.length === 1 ? '' : 's'} in ${DEMO_PROJECT}); \`maestro demo --stop\` ends it`);
  }
  // Starting over: the previous demo's tasks, sessions and recordings go with its project.
  if (project) await client.call('project.delete', { project: project.id });
  createDemoRepo(repo);
  project = await client.call('project.create', { name: DEMO_PROJECT, workingDir: repo });

  // The workers' agent, by template: the orchestrator may not choose a command itself.
  const templates = await client.call('template.list');
  const existing = templates.find((t) => t.name === WORKER_TEMPLATE);
  if (existing && existing.agentCommand !== agentCommand()) await client.call('template.delete', { template: WORKER_TEMPLATE });
  if (!existing || existing.agentCommand !== agentCommand())
    await client.call('template.create', {
      name: WORKER_TEMPLATE,
      agentCommand: agentCommand(),
      description: "maestro demo's workers: the built-in scripted agent",
    });

  const rootTask = await client.call('task.create', {
    project: project.id,
    title: DEMO_PLAN.title,
    description: DEMO_PLAN.description,
    priority: 'high',
  });
  const byKey = new Map<string, Task>();
  for (const sub of DEMO_PLAN.subtasks) {
    const after = 'after' in sub ? sub.after.map((key) => byKey.get(key)!.id) : [];
    const task = await client.call('task.create', {
      project: project.id,
      title: sub.title,
      description: sub.description,
      priority: sub.priority,
      parentId: rootTask.id,
      ...(after.length ? { dependencies: after } : {}),
    });
    byKey.set(sub.key, task);
  }
  const { session: orchestrator } = await client.call('session.spawn', {
    project: project.id,
    taskIds: [rootTask.id],
    role: 'orchestrator',
    name: 'demo-orchestrator',
    agentCommand: agentCommand(),
    env: {
      AGENT_STEP_MS: String(paceMs),
      AGENT_CHILD_TEMPLATE: WORKER_TEMPLATE,
      AGENT_CHILD_ASK: '1',
      AGENT_QUESTION: DEMO_QUESTION,
      AGENT_WRITE: '1',
      AGENT_WAIT_MS: String(30 * 60_000),
    },
  });

  const previous = readState(home);
  const serverPid = server.started ? server.pid : previous?.serverPid === server.pid ? server.pid : null;
  writePrivateFile(statePath(home), JSON.stringify({ projectId: project.id, serverPid } satisfies DemoState));
  return {
    url: server.url,
    loginLink: loginLink(server.url, home),
    serverStarted: server.started,
    serverLog: server.logFile ?? null,
    repo,
    project,
    rootTask,
    subtasks: [...byKey.values()],
    orchestrator,
  };
}

export interface DemoStopped {
  stopped: string[];
  /** The demo's project (with its tasks, sessions and recordings), repository and worker template are gone. */
  removed: boolean;
  serverStopped: boolean;
  /** Why a server the demo started keeps running. */
  serverKept: string | null;
}

/**
 * Ends the demo and removes it all: its live sessions are stopped, then its project (tasks, sessions,
 * timelines, recordings), its repository and its worker template are deleted; when the demo started the
 * server and no other project has a live session on it, the server is stopped too.
 */
export async function stopDemo(env: NodeJS.ProcessEnv): Promise<DemoStopped> {
  const home = maestroHome(env);
  const state = readState(home);
  const server = runningServer(home);
  const repo = join(home, 'demo');
  if (!server) {
    // Nothing runs: the repository can still go (its project waits in the database for the next demo).
    if (existsSync(join(repo, DEMO_MARKER))) rmSync(repo, { recursive: true, force: true });
    rmSync(statePath(home), { force: true });
    return { stopped: [], removed: false, serverStopped: false, serverKept: null };
  }
  const client = new MaestroClient(clientOptionsFromEnv({ ...env, MAESTRO_API_URL: server.url }));
  const project = (await client.call('project.list')).find((p) => p.name === DEMO_PROJECT);
  if (!project) throw new MaestroError('not_found', 'no demo to stop: start one with `maestro demo`');
  const stopped: string[] = [];
  // The orchestrator first, so it spawns no worker after the list was read; read again to be sure.
  for (let round = 0; round < 3; round++) {
    const live = (await liveSessions(client, project.id)).sort((a, b) => Number(b.role === 'orchestrator') - Number(a.role === 'orchestrator'));
    if (live.length === 0) break;
    for (const s of live) {
      await client.call('session.stop', { sessionId: s.id }).catch((err: unknown) => {
        if (!(err instanceof MaestroError && err.code === 'conflict')) throw err; // it ended by itself meanwhile
      });
      stopped.push(s.id);
    }
  }
  await client.call('project.delete', { project: project.id });
  if ((await client.call('template.list')).some((t) => t.name === WORKER_TEMPLATE))
    await client.call('template.delete', { template: WORKER_TEMPLATE });
  if (existsSync(join(repo, DEMO_MARKER))) rmSync(repo, { recursive: true, force: true });
  let serverStopped = false;
  let serverKept: string | null = null;
  if (state?.serverPid === server.pid) {
    const others = (await client.call('session.list', {})).filter((s) => !FINISHED_SESSION_STATUSES.includes(s.status));
    if (others.length > 0) serverKept = `${others.length} sessions of other projects still run on it`;
    else serverStopped = await stopServer(home, server.pid);
  }
  rmSync(statePath(home), { force: true });
  return { stopped, removed: true, serverStopped, serverKept };
}

/** SIGTERM, then waits (up to 15 s) until the home's lock is free. */
async function stopServer(home: string, pid: number): Promise<boolean> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return false;
  }
  const deadline = Date.now() + 15_000;
  while (runningServer(home)?.pid === pid) {
    if (Date.now() > deadline) throw new MaestroError('unavailable', `the demo's server (pid ${pid}) did not stop within 15 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}
