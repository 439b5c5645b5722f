import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { McpLink } from './mcp-link.js';
import { env, knobs, type Manifest, type ManifestTask } from './script-config.js';
import { agent, crashIfAsked, endTurn, readLine, say, sleep, tell, useTool } from './script-io.js';

/*
 * The scripted agent as a worker (./script.ts):
 *  - simple: per task report_progress, once report_needs_input and wait for a line typed into the terminal
 *    (then report what arrived), optionally ask permission for a command and write a file, task_complete;
 *  - queue: queue_start / queue_complete until the queue is empty, then report_complete.
 */

/** Asks permission for a command, as Claude Code does before running one (AGENT_PERMISSION=1). */
async function askPermission(command: string): Promise<void> {
  const use = { tool_name: 'Bash', tool_input: { command, description: 'Run the tests' }, tool_use_id: `toolu_${Date.now().toString(36)}` };
  agent.transcript?.toolUse('Bash', use.tool_input, use.tool_use_id);
  await agent.hooks?.fire('PreToolUse', use, 'Bash');
  await agent.hooks?.fire('Notification', { message: 'Claude needs your permission to use Bash', notification_type: 'permission_prompt' });
  process.stdout.write(`Allow Bash: ${command}? (y/n) `);
  const answer = await readLine();
  const allowed = answer.startsWith('y');
  say(allowed ? `● Ran: ${command}` : `● Skipped: ${command}`);
  agent.transcript?.toolResult(use.tool_use_id, allowed ? 'ok' : "The user doesn't want to proceed with this tool use. The tool use was rejected.", !allowed);
  await agent.hooks?.fire('PostToolUse', { ...use, tool_response: { stdout: 'ok', exitCode: 0 } }, 'Bash');
}

/** What a worker leaves behind in the repository when asked to (AGENT_WRITE=1). */
async function writeWork(task: ManifestTask, answer: string | null): Promise<void> {
  if (!knobs.write) return;
  const file = join('work', `${task.id}.md`);
  const content = `# ${task.title}\n\nDone by ${env.MAESTRO_SESSION_ID}.${answer ? ` Answer given: ${answer}.` : ''}\n`;
  await useTool('Write', { file_path: join(process.cwd(), file), content }, `File created successfully at: ${join(process.cwd(), file)}`, () => {
    mkdirSync('work', { recursive: true });
    writeFileSync(file, content);
  });
  say(`  wrote ${file}`);
}

export async function workSimple(link: McpLink, manifest: Manifest): Promise<void> {
  let asked = false;
  for (const task of manifest.tasks) {
    tell(`● Working on ${task.id}: ${task.title}`);
    await link.call('report_progress', { taskId: task.id, message: `started ${task.title}` });
    crashIfAsked();
    await sleep(knobs.stepMs);
    let answer: string | null = null;
    if (knobs.ask && !asked) {
      asked = true;
      const question = knobs.question ?? `Which colour should "${task.title}" use?`;
      await link.call('report_needs_input', { taskId: task.id, message: question });
      say(`? ${question}`);
      process.stdout.write('Answer and press Enter (y/n): ');
      agent.transcript?.say(question);
      await endTurn(); // the turn ends on the question
      answer = await readLine();
      agent.transcript?.prompt(answer);
      await agent.hooks?.fire('UserPromptSubmit', { prompt: answer });
      tell(`● Received: ${answer}`);
      await link.call('report_progress', { taskId: task.id, message: `received input: ${answer}` });
    }
    await sleep(knobs.stepMs);
    if (knobs.permission) await askPermission('npm test');
    await writeWork(task, answer);
    if (knobs.unreported) continue;
    await link.call('task_complete', { taskId: task.id, summary: `finished ${task.title}` });
    tell(`✓ Done: ${task.title}`);
  }
}

export async function workQueue(link: McpLink): Promise<void> {
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
    await sleep(knobs.stepMs);
    await writeWork({ id: next.item.taskId, title: next.item.title }, null);
    await link.call('queue_complete', { summary: `finished ${next.item.title}` });
    tell(`✓ Done: ${next.item.title}`);
  }
  await link.call('report_complete', { message: 'queue is empty' });
}
