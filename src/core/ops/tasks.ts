import { z } from 'zod';
import { projectFor, visibleTask, workableTask } from '../access.js';
import * as E from '../entities/index.js';
import { forbidden } from '../errors.js';
import * as S from '../schemas.js';
import { op, selfId } from './operation.js';

export const TASK_OPS = [
  op({
    name: 'task.create',
    title: 'Create a task',
    description:
      'Creates a task in your project. Use parentId to split a task into subtasks and dependencies for tasks that must be done first. Workers may only create subtasks of their own tasks.',
    input: S.TaskCreateInput,
    output: E.Task,
    access: 'any',
    readOnly: false,
    run: ({ svc, actor }, input) => {
      const parent = input.parentId !== undefined ? workableTask(svc, actor, input.parentId, 'parentId') : undefined;
      if (!parent && actor.kind === 'session' && actor.session.role === 'worker')
        throw forbidden('workers may only create subtasks of their own tasks: set parentId', 'parentId');
      const project = parent ? svc.projects.get(parent.projectId) : projectFor(svc, actor, input.project);
      if (parent && input.project !== undefined && projectFor(svc, actor, input.project).id !== parent.projectId)
        throw forbidden(`parent task ${parent.id} belongs to another project`, 'parentId');
      return svc.tasks.create({ ...input, projectId: project.id });
    },
  }),
  op({
    name: 'task.list',
    title: 'List tasks',
    description:
      'Lists tasks of your project, optionally filtered by status, parent, assignee or readiness (ready = todo with every dependency done). Call it to find work or check what is left.',
    input: S.TaskListInput,
    output: z.array(E.Task),
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }, input) =>
      svc.tasks.list({
        projectId: projectFor(svc, actor, input.project).id,
        status: input.status,
        parentId: input.parentId,
        assignee: input.assignee,
        ready: input.ready,
      }),
  }),
  op({
    name: 'task.get',
    title: 'Get a task',
    description: 'Returns one task with its description, status, dependencies and assignee.',
    input: S.TaskGetInput,
    output: E.Task,
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }, input) => visibleTask(svc, actor, input.taskId),
  }),
  op({
    name: 'task.update',
    title: 'Update a task',
    description:
      'Changes a task: title, description, status, priority, parent, dependencies (replaces the list; cycles are rejected) or assignee. Workers may only change their own tasks.',
    input: S.TaskUpdateInput,
    output: E.Task,
    access: 'any',
    readOnly: false,
    run: ({ svc, actor }, input) => {
      const { taskId, ...patch } = input;
      workableTask(svc, actor, taskId);
      if (patch.parentId) workableTask(svc, actor, patch.parentId, 'parentId');
      return svc.tasks.update(taskId, patch);
    },
  }),
  op({
    name: 'task.complete',
    title: 'Complete a task',
    description: 'Marks a task done. Call it when the work of a task is finished and verified.',
    input: S.TaskCompleteInput,
    output: E.Task,
    access: 'any',
    readOnly: false,
    run: ({ svc, actor }, input) => {
      workableTask(svc, actor, input.taskId);
      const self = selfId(actor);
      if (self) return svc.report(self, 'complete', input.summary?.trim() || 'task completed', input.taskId).task!;
      return svc.tasks.setStatus(input.taskId, 'done');
    },
  }),
  op({
    name: 'task.tree',
    title: 'Task tree',
    description: 'Returns the tasks of your project (or one subtree) as a nested tree of subtasks.',
    input: S.TaskTreeInput,
    output: z.array(E.TaskNode),
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }, input) => {
      const project = projectFor(svc, actor, input.project);
      if (input.rootId !== undefined) visibleTask(svc, actor, input.rootId, 'rootId');
      return svc.tasks.tree(project.id, input.rootId);
    },
  }),
] as const;
