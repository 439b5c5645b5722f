/**
 * A scripted stand-in for Claude Code, for end-to-end tests of the PTY supervisor. It is started the
 * way a real agent is (in tmux, with the MAESTRO_* environment and an MCP config), reads its manifest,
 * launches the MCP server named in MAESTRO_MCP_CONFIG as a stdio child, prints what it does to its
 * terminal, and works through its tasks with the Maestro tools:
 *
 *  - worker, simple: per task report_progress, once report_needs_input and wait for a line typed
 *    into the terminal (then report what arrived), task_complete;
 *  - worker, queue: queue_start / queue_complete until the queue is empty, then report_complete;
 *  - orchestrator: splits its task into two subtasks, spawns a worker for each (same agent command),
 *    waits until both are done, then report_complete.
 *
 * Variants, from the environment:
 *   AGENT_ASK=0          never ask for input (default: ask once, simple workers only)
 *   AGENT_CRASH=1        exit with code 3 after the first progress report
 *   AGENT_STEP_MS=n      pause between steps (default 50)
 *   AGENT_LINGER=1       when done, sit at a "> " prompt instead of exiting (as Claude Code does)
 *   AGENT_WAIT_MS=n      how long an orchestrator waits for its workers (default 60000)
 *   AGENT_CHILD_TEMPLATE=name  the template an orchestrator spawns its workers with (default: the server's agent)
 */
import { readFileSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

interface ManifestTask {
  id: string;
  title: string;
}

interface Manifest {
  session: { id: string; name: string; role: 'worker' | 'orchestrator'; strategy: 'simple' | 'queue' };
  project: { id: string; name: string };
  tasks: ManifestTask[];
}

interface McpServerConfig {
  command: string;
  args?: string[];
  env?: Record<string, string>;
}

const env = process.env;
const STEP_MS = Number(env.AGENT_STEP_MS ?? 50);
const ASK = env.AGENT_ASK !== '0';
/** How long a tool call is retried while the Maestro server is unreachable (e.g. restarting). */
const RETRY_MS = Number(env.AGENT_RETRY_MS ?? 30_000);

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

async function connect(configPath: string): Promise<Client> {
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as { mcpServers: Record<string, McpServerConfig> };
  const server = config.mcpServers.maestro ?? Object.values(config.mcpServers)[0];
  if (!server) throw new Error(`no MCP server in ${configPath}`);
  const transport = new StdioClientTransport({
    command: server.command,
    args: server.args ?? [],
    env: { ...(process.env as Record<string, string>), MAESTRO_LOG_LEVEL: 'warn', ...server.env },
    stderr: 'pipe', // keep the MCP server's logs off the agent's screen
  });
  const client = new Client({ name: 'maestro-test-agent', version: '0.0.0' });
  await client.connect(transport);
  return client;
}

const UNREACHABLE = /cannot reach|unavailable|ECONNREFUSED|ECONNRESET|fetch failed|socket|other side closed/i;

/** Calls a tool and returns its parsed JSON; retries while the server is unreachable. */
async function call<T = any>(client: Client, tool: string, args: Record<string, unknown> = {}): Promise<T> {
  const deadline = Date.now() + RETRY_MS;
  for (;;) {
    let text: string;
    let isError: boolean;
    try {
      const result = (await client.callTool({ name: tool, arguments: args })) as {
        isError?: boolean;
        content: Array<{ type: string; text?: string }>;
      };
      text = result.content.find((c) => c.type === 'text')?.text ?? 'null';
      isError = result.isError === true;
    } catch (err) {
      text = err instanceof Error ? err.message : String(err);
      isError = true;
    }
    if (!isError) return JSON.parse(text) as T;
    if (UNREACHABLE.test(text) && Date.now() < deadline) {
      say(`  (${tool}: server unreachable, retrying)`);
      await sleep(250);
      continue;
    }
    throw new Error(`${tool} failed: ${text}`);
  }
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

async function workSimple(client: Client, manifest: Manifest): Promise<void> {
  let asked = false;
  for (const task of manifest.tasks) {
    say(`● Working on ${task.id}: ${task.title}`);
    await call(client, 'report_progress', { taskId: task.id, message: `started ${task.title}` });
    crashIfAsked();
    await sleep(STEP_MS);
    if (ASK && !asked) {
      asked = true;
      await call(client, 'report_needs_input', { taskId: task.id, message: `Which colour should "${task.title}" use?` });
      say(`? Which colour should "${task.title}" use?`);
      process.stdout.write('Answer and press Enter (y/n): ');
      const answer = await readLine();
      say(`● Received: ${answer}`);
      await call(client, 'report_progress', { taskId: task.id, message: `received input: ${answer}` });
    }
    await sleep(STEP_MS);
    await call(client, 'task_complete', { taskId: task.id, summary: `finished ${task.title}` });
    say(`✓ Done: ${task.title}`);
  }
}

async function workQueue(client: Client): Promise<void> {
  let waits = 0;
  for (;;) {
    const next = await call<{ item: { taskId: string; title: string } | null; reason?: string }>(client, 'queue_start');
    if (!next.item) {
      if (next.reason === 'waiting' && waits++ < 200) {
        await sleep(100);
        continue;
      }
      break;
    }
    say(`● Queue item ${next.item.taskId}: ${next.item.title}`);
    await call(client, 'report_progress', { taskId: next.item.taskId, message: `working on ${next.item.title}` });
    crashIfAsked();
    await sleep(STEP_MS);
    await call(client, 'queue_complete', { summary: `finished ${next.item.title}` });
    say(`✓ Done: ${next.item.title}`);
  }
  await call(client, 'report_complete', { message: 'queue is empty' });
}

async function orchestrate(client: Client, manifest: Manifest): Promise<void> {
  const root = manifest.tasks[0];
  if (!root) throw new Error('an orchestrator needs a task to split');
  await call(client, 'report_progress', { taskId: root.id, message: `splitting ${root.title}` });
  crashIfAsked();
  const parts = [1, 2].map((n) => ({ title: `${root.title}: part ${n}`, description: `Part ${n} of ${root.title}` }));
  const subtasks: ManifestTask[] = [];
  for (const part of parts) subtasks.push(await call(client, 'task_create', { ...part, parentId: root.id }));
  say(`● Split ${root.id} into ${subtasks.map((t) => t.id).join(', ')}`);

  // Only the owner picks agent commands: workers run the server's default agent, or a template's.
  const children: string[] = [];
  for (const [i, sub] of subtasks.entries()) {
    const spawned = await call<{ session: { id: string } }>(client, 'session_spawn', {
      taskIds: [sub.id],
      name: `worker-${i + 1}`,
      ...(env.AGENT_CHILD_TEMPLATE ? { template: env.AGENT_CHILD_TEMPLATE } : {}),
      env: { AGENT_ASK: '0', AGENT_STEP_MS: String(STEP_MS) },
    });
    children.push(spawned.session.id);
    say(`● Spawned ${spawned.session.id} for ${sub.id}`);
  }
  await call(client, 'report_progress', { taskId: root.id, message: `spawned ${children.join(', ')}` });

  const deadline = Date.now() + Number(env.AGENT_WAIT_MS ?? 60_000);
  let last = '';
  for (;;) {
    const sessions = await call<Array<{ id: string; status: string }>>(client, 'session_list', { parentSessionId: manifest.session.id });
    const tasks = await Promise.all(subtasks.map((t) => call<{ id: string; status: string }>(client, 'task_get', { taskId: t.id })));
    const line = `  workers: ${sessions.map((s) => `${s.id}=${s.status}`).join(' ')} | subtasks: ${tasks.map((t) => `${t.id}=${t.status}`).join(' ')}`;
    if (line !== last) say((last = line));
    if (tasks.every((t) => t.status === 'done')) break;
    if (Date.now() > deadline) {
      await call(client, 'report_blocked', { taskId: root.id, message: 'workers did not finish in time' });
      throw new Error('workers did not finish in time');
    }
    await sleep(150);
  }
  await call(client, 'report_complete', { taskId: root.id, message: `both subtasks done by ${children.join(', ')}` });
  say(`✓ Done: ${root.title}`);
}


async function main(): Promise<void> {
  const manifestPath = required('MAESTRO_MANIFEST_PATH');
  const configPath = required('MAESTRO_MCP_CONFIG');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  say(`Maestro test agent: session ${manifest.session.id} (${manifest.session.role}, ${manifest.session.strategy}) in ${process.cwd()}`);
  say(`Tasks: ${manifest.tasks.map((t) => t.id).join(', ') || '(none)'}`);
  const client = await connect(configPath);
  const me = await call<{ kind: string; session?: { id: string } }>(client, 'whoami');
  if (me.session?.id !== manifest.session.id) throw new Error(`whoami says ${me.session?.id}, manifest says ${manifest.session.id}`);

  if (manifest.session.role === 'orchestrator') await orchestrate(client, manifest);
  else if (manifest.session.strategy === 'queue') await workQueue(client);
  else await workSimple(client, manifest);

  await client.close();
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
}

main().catch((err: unknown) => {
  say(`agent failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
