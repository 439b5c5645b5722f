import { z } from 'zod';
import { SessionStatus, TaskPriority } from '../schemas.js';
import { ProjectId, SessionId, TaskId, Timestamp } from './common.js';

/* dispatch entities (issue 12): a project's dispatcher, which keeps up to N workers busy on ready tasks. */

export const DISPATCH_STATUSES = ['running', 'stopped', 'drained'] as const;
export const DispatchStatusValue = z
  .enum(DISPATCH_STATUSES)
  .describe('running (starting workers as tasks become ready), stopped (on request) or drained (nothing left that can start)');

export const DispatchWorker = z
  .object({
    sessionId: SessionId,
    taskId: TaskId,
    status: SessionStatus.describe("The worker session's status"),
    outcome: z.enum(['done', 'failed']).nullable().describe('done (its task was finished), failed (an attempt counted), null while it works'),
    createdAt: Timestamp,
  })
  .describe('A worker the dispatcher started (this run)')
  .meta({ id: 'DispatchWorker' });

export const DispatchCounts = z
  .object({
    ready: z.number().int().describe('Tasks that could start now (todo, unassigned, dependencies met)'),
    waiting: z.number().int().describe('todo tasks whose dependencies are not met yet'),
    running: z.number().int().describe('Live workers of the dispatcher'),
    done: z.number().int().describe("The project's done tasks"),
    blocked: z.number().int().describe("The project's blocked tasks"),
    failedAttempts: z.number().int().describe('Failed worker attempts this run'),
  })
  .describe('Where the work stands');

export const DispatchLogEntry = z
  .object({
    id: z.number().int().describe('Increasing; pass the last one seen as afterLogId'),
    kind: z.enum(['started', 'spawned', 'done', 'failed', 'blocked', 'drained', 'stopped', 'note']),
    taskId: TaskId.nullable(),
    sessionId: SessionId.nullable(),
    message: z.string(),
    at: Timestamp,
  })
  .describe('One decision of the dispatcher')
  .meta({ id: 'DispatchLogEntry' });

export const DispatchPlanTask = z
  .object({
    taskId: TaskId,
    title: z.string(),
    priority: TaskPriority,
    wave: z.number().int().describe('Dependency depth: 0 can start now, 1 after wave 0, …'),
    waitsOn: z.array(TaskId).describe('Dependencies not met yet'),
  })
  .describe('A task in the plan');

export const DispatchPlan = z
  .object({
    order: z.array(TaskId).describe('The order tasks would start in (wave by wave, by priority then task order inside one)'),
    waves: z.array(z.array(DispatchPlanTask)).describe('The tasks of each wave, in start order'),
    never: z
      .array(z.object({ taskId: TaskId, title: z.string(), reason: z.string() }))
      .describe('Tasks that can never start (a dependency is blocked or cancelled), with the reason'),
  })
  .describe('What the dispatcher would do')
  .meta({ id: 'DispatchPlan' });

export const DispatchState = z
  .object({
    project: ProjectId,
    status: DispatchStatusValue.nullable().describe('null: no dispatcher was ever started for the project'),
    maxWorkers: z.number().int(),
    template: z.string().nullable(),
    retries: z.number().int(),
    reason: z.string().nullable().describe('Why it stopped or drained'),
    startedAt: Timestamp.nullable(),
    workers: z.array(DispatchWorker),
    counts: DispatchCounts,
    log: z.array(DispatchLogEntry).describe('Its decisions (the latest 200, or those after afterLogId)'),
    plan: DispatchPlan.optional().describe('dryRun only'),
  })
  .describe("A project's dispatcher")
  .meta({ id: 'DispatchState' });
