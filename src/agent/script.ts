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
 *    soon as its dependencies are done, waits until all are done, then report_complete. A subtask whose
 *    description lists items ("- French: Bonjour") is split into one child task per item, handed to a
 *    queue worker, and completed by the orchestrator once every child is done.
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
 *   AGENT_PERMISSION=1   workers ask permission for a Bash command first (a permission_prompt notification)
 *   AGENT_UNREPORTED=1   workers end their turn without completing their tasks, and wait
 *   AGENT_HOOKS=0        do not run the hooks of $MAESTRO_HOOK_SETTINGS (by default they run as Claude
 *                        Code runs them: SessionStart, UserPromptSubmit, Pre/PostToolUse around each tool,
 *                        Notification, Stop, SessionEnd)
 *   AGENT_TRANSCRIPT=0   do not write a transcript (by default it writes one in Claude Code's format, with
 *                        fixed token usage, to the transcript_path its hooks announce: see transcript.ts)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { HookRunner } from './hooks.js';
import { McpLink, type ToolArgs, type ToolResult } from './mcp-link.js';
import { TranscriptWriter } from './transcript.js';

interface ManifestTask {
  id: string;
  title: string;
}

interface Manifest {
  session: { id: string; name: string; role: 'worker' | 'orchestrator'; strategy: 'simple' | 'queue' };
  project: { id: string; name: string };
  tasks: ManifestTask[];
}

/** A task as task_list answers it. */
type TaskState = ToolResult<'task_list'>[number];

/** The items a task's description lists, one per "- item" line. */
const itemsOf = (description: string): string[] =>
  description
    .split('\n')
    .map((line) => /^\s*[-*]\s+(.+)$/.exec(line)?.[1]?.trim() ?? '')
    .filter((item) => item !== '');

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

let hooks: HookRunner | null = null;
let transcript: TranscriptWriter | null = null;

/** A line on the terminal that is also what the agent tells the model's transcript (it opens its next response). */
function tell(line: string): void {
  say(line);
  transcript?.note(line.replace(/^[●✓]\s*/, ''));
}

/** A tool of the agent's own (not Maestro's), between its hooks, with its call and result in the transcript. */
async function useTool(name: string, input: Record<string, unknown>, result: string, work: () => void): Promise<void> {
  const use = { tool_name: name, tool_input: input, tool_use_id: `toolu_${Date.now().toString(36)}` };
  transcript?.toolUse(name, input, use.tool_use_id);
  await hooks?.fire('PreToolUse', use, name);
  work();
  transcript?.toolResult(use.tool_use_id, result);
  await hooks?.fire('PostToolUse', { ...use, tool_response: { success: true } }, name);
}

/** Asks permission for a command, as Claude Code does before running one (AGENT_PERMISSION=1). */
async function askPermission(command: string): Promise<void> {
  const use = { tool_name: 'Bash', tool_input: { command, description: 'Run the tests' }, tool_use_id: `toolu_${Date.now().toString(36)}` };
  transcript?.toolUse('Bash', use.tool_input, use.tool_use_id);
  await hooks?.fire('PreToolUse', use, 'Bash');
  await hooks?.fire('Notification', { message: 'Claude needs your permission to use Bash', notification_type: 'permission_prompt' });
  process.stdout.write(`Allow Bash: ${command}? (y/n) `);
  const answer = await readLine();
  const allowed = answer.startsWith('y');
  say(allowed ? `● Ran: ${command}` : `● Skipped: ${command}`);
  transcript?.toolResult(use.tool_use_id, allowed ? 'ok' : "The user doesn't want to proceed with this tool use. The tool use was rejected.", !allowed);
  await hooks?.fire('PostToolUse', { ...use, tool_response: { stdout: 'ok', exitCode: 0 } }, 'Bash');
}

