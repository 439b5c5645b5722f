import { z } from 'zod';
import { TaskStatus } from '../schemas.js';
import { SessionId, TaskId, Timestamp } from './common.js';

export const QueueItemState = z.enum(['queued', 'in_progress', 'done']);

/** One task in a queue session's queue. */
export const QueueItem = z
  .object({
    sessionId: SessionId.describe('The queue owner'),
    taskId: TaskId,
    title: z.string().describe("The task's title"),
    taskStatus: TaskStatus,
    position: z.number().int().describe('Order in the queue (lower first)'),
    state: QueueItemState.describe('queued, in_progress (the current item) or done'),
    skipCount: z.number().int().describe('How many times it was skipped'),
    ready: z.boolean().describe('Its task is open and every dependency is done'),
    startedAt: Timestamp.nullable(),
    completedAt: Timestamp.nullable(),
  })
  .describe('A queue item')
  .meta({ id: 'QueueItem' });

export const QueueCounts = z
  .object({
    total: z.number().int(),
    queued: z.number().int(),
    inProgress: z.number().int(),
    done: z.number().int(),
    waiting: z.number().int().describe('Queued items whose task is not ready (dependencies not done)'),
  })
  .describe('Queue items by state')
  .meta({ id: 'QueueCounts' });

/** A queue at a glance (queue_status; also the body of `queue.updated` events). */
export const QueueStatus = z
  .object({
    sessionId: SessionId,
    current: QueueItem.nullable().describe('The item being worked on'),
    next: QueueItem.nullable().describe('The item queue_start would claim next'),
    counts: QueueCounts,
  })
  .describe('A queue at a glance');

export const QueueStartResult = z
  .object({
    item: QueueItem.nullable().describe('The claimed (or already started) item; null: nothing to start'),
    alreadyStarted: z.boolean().describe('The item was already in progress'),
    reason: z
      .enum(['empty', 'waiting'])
      .optional()
      .describe('Why nothing was claimed: every item done, or the remaining ones wait on dependencies / other sessions'),
  })
  .describe('What queue_start claimed');
