import type { Command } from 'commander';
import { SESSION_OPTION, list } from '../options.js';
import { fields, queueItemLine, queueTable } from '../output.js';
import { opCommand, type Args, type Opts } from '../run.js';

/** `queue …`: work through a queue-strategy session's tasks one at a time. */
export function registerQueueCommands(program: Command): Command {
  const queue = program.command('queue').description("work through a session's task queue one item at a time");
  const session = (c: Command) => c.option(...SESSION_OPTION);
  const sessionInput = (_a: Args, o: Opts) => ({ sessionId: o.session });

  opCommand(queue, {
    usage: 'start',
    description: 'claim the next ready task of the queue (or show the one already started)',
    op: 'queue.start',
    options: session,
    input: sessionInput,
    human: (r) =>
      r.item
        ? `${r.alreadyStarted ? 'already working on' : 'started'} ${queueItemLine(r.item)}`
        : r.reason === 'waiting'
          ? 'nothing to start: the remaining items wait on dependencies or other sessions'
          : 'nothing to start: the queue is empty',
  });

  opCommand(queue, {
    usage: 'complete',
    description: 'mark the current queue item (and its task) done',
    op: 'queue.complete',
    options: (c) => session(c).option('--summary <text>', 'what was done'),
    input: (_a, o) => ({ sessionId: o.session, summary: o.summary }),
    human: (i) => `completed ${queueItemLine(i)}`,
  });

  opCommand(queue, {
    usage: 'skip',
    description: 'put the current queue item back at the end of the queue',
    op: 'queue.skip',
    options: (c) => session(c).option('--reason <text>', 'why it is skipped for now'),
    input: (_a, o) => ({ sessionId: o.session, reason: o.reason }),
    human: (i) => `skipped ${queueItemLine(i)}`,
  });

  opCommand(queue, {
    usage: 'status',
    description: 'show the current and next item and counts',
    op: 'queue.status',
    options: session,
    input: sessionInput,
    human: (s) =>
      fields([
        ['session', s.sessionId],
        ['current', s.current ? queueItemLine(s.current) : '-'],
        ['next', s.next ? queueItemLine(s.next) : '-'],
        [
          'items',
          `${s.counts.total} total: ${s.counts.inProgress} in progress, ${s.counts.queued} queued (${s.counts.waiting} waiting), ${s.counts.done} done`,
        ],
      ]),
  });

  opCommand(queue, {
    usage: 'list',
    description: 'list every queue item in order',
    op: 'queue.list',
    options: session,
    input: sessionInput,
    human: (items) => queueTable(items),
  });

  opCommand(queue, {
    usage: 'add <taskIds...>',
    description: 'append tasks to the queue of a session (orchestrators: of a session you spawned)',
    op: 'queue.add',
    options: session,
    input: ([ids], o, env) => ({ sessionId: o.session ?? env.MAESTRO_SESSION_ID, taskIds: (ids as string[]).flatMap((id) => list(id)) }),
    fields: { taskIds: '<taskIds...>' },
    human: (items) => queueTable(items),
  });

  return queue;
}
