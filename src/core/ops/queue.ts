import { readableSession, targetSession, targetSessionId, visibleTask } from '../access.js';
import * as C from '../contracts/queue.js';
import { forbidden } from '../errors.js';
import { implement } from './operation.js';

export const QUEUE_OPS = [
  implement(C.queueStart, ({ svc, actor }, input) => svc.queue.start(targetSessionId(svc, actor, input.sessionId))),
  implement(C.queueComplete, ({ svc, actor }, input) => svc.queue.complete(targetSessionId(svc, actor, input.sessionId), input.summary)),
  implement(C.queueSkip, ({ svc, actor }, input) => svc.queue.skip(targetSessionId(svc, actor, input.sessionId), input.reason)),
  implement(C.queueStatus, ({ svc, actor }, input) => svc.queue.status(readableSession(svc, actor, input.sessionId).id)),
  implement(C.queueList, ({ svc, actor }, input) => svc.queue.list(readableSession(svc, actor, input.sessionId).id)),
  implement(C.queueAdd, ({ svc, actor }, input) => {
    const session = targetSession(svc, actor, input.sessionId);
    for (const id of input.taskIds) {
      const task = visibleTask(svc, actor, id, 'taskIds');
      if (task.projectId !== session.projectId) throw forbidden(`task ${id} belongs to another project`, 'taskIds');
    }
    return svc.queue.add(session.id, input.taskIds);
  }),
] as const;
