import type { McpLink, ToolArgs } from './mcp-link.js';
import { childEnv, knobs, type Manifest, type TaskState } from './script-config.js';
import { crashIfAsked, say, sleep, tell } from './script-io.js';

/*
 * The scripted agent as an orchestrator (./script.ts): takes the subtasks of its task (or splits it into
 * two), spawns a worker for each as soon as its dependencies are done, waits until all are done, then
 * report_complete. A subtask whose description lists items ("- French: Bonjour") is split into one child
 * task per item, handed to a queue worker, and completed by the orchestrator once every child is done.
 */

/** The items a task's description lists, one per "- item" line. */
const itemsOf = (description: string): string[] =>
  description
    .split('\n')
    .map((line) => /^\s*[-*]\s+(.+)$/.exec(line)?.[1]?.trim() ?? '')
    .filter((item) => item !== '');

/** Every subtask of a task: task_list answers in pages, walked here to the last one as an agent would. */
async function subtasksOf(link: McpLink, parentId: string): Promise<TaskState[]> {
  const all: TaskState[] = [];
  let cursor: string | undefined;
  do {
    const page = await link.call('task_list', { parent: parentId, limit: 1000, ...(cursor ? { cursor } : {}) });
    all.push(...page.tasks);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

export async function orchestrate(link: McpLink, manifest: Manifest): Promise<void> {
  const root = manifest.tasks[0];
  if (!root) throw new Error('an orchestrator needs a task to split');
  await link.call('report_progress', { taskId: root.id, message: `planning ${root.title}` });
  crashIfAsked();
  let subtasks = await subtasksOf(link, root.id);
  if (subtasks.length === 0) {
    for (const n of [1, 2])
      subtasks.push(await link.call('task_create', { title: `${root.title}: part ${n}`, description: `Part ${n} of ${root.title}`, parentId: root.id }));
    tell(`● Split ${root.id} into ${subtasks.map((t) => t.id).join(', ')}`);
  } else {
    tell(`● Plan for ${root.id}: ${subtasks.map((t) => t.title).join('; ')}`);
  }

  // Only the owner picks agent commands: workers run the server's default agent, or a template's.
  const template = knobs.childTemplate ? { template: knobs.childTemplate } : {};
  const workers = new Map<string, string>(); // task id -> session id
  const splits = new Map<string, string[]>(); // task id -> the child tasks its queue worker works through
  const hire = async (task: TaskState, spawn: NonNullable<ToolArgs<'session_spawn'>[0]>, what: string) => {
    const spawned = await link.call('session_spawn', { ...template, env: childEnv(workers.size), ...spawn });
    workers.set(task.id, spawned.session.id);
    tell(`● Spawned ${spawned.session.id} for ${task.id}: ${what}`);
    await link.call('report_progress', { taskId: root.id, message: `spawned ${spawned.session.id} for ${what}` });
  };
  const deadline = Date.now() + knobs.waitMs;
  let last = '';
  for (;;) {
    subtasks = await subtasksOf(link, root.id);
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
      const states = await subtasksOf(link, taskId);
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
    await sleep(Math.max(400, knobs.stepMs)); // as an agent would look again: not in a tight loop
  }
  const children = [...workers.values()];
  await link.call('report_complete', { taskId: root.id, message: `all ${subtasks.length} subtasks done by ${children.join(', ')}` });
  tell(`✓ Done: ${root.title}`);
}