/** What a worker leaves behind in the repository when asked to (AGENT_WRITE=1). */
async function writeWork(task: ManifestTask, answer: string | null): Promise<void> {
  if (env.AGENT_WRITE !== '1') return;
  const file = join('work', `${task.id}.md`);
  const content = `# ${task.title}\n\nDone by ${env.MAESTRO_SESSION_ID}.${answer ? ` Answer given: ${answer}.` : ''}\n`;
  await useTool('Write', { file_path: join(process.cwd(), file), content }, `File created successfully at: ${join(process.cwd(), file)}`, () => {
    mkdirSync('work', { recursive: true });
    writeFileSync(file, content);
  });
  say(`  wrote ${file}`);
}

async function workSimple(link: McpLink, manifest: Manifest): Promise<void> {
  let asked = false;
  for (const task of manifest.tasks) {
    tell(`● Working on ${task.id}: ${task.title}`);
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
      transcript?.say(question);
      await hooks?.fire('Stop', { stop_hook_active: false }); // the turn ends on the question
      answer = await readLine();
      transcript?.prompt(answer);
      await hooks?.fire('UserPromptSubmit', { prompt: answer });
      tell(`● Received: ${answer}`);
      await link.call('report_progress', { taskId: task.id, message: `received input: ${answer}` });
    }
    await sleep(STEP_MS);
    if (env.AGENT_PERMISSION === '1') await askPermission('npm test');
    await writeWork(task, answer);
    if (env.AGENT_UNREPORTED === '1') continue;
    await link.call('task_complete', { taskId: task.id, summary: `finished ${task.title}` });
    tell(`✓ Done: ${task.title}`);
  }
}

