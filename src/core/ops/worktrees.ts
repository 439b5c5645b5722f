import { projectFor, readableSession, targetSession } from '../access.js';
import * as C from '../contracts/worktrees.js';
import { visibleEntry } from '../merge-queue-access.js';
import { implement } from './operation.js';

export const WORKTREE_OPS = [
  implement(C.worktreeInfo, ({ svc, actor }, input) => svc.worktrees.info(readableSession(svc, actor, input.sessionId).id)),
  implement(C.sessionDiff, ({ svc, actor }, input) => svc.worktrees.diff(readableSession(svc, actor, input.sessionId).id, input.patch ?? true)),
  implement(C.sessionFiles, ({ svc, actor }, input) => svc.worktrees.files(readableSession(svc, actor, input.sessionId).id)),
  implement(C.sessionFile, ({ svc, actor }, input) => svc.worktrees.file(readableSession(svc, actor, input.sessionId).id, input.path, input.version)),
  implement(C.sessionMerge, ({ svc, actor }, input) => {
    const { sessionId, ...req } = input;
    return svc.merges.merge(targetSession(svc, actor, sessionId).id, req);
  }),
  implement(C.sessionCleanup, ({ svc, actor }, input) => svc.merges.cleanup(targetSession(svc, actor, input.sessionId).id, input.force ?? false)),
  implement(C.mergeQueueAdd, ({ svc, actor }, input) => {
    const sessions = input.sessionIds.map((id) => targetSession(svc, actor, id, 'sessionIds'));
    const projectId = sessions[0]!.projectId;
    const entries = svc.mergeQueue.add(
      projectId,
      sessions.map((s) => s.id),
      { strategy: input.strategy ?? 'rebase', into: input.into ?? null },
    );
    void svc.mergeQueueRunner.kick(projectId);
    return entries;
  }),
  implement(C.mergeQueueList, ({ svc, actor }, input) => svc.mergeQueue.list(projectFor(svc, actor, input.project).id)),
  implement(C.mergeQueueRemove, ({ svc, actor }, input) => svc.mergeQueue.cancel(visibleEntry(svc, actor, input.entryId).id)),
] as const;
