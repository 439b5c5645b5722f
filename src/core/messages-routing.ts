import { projectFor, readableSession, visibleTask, type Actor } from './access.js';
import { forbidden, invalid, MaestroError } from './errors.js';
import type { RecipientRef } from './messages.js';
import { live, orchestratorsOf, ref, USER_PARTY } from './messages-parties.js';
import type { MaestroService } from './service.js';
import type { Session } from './types.js';

/*
 * Who a message goes to and who may see which (issue 12): `to` resolved into recipients for a caller,
 * and the messages a caller may read. The store is messages.ts; the ops are ops/messages.ts.
 */

/** The sender as a party: the calling session, or the user. */
export function senderOf(svc: MaestroService, actor: Actor): RecipientRef {
  return actor.kind === 'user' ? USER_PARTY : ref(svc.sessions.get(actor.session.id));
}

/** The project and recipients of a message `to` something, from this caller; refused with the field named. */
export function resolveRecipients(
  svc: MaestroService,
  actor: Actor,
  to: string,
  projectRef: string | undefined,
): { projectId: string; recipients: RecipientRef[] } {
  const self = actor.kind === 'session' ? svc.sessions.get(actor.session.id) : null;
  if (to === 'user') {
    if (!self) throw invalid("you are the user: send to a session id, 'orchestrator' or 'project'", 'to');
    return { projectId: self.projectId, recipients: [USER_PARTY] };
  }
  if (to === 'orchestrator' || to === 'project') {
    const project = projectFor(svc, actor, projectRef);
    const recipients =
      to === 'orchestrator'
        ? orchestratorsOf(svc.sessions, project.id, self)
        : svc.sessions
            .list({ projectId: project.id })
            .filter((s) => live(s) && s.id !== self?.id)
            .map(ref);
    if (recipients.length === 0)
      throw new MaestroError('conflict', to === 'project' ? `no other live session in project '${project.name}' to broadcast to` : `project '${project.name}' has no live orchestrator`, 'to');
    return { projectId: project.id, recipients };
  }
  const target = svc.sessions.get(to, 'to');
  if (self && target.projectId !== self.projectId) throw forbidden(`session ${to} belongs to another project`, 'to');
  if (self && target.id === self.id) throw invalid('a session does not send messages to itself', 'to');
  if (!live(target)) throw new MaestroError('conflict', `session ${to} has ended (${target.status}): it cannot receive messages`, 'to');
  if (projectRef !== undefined) projectFor(svc, actor, projectRef); // a wrong project is still an error
  return { projectId: target.projectId, recipients: [ref(target)] };
}

/** A task a message may be about: one of its project's. */
export function messageTask(svc: MaestroService, actor: Actor, taskId: string | undefined, projectId: string): string | null {
  if (taskId === undefined) return null;
  const task = visibleTask(svc, actor, taskId);
  if (task.projectId !== projectId) throw invalid(`task ${taskId} belongs to another project`, 'taskId');
  return task.id;
}

/** The thread a reply joins: the message it answers must be of the same project. */
export function replyThread(svc: MaestroService, replyTo: string | undefined, projectId: string): { replyTo: string | null; threadId: string | null } {
  if (replyTo === undefined) return { replyTo: null, threadId: null };
  const original = svc.messages.get(replyTo, 'replyTo');
  if (original.projectId !== projectId) throw forbidden(`message ${replyTo} belongs to another project`, 'replyTo');
  return { replyTo: original.id, threadId: original.threadId };
}

/**
 * Whose inbox a caller reads, and whether reading marks it read: a session its own; the owner the user's,
 * or a session's (sessionId) without marking; an orchestrator may look at its project's sessions' too.
 */
export function inboxOf(svc: MaestroService, actor: Actor, sessionId: string | undefined): { party: string | null; name: string; marks: boolean } {
  if (actor.kind === 'user') {
    if (sessionId === undefined) return { party: null, name: 'user', marks: true };
    const s = svc.sessions.get(sessionId);
    return { party: s.id, name: s.name, marks: false };
  }
  const s = readableSession(svc, actor, sessionId);
  return { party: s.id, name: s.name, marks: s.id === actor.session.id };
}
