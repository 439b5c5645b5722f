/**
 * `maestro agent script`: a scripted stand-in for Claude Code, for `maestro demo` and end-to-end tests.
 * It is started the way a real agent is (in tmux, with the MAESTRO_* environment and an MCP config),
 * reads its manifest, launches the MCP server named in MAESTRO_MCP_CONFIG as a stdio child, prints what
 * it does to its terminal, and works through its tasks with the Maestro tools:
 *
 *  - worker, simple: per task report_progress, once report_needs_input and wait for a line typed
 *    into the terminal (then report what arrived), task_complete;
 *  - worker, queue: queue_start / queue_complete until the queue is empty, then report_complete;
 *  - orchestrator: takes the subtasks of its task (or splits it into two), spawns a worker for each as
 *    soon as its dependencies are done, waits until all are done, then report_complete.
 *
 * Variants, from the environment:
 *   AGENT_ASK=0          never ask for input (default: ask once, simple workers only)
 *   AGENT_QUESTION=text  what to ask (default: which colour the task should use)
 *   AGENT_CRASH=1        exit with code 3 after the first progress report
 *   AGENT_STEP_MS=n      pause between steps (default 50)
 *   AGENT_WRITE=1        workers write work/<task id>.md in their working directory for each task
 *   AGENT_LINGER=1       when done, sit at a "> " prompt instead of exiting (as Claude Code does)
 *   AGENT_WAIT_MS=n      how long an orchestrator waits for its workers (default 60000)
 *   AGENT_CHILD_TEMPLATE=name  the template an orchestrator spawns its workers with (default: the server's agent)
 *   AGENT_CHILD_ASK=1    the orchestrator's first worker asks for input (the others never do)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { McpLink } from './mcp-link.js';

interface ManifestTask {
  id: string;
  title: string;
}

interface Manifest {
  session: { id: string; name: string; role: 'worker' | 'orchestrator'; strategy: 'simple' | 'queue' };
  project: { id: string; name: string };
  tasks: ManifestTask[];
}

interface TaskState {
  id: string;
  title: string;
  status: string;
  ready: boolean;
}

const env = process.env;
const STEP_MS = Number(env.AGENT_STEP_MS ?? 50);
const ASK = env.AGENT_ASK !== '0';

const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function required(name: string): string {
  const value = env[name];
  if (!value) {
    say(`agent: ${name} is not set; am I running under Maestro?`);
    process.exit(2);
  }
  return value;
}

let lines: Interface | null = null;
/** One line typed into the terminal (the tty echoes it, as for any program). */
function readLine(): Promise<string> {
  lines ??= createInterface({ input: process.stdin, terminal: false });
  return new Promise((resolve) => lines!.once('line', (line) => resolve(line.trim())));
}

function crashIfAsked(): void {
  if (env.AGENT_CRASH === '1') {
    say('agent: something went badly wrong; exiting with code 3');
    process.exit(3);
  }
}

/** What a worker leaves behind in the repository when asked to (AGENT_WRITE=1). */
function writeWork(task: ManifestTask, answer: string | null): void {
  if (env.AGENT_WRITE !== '1') return;
  mkdirSync('work', { recursive: true });
  const file = join('work', `${task.id}.md`);
  writeFileSync(file, `# ${task.title}\n\nDone by ${env.MAESTRO_SESSION_ID}.${answer ? ` Answer given: ${answer}.` : ''}\n`);
  say(`  wrote ${file}`);
}

async function workSimple(link: McpLink, manifest: Manifest): Promise<void> {
  let asked = false;
  for (const task of manifest.tasks) {
    say(`● Working on ${task.id}: ${task.title}`);
    await link.call('report_progress', { taskId: task.id, message: `started ${task.title}` });
    crashIfAsked();
    await sleep(STEP_MS);
    let answer: string | null = null;
    if (ASK && !asked) {
      asked = true;
      const question = env.AGENT_QUESTION || `Which colour should "${task.title}" use?`;
      await link.call('report_needs_input', { taskId: task.id, message: question });
      say(`? ${question}`);
      process.stdout.write('Answer and press Enter (y/n): ');
      answer = await readLine();
      say(`● Received: ${answer}`);
      await link.call('report_progress', { taskId: task.id, message: `received input: ${answer}` });
    }
    await sleep(STEP_MS);
    writeWork(task, answer);
    await link.call('task_complete', { taskId: task.id, summary: `finished ${task.title}` });
    say(`✓ Done: ${task.title}`);
  }
}

async function workQueue(link: McpLink): Promise<void> {
  let waits = 0;
  for (;;) {
    const next = await link.call<{ item: { taskId: string; title: string } | null; reason?: string }>('queue_start');
    if (!next.item) {
      if (next.reason === 'waiting' && waits++ < 200) {
        await sleep(100);
        continue;
      }
      break;
    }
    say(`● Queue item ${next.item.taskId}: ${next.item.title}`);
    await link.call('report_progress', { taskId: next.item.taskId, message: `working on ${next.item.title}` });
    crashIfAsked();
    await sleep(STEP_MS);
    await link.call('queue_complete', { summary: `finished ${next.item.title}` });
    say(`✓ Done: ${next.item.title}`);
  }
  await link.call('report_complete', { message: 'queue is empty' });
}

