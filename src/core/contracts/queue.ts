import { z } from 'zod';
import * as E from '../entities/index.js';
import * as S from '../schemas.js';
import { contract } from './contract.js';

/** A queue session's items, claimed one at a time. */
export const queueStart = contract({
  name: 'queue.start',
  title: 'Start next queue item',
  description:
    'Claims the next ready task from your queue and marks it in progress (returns the current one if you already started it). When item is null, reason says whether the queue is empty or waiting on dependencies.',
  input: S.QueueSessionInput,
  output: E.QueueStartResult,
  access: 'any',
  readOnly: false,
});

export const queueComplete = contract({
  name: 'queue.complete',
  title: 'Complete queue item',
  description: 'Marks the queue item you are working on done (and its task done). Then call queue_start for the next.',
  input: S.QueueCompleteInput,
  output: E.QueueItem,
  access: 'any',
  readOnly: false,
});

export const queueSkip = contract({
  name: 'queue.skip',
  title: 'Skip queue item',
  description: 'Puts the queue item you are working on back at the end of your queue (counted), with an optional reason.',
  input: S.QueueSkipInput,
  output: E.QueueItem,
  access: 'any',
  readOnly: false,
});

export const queueStatus = contract({
  name: 'queue.status',
  title: 'Queue status',
  description: 'Shows your current queue item, the next ready one and counts of queued, done and waiting items.',
  input: S.QueueSessionInput,
  output: E.QueueStatus,
  access: 'any',
  readOnly: true,
});

export const queueList = contract({
  name: 'queue.list',
  title: 'List queue',
  description: 'Lists every item of your queue in order, with state and skip counts.',
  input: S.QueueSessionInput,
  output: z.array(E.QueueItem),
  access: 'any',
  readOnly: true,
});

export const queueAdd = contract({
  name: 'queue.add',
  title: 'Add to a queue',
  description: 'Appends tasks to the queue of a session you spawned.',
  input: S.QueueAddInput,
  output: z.array(E.QueueItem),
  access: 'orchestrator',
  readOnly: false,
});

export const QUEUE_CONTRACTS = [queueStart, queueComplete, queueSkip, queueStatus, queueList, queueAdd] as const;