async function workQueue(link: McpLink): Promise<void> {
  let waits = 0;
  for (;;) {
    const next = await link.call('queue_start');
    if (!next.item) {
      if (next.reason === 'waiting' && waits++ < 200) {
        await sleep(100);
        continue;
      }
      break;
    }
    tell(`● Queue item ${next.item.taskId}: ${next.item.title}`);
    await link.call('report_progress', { taskId: next.item.taskId, message: `working on ${next.item.title}` });
    crashIfAsked();
    await sleep(STEP_MS);
    await writeWork({ id: next.item.taskId, title: next.item.title }, null);
    await link.call('queue_complete', { summary: `finished ${next.item.title}` });
    tell(`✓ Done: ${next.item.title}`);
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
  let subtasks = await link.call('task_list', { parentId: root.id });
  if (subtasks.length === 0) {
    for (const n of [1, 2])
      subtasks.push(await link.call('task_create', { title: `${root.title}: part ${n}`, description: `Part ${n} of ${root.title}`, parentId: root.id }));
    tell(`● Split ${root.id} into ${subtasks.map((t) => t.id).join(', ')}`);
  } else {
    tell(`● Plan for ${root.id}: ${subtasks.map((t) => t.title).join('; ')}`);
  }

  // Only the owner picks agent commands: workers run the server's default agent, or a template's.
  const template = env.AGENT_CHILD_TEMPLATE ? { template: env.AGENT_CHILD_TEMPLATE } : {};
  const workers = new Map<string, string>(); // task id -> session id
  const splits = new Map<string, string[]>(); // task id -> the child tasks its queue worker works through
  const hire = async (task: TaskState, spawn: NonNullable<ToolArgs<'session_spawn'>[0]>, what: string) => {
    const spawned = await link.call('session_spawn', { ...template, env: childEnv(workers.size), ...spawn });
    workers.set(task.id, spawned.session.id);
    tell(`● Spawned ${spawned.session.id} for ${task.id}: ${what}`);
    await link.call('report_progress', { taskId: root.id, message: `spawned ${spawned.session.id} for ${what}` });
  };
  const deadline = Date.now() + Number(env.AGENT_WAIT_MS ?? 60_000);
  let last = '';
  for (;;) {
    subtasks = await link.call('task_list', { parentId: root.id });
    for (const task of subtasks) {
      if (workers.has(task.id) || !task.ready) continue;
      const items = itemsOf(task.description);
      if (items.length < 2) {
        await hire(task, { taskIds: [task.id], name: `worker-${workers.size + 1}` }, task.title);
        continue;
      }
      const children: string[] = [];
      for (const item of items) children.push((await link.call('task_create', { title: item, parentId: task.id })).id);
      splits.set(task.id, children);
      tell(`● Split ${task.id} into ${children.length} queue items`);
      await link.call('task_update', { taskId: task.id, status: 'in_progress' });
      await hire(task, { taskIds: children, strategy: 'queue', name: `queue-worker-${workers.size + 1}` }, `${task.title} (${children.length} items, one at a time)`);
    }
    // A split task is done when every item of it is.
    for (const [taskId, children] of splits) {
      const states = await link.call('task_list', { parentId: taskId });
      if (!states.every((t) => t.status === 'done')) continue;
      splits.delete(taskId);
      await link.call('task_complete', { taskId, summary: `all ${children.length} items done` });
      tell(`✓ Done: ${taskId} (all ${children.length} items)`);
    }
    const line = `  subtasks: ${subtasks.map((t) => `${t.id}=${t.status}`).join(' ')}`;
    if (line !== last) say((last = line));
    if (subtasks.every((t) => t.status === 'done')) break;
    if (Date.now() > deadline) {
      await link.call('report_blocked', { taskId: root.id, message: 'workers did not finish in time' });
      throw new Error('workers did not finish in time');
    }
    await sleep(Math.max(400, STEP_MS)); // as an agent would look again: not in a tight loop
  }
  const children = [...workers.values()];
  await link.call('report_complete', { taskId: root.id, message: `all ${subtasks.length} subtasks done by ${children.join(', ')}` });
  tell(`✓ Done: ${root.title}`);
}

/** Runs the agent to its end (never returns: exits with the outcome's code). */
export async function runScriptedAgent(): Promise<never> {
  try {
    const manifestPath = required('MAESTRO_MANIFEST_PATH');
    const configPath = required('MAESTRO_MCP_CONFIG');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    say(`Maestro scripted agent: session ${manifest.session.id} (${manifest.session.role}, ${manifest.session.strategy}) in ${process.cwd()}`);
    say(`Tasks: ${manifest.tasks.map((t) => t.id).join(', ') || '(none)'}`);
    const transcriptPath = join(dirname(manifestPath), 'transcript.jsonl');
    hooks = HookRunner.fromEnv(env, transcriptPath);
    if (env.AGENT_TRANSCRIPT !== '0') transcript = TranscriptWriter.open(transcriptPath, { sessionId: env.MAESTRO_AGENT_SESSION_ID });
    await hooks?.fire('SessionStart', { source: 'startup' });
    if (env.MAESTRO_PROMPT_FILE) {
      const prompt = readFileSync(env.MAESTRO_PROMPT_FILE, 'utf8');
      transcript?.prompt(prompt);
      await hooks?.fire('UserPromptSubmit', { prompt });
    }
    const link = await McpLink.open(configPath, { retryMs: Number(env.AGENT_RETRY_MS ?? 30_000), say, hooks, transcript });
    const me = await link.call('whoami');
    const myId = me.kind === 'session' ? me.session.id : undefined;
    if (myId !== manifest.session.id) throw new Error(`whoami says ${myId}, manifest says ${manifest.session.id}`);

    if (manifest.session.role === 'orchestrator') await orchestrate(link, manifest);
    else if (manifest.session.strategy === 'queue') await workQueue(link);
    else await workSimple(link, manifest);

    await link.close();
    const last = env.AGENT_UNREPORTED === '1' ? 'Stopping here.' : 'All done.';
    transcript?.say(last);
    await hooks?.fire('Stop', { stop_hook_active: false });
    say(last);
    if (env.AGENT_LINGER === '1') {
      process.stdout.write('> ');
      for (;;) {
        const line = await readLine();
        transcript?.prompt(line);
        await hooks?.fire('UserPromptSubmit', { prompt: line });
        const reply = `(nothing to do about "${line}")`;
        say(reply);
        transcript?.say(reply);
        await hooks?.fire('Stop', { stop_hook_active: false });
        process.stdout.write('> ');
      }
    }
    lines?.close();
    await hooks?.fire('SessionEnd', { reason: 'other' });
    process.exit(0);
  } catch (err) {
    const failed = `agent failed: ${err instanceof Error ? err.message : String(err)}`;
    say(failed);
    transcript?.say(failed);
    process.exit(1);
  }
}
