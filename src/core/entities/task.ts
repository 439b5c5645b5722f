import { z } from 'zod';
import { TaskPriority, TaskStatus } from '../schemas.js';
import { ProjectId, SessionId, TaskId, Timestamp, Version } from './common.js';

export const Task = z
  .object({
    id: TaskId,
    projectId: ProjectId,
    parentId: TaskId.nullable().describe('The parent task of a subtask (null: top-level)'),
    key: z.string().nullable().describe('Its import key (task import): a re-import with the same key updates it instead of adding a copy; null: none'),
    title: z.string(),
    description: z.string().describe('What done looks like; markdown'),
    status: TaskStatus,
    priority: TaskPriority,
    dependencies: z.array(TaskId).describe('Tasks that must be done before this one can start'),
    mergedDependencies: z.array(TaskId).describe('Those of its dependencies that must also be merged (their branch landed), not just done'),
    assignee: SessionId.nullable().describe('The session working on it (null: nobody)'),
    ready: z.boolean().describe('todo, and every dependency done (and merged, where it must be): it can be started now'),
    mergedAt: Timestamp.nullable().describe('When its work landed: at done without a worktree branch, else when its branch was merged'),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    completedAt: Timestamp.nullable(),
    version: Version,
  })
  .describe('A task of a project')
  .meta({ id: 'Task' });

/** A task with its subtasks, at any depth (task_tree). */
export const TaskNode = Task.extend({
  get children(): z.ZodArray<typeof TaskNode> {
    return z.array(TaskNode).describe('Subtasks');
  },
})
  .describe('A task with its subtasks, nested')
  .meta({ id: 'TaskNode' });

/** One page of task_list: the tasks in creation order, and where the next page starts. */
export const TaskPage = z
  .object({
    tasks: z.array(Task),
    nextCursor: z.string().nullable().describe('Pass it as cursor to get the next page; null: this is the last page'),
    total: z.number().int().min(0).optional().describe('How many tasks match in all (only when asked for with total)'),
  })
  .describe('A page of tasks')
  .meta({ id: 'TaskPage' });

/** A line of the streamed task tree (GET /api/tasks/tree/stream): a task, its depth, and whether it is its parent's last child. */
export const TaskTreeLine = z
  .object({
    depth: z.number().int().min(0),
    last: z.boolean().describe('No later sibling follows (the tree is drawn with └── instead of ├──)'),
    task: Task,
  })
  .describe('A task of the tree, in depth-first order')
  .meta({ id: 'TaskTreeLine' });
export type TaskTreeLine = z.infer<typeof TaskTreeLine>;