/** The environment of the orchestrator's n-th worker (n from 0). */
function childEnv(n: number): Record<string, string> {
  const asks = n === 0 && env.AGENT_CHILD_ASK === '1';
  return {
    AGENT_ASK: asks ? '1' : '0',
    AGENT_STEP_MS: String(STEP_MS),
    ...(asks && env.AGENT_QUESTION ? { AGENT_QUESTION: env.AGENT_QUESTION } : {}),
    ...(env.AGENT_WRITE ? { AGENT_WRITE: env.AGENT_WRITE } : {}),
  };
}

async function orchestrate(link: McpLink, manifest: Manifest): Promise<void> {
  const root = manifest.tasks[0];
  if (!root) throw new Error('an orchestrator needs a task to split');
  await link.call('report_progress', { taskId: root.id, message: `planning ${root.title}` });
  crashIfAsked();
  let subtasks = await link.call<TaskState[]>('task_list', { parentId: root.id });
  if (subtasks.length === 0) {
    for (const n of [1, 2])
      subtasks.push(await link.call('task_create', { title: `${root.title}: part ${n}`, description: `Part ${n} of ${root.title}`, parentId: root.id }));
    say(`● Split ${root.id} into ${subtasks.map((t) => t.id).join(', ')}`);
  } else {
    say(`● Plan for ${root.id}: ${subtasks.map((t) => t.title).join('; ')}`);
  }

  // Only the owner picks agent commands: workers run the server's default agent, or a template's.
  const workers = new Map<string, string>(); // task id -> session id
  const deadline = Date.now() + Number(env.AGENT_WAIT_MS ?? 60_000);
  let last = '';
  for (;;) {
    subtasks = await Promise.all(subtasks.map((t) => link.call<TaskState>('task_get', { taskId: t.id })));
    for (const task of subtasks) {
      if (workers.has(task.id) || !task.ready) continue;
      const spawned = await link.call<{ session: { id: string } }>('session_spawn', {
        taskIds: [task.id],
        name: `worker-${workers.size + 1}`,
        ...(env.AGENT_CHILD_TEMPLATE ? { template: env.AGENT_CHILD_TEMPLATE } : {}),
        env: childEnv(workers.size),
      });
      workers.set(task.id, spawned.session.id);
      say(`● Spawned ${spawned.session.id} for ${task.id}: ${task.title}`);
      await link.call('report_progress', { taskId: root.id, message: `spawned ${spawned.session.id} for ${task.title}` });
    }
    const line = `  subtasks: ${subtasks.map((t) => `${t.id}=${t.status}`).join(' ')}`;
    if (line !== last) say((last = line));
    if (subtasks.every((t) => t.status === 'done')) break;
    if (Date.now() > deadline) {
      await link.call('report_blocked', { taskId: root.id, message: 'workers did not finish in time' });
      throw new Error('workers did not finish in time');
    }
    await sleep(150);
  }
  const children = [...workers.values()];
  await link.call('report_complete', { taskId: root.id, message: `all ${subtasks.length} subtasks done by ${children.join(', ')}` });
  say(`✓ Done: ${root.title}`);
}

/** Runs the agent to its end (never returns: exits with the outcome's code). */
export async function runScriptedAgent(): Promise<never> {
  try {
    const manifestPath = required('MAESTRO_MANIFEST_PATH');
    const configPath = required('MAESTRO_MCP_CONFIG');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    say(`Maestro scripted agent: session ${manifest.session.id} (${manifest.session.role}, ${manifest.session.strategy}) in ${process.cwd()}`);
    say(`Tasks: ${manifest.tasks.map((t) => t.id).join(', ') || '(none)'}`);
    const link = await McpLink.open(configPath, { retryMs: Number(env.AGENT_RETRY_MS ?? 30_000), say });
    const me = await link.call<{ kind: string; session?: { id: string } }>('whoami');
    if (me.session?.id !== manifest.session.id) throw new Error(`whoami says ${me.session?.id}, manifest says ${manifest.session.id}`);

    if (manifest.session.role === 'orchestrator') await orchestrate(link, manifest);
    else if (manifest.session.strategy === 'queue') await workQueue(link);
    else await workSimple(link, manifest);

    await link.close();
    say('All done.');
    if (env.AGENT_LINGER === '1') {
      process.stdout.write('> ');
      for (;;) {
        const line = await readLine();
        say(`(nothing to do about "${line}")`);
        process.stdout.write('> ');
      }
    }
    lines?.close();
    process.exit(0);
  } catch (err) {
    say(`agent failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
