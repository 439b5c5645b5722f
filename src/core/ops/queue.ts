import { z } from 'zod';
import { readableSession, targetSession, visibleTask } from '../access.js';
import * as E from '../entities/index.js';
import { forbidden } from '../errors.js';
import * as S from '../schemas.js';
import { op } from './operation.js';

export const QUEUE_OPS = [
  op({
    name: 'queue.start',
    title: 'Start next queue item',
    description:
      'Claims the next ready task from your queue and marks it in progress (returns the current one if you already started it). When item is null, reason says whether the queue is empty or waiting on dependencies.',
    input: S.QueueSessionInput,
    output: E.QueueStartResult,
    access: 'any',
    readOnly: false,
    run: ({ svc, actor }, input) => svc.queue.start(targetSession(svc, actor, input.sessionId).id),
  }),
  op({
    name: 'queue.complete',
    title: 'Complete queue item',
    description: 'Marks the queue item you are working on done (and its task done). Then call queue_start for the next.',
    input: S.QueueCompleteInput,
    output: E.QueueItem,
    access: 'any',
    readOnly: false,
    run: ({ svc, actor }, input) => svc.queue.complete(targetSession(svc, actor, input.sessionId).id, input.summary),
  }),
  op({
    name: 'queue.skip',
    title: 'Skip queue item',
    description: 'Puts the queue item you are working on back at the end of your queue (counted), with an optional reason.',
    input: S.QueueSkipInput,
    output: E.QueueItem,
    access: 'any',
    readOnly: false,
    run: ({ svc, actor }, input) => svc.queue.skip(targetSession(svc, actor, input.sessionId).id, input.reason),
  }),
  op({
    name: 'queue.status',
    title: 'Queue status',
    description: 'Shows your current queue item, the next ready one and counts of queued, done and waiting items.',
    input: S.QueueSessionInput,
    output: E.QueueStatus,
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }, input) => svc.queue.status(readableSession(svc, actor, input.sessionId).id),
  }),
  op({
    name: 'queue.list',
    title: 'List queue',
    description: 'Lists every item of your queue in order, with state and skip counts.',
    input: S.QueueSessionInput,
    output: z.array(E.QueueItem),
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }, input) => svc.queue.list(readableSession(svc, actor, input.sessionId).id),
  }),
  op({
    name: 'queue.add',
    title: 'Add to a queue',
    description: 'Appends tasks to the queue of a session you spawned.',
    input: S.QueueAddInput,
    output: z.array(E.QueueItem),
    access: 'orchestrator',
    readOnly: false,
    run: ({ svc, actor }, input) => {
      const session = targetSession(svc, actor, input.sessionId);
      for (const id of input.taskIds) {
        const task = visibleTask(svc, actor, id, 'taskIds');
        if (task.projectId !== session.projectId) throw forbidden(`task ${id} belongs to another project`, 'taskIds');
      }
      return svc.queue.add(session.id, input.taskIds);
    },
  }),
] as const;
