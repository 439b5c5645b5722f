import { projectFor, treeScope, visibleTask, workableTask } from '../access.js';
import * as C from '../contracts/tasks.js';
import { forbidden, invalid } from '../errors.js';
import { TASK_PAGE_DEFAULT } from '../schemas.js';
import { decodeCursor, encodeCursor, ftsQuery } from '../task-page.js';
import { Slices } from '../slices.js';
import { parseImportText, rowsOf } from '../task-import.js';
import { taskmasterRows } from '../taskmaster.js';
import { implement, selfId } from './operation.js';

export const TASK_OPS = [
  implement(C.taskCreate, ({ svc, actor }, input) => {
    const parent = input.parentId !== undefined ? workableTask(svc, actor, input.parentId, 'parentId') : undefined;
    if (!parent && actor.kind === 'session' && actor.session.role === 'worker')
      throw forbidden('workers may only create subtasks of their own tasks: set parentId', 'parentId');
    const project = parent ? svc.projects.get(parent.projectId) : projectFor(svc, actor, input.project);
    if (parent && input.project !== undefined && projectFor(svc, actor, input.project).id !== parent.projectId)
      throw forbidden(`parent task ${parent.id} belongs to another project`, 'parentId');
    return svc.tasks.create({ ...input, projectId: project.id });
  }),
  implement(C.taskList, ({ svc, actor }, input) => {
    // `parentId` is the older name of `parent`: either may be given, both only when they agree.
    if (input.parent !== undefined && input.parentId !== undefined && input.parent !== input.parentId)
      throw invalid('parent and parentId name the same filter: give one of them (or the same task in both)', 'parent');
    // Both name where the page starts: a cursor after a task, an offset at a position.
    if (input.offset !== undefined && input.cursor !== undefined)
      throw invalid('offset and cursor both say where the page starts: give one of them (cursor to continue a walk, offset to jump to a position)', 'offset');
    const projectId = projectFor(svc, actor, input.project).id;
    const afterSeq = input.cursor !== undefined ? decodeCursor(input.cursor, projectId) : undefined;
    const limit = input.limit ?? TASK_PAGE_DEFAULT;
    const match = input.search !== undefined ? ftsQuery(input.search) : undefined;
    // Search text without a single word matches nothing (and is no error: it is only text).
    if (match === null) return { tasks: [], nextCursor: null, ...(input.total ? { total: 0 } : {}) };
    const page = svc.tasks.page({
      projectId,
      status: input.status,
      priority: input.priority,
      parentId: input.parent !== undefined ? input.parent : input.parentId,
      assignee: input.assignee,
      ready: input.ready,
      match,
      afterSeq,
      offset: input.offset,
      limit,
      total: input.total,
    });
    return {
      tasks: page.tasks,
      nextCursor: page.nextAfter === null ? null : encodeCursor(projectId, page.nextAfter),
      ...(page.total !== undefined ? { total: page.total } : {}),
    };
  }),
  implement(C.taskGet, ({ svc, actor }, input) => visibleTask(svc, actor, input.taskId)),
  implement(C.taskUpdate, ({ svc, actor }, input) => {
    const { taskId, ...patch } = input;
    workableTask(svc, actor, taskId);
    if (patch.parentId) workableTask(svc, actor, patch.parentId, 'parentId');
    return svc.tasks.update(taskId, patch);
  }),
  implement(C.taskComplete, ({ svc, actor }, input) => {
    workableTask(svc, actor, input.taskId);
    const self = selfId(actor);
    if (self) return svc.report(self, 'complete', input.summary?.trim() || 'task completed', input.taskId).task!;
    return svc.tasks.setStatus(input.taskId, 'done');
  }),
  implement(C.taskTree, ({ svc, actor }, input) => svc.tasks.tree(treeScope(svc, actor, input).project.id, input.rootId, input.limit)),
  // Orchestrators (and people) only, and a session only into its own project (projectFor).
  implement(C.taskImport, async ({ svc, actor }, input) => {
    const project = projectFor(svc, actor, input.project);
    if ((input.rows === undefined) === (input.text === undefined)) throw invalid('give the tasks as rows or as text (a whole file), one of the two', 'rows');
    // Read and checked in slices (other requests run in between); then planned and written in one transaction.
    const slices = new Slices();
    const rows =
      input.text !== undefined
        ? await parseImportText(input.text, input.from, slices)
        : input.from === 'taskmaster'
          ? taskmasterRows({ tasks: input.rows })
          : rowsOf(input.rows!);
    return svc.importer.runInSlices(project.id, rows, { dryRun: input.dryRun }, slices);
  }),
] as const;
