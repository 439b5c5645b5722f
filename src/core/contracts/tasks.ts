import { z } from 'zod';
import * as E from '../entities/index.js';
import * as S from '../schemas.js';
import { contract } from './contract.js';
import { TaskImportInput, TaskImportResult } from '../task-import-schemas.js';

/** Tasks, subtasks and their dependencies. */
export const taskCreate = contract({
  name: 'task.create',
  title: 'Create a task',
  description:
    'Creates a task in your project. Use parentId to split a task into subtasks and dependencies for tasks that must be done first. Workers may only create subtasks of their own tasks.',
  input: S.TaskCreateInput,
  output: E.Task,
  access: 'any',
  readOnly: false,
});

export const taskList = contract({
  name: 'task.list',
  title: 'List tasks',
  description:
    `Lists tasks of your project in creation order, one page at a time: ${S.TASK_PAGE_DEFAULT} tasks unless you set limit (at most ${S.TASK_PAGE_MAX}). When nextCursor is not null there are more: call again with cursor set to it (or jump to a position with offset instead). Filter by status, parent (null: top-level only), assignee or ready (todo with every dependency done), and find tasks by words in their title or description with search (every word must match, as a word or its start). total: true also counts all matches. Call it to find work or check what is left; prefer filters and search over walking every page.`,
  input: S.TaskListInput,
  output: E.TaskPage,
  access: 'any',
  readOnly: true,
});

export const taskGet = contract({
  name: 'task.get',
  title: 'Get a task',
  description: 'Returns one task with its description, status, dependencies and assignee.',
  input: S.TaskGetInput,
  output: E.Task,
  access: 'any',
  readOnly: true,
});

export const taskUpdate = contract({
  name: 'task.update',
  title: 'Update a task',
  description:
    'Changes a task: title, description, status, priority, parent, dependencies (replaces the list; cycles are rejected) or assignee. Workers may only change their own tasks.',
  input: S.TaskUpdateInput,
  output: E.Task,
  access: 'any',
  readOnly: false,
});

export const taskComplete = contract({
  name: 'task.complete',
  title: 'Complete a task',
  description: 'Marks a task done. Call it when the work of a task is finished and verified.',
  input: S.TaskCompleteInput,
  output: E.Task,
  access: 'any',
  readOnly: false,
});

export const taskTree = contract({
  name: 'task.tree',
  title: 'Task tree',
  description: 'Returns the tasks of your project (or one subtree) as a nested tree of subtasks.',
  input: S.TaskTreeInput,
  output: z.array(E.TaskNode),
  access: 'any',
  readOnly: true,
});


/** Bulk import (task-import.ts): the MCP tool takes rows (bounded); the CLI sends whole files as `text`. */
export const taskImport = contract({
  name: 'task.import',
  title: 'Import tasks',
  description:
    'Creates or updates many tasks at once, in one transaction: rows like task_create (title, description, status, priority, parent and dependsOn by key or id, until) with a key each, so importing the same rows again changes nothing. A bad row fails the whole import, named by its line. dryRun: only check and count.',
  input: TaskImportInput,
  output: TaskImportResult,
  access: 'orchestrator',
  readOnly: false,
});

export const TASK_CONTRACTS = [taskCreate, taskList, taskGet, taskUpdate, taskComplete, taskTree, taskImport] as const;
