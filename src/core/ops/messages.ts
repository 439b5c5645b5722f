import { projectFor, readableSession } from '../access.js';
import * as C from '../contracts/messages.js';
import { forbidden } from '../errors.js';
import { inboxOf, messageTask, replyThread, resolveRecipients, senderOf } from '../messages-routing.js';
import { implement, selfId } from './operation.js';

export const MESSAGE_OPS = [
  implement(C.messageSend, ({ svc, actor }, input) => {
    const { projectId, recipients } = resolveRecipients(svc, actor, input.to, input.project);
    const taskId = messageTask(svc, actor, input.taskId, projectId);
    const thread = replyThread(svc, input.replyTo, projectId);
    return svc.messages.send({
      projectId,
      from: senderOf(svc, actor),
      to: input.to,
      recipients,
      ...thread,
      taskId,
      subject: input.subject,
      body: input.body,
    });
  }),
  implement(C.messageInbox, ({ svc, actor }, input) => {
    const owner = inboxOf(svc, actor, input.sessionId);
    const projectId = actor.kind === 'user' && owner.party === null && input.project !== undefined ? projectFor(svc, actor, input.project).id : undefined;
    const { messages, unread } = svc.messages.inbox(owner.party, { all: input.all ?? false, limit: input.limit ?? 50, projectId, marks: owner.marks });
    return { owner: { sessionId: owner.party, name: owner.name }, unread, messages, markedRead: owner.marks && unread > 0 };
  }),
  implement(C.messageAck, ({ svc, actor }, input) => {
    const message = svc.messages.get(input.messageId);
    const me = selfId(actor);
    if (actor.kind === 'session' && message.projectId !== actor.session.projectId) throw forbidden(`message ${message.id} belongs to another project`, 'messageId');
    if (!svc.messages.isRecipient(message.id, me))
      throw forbidden(`message ${message.id} was not sent to ${me ?? 'the user'}: only a recipient acknowledges it`, 'messageId');
    return svc.messages.ack(message.id, me, input.note ?? null);
  }),
  implement(C.messageList, ({ svc, actor }, input) => {
    const limit = input.limit ?? 100;
    if (actor.kind === 'session') {
      const project = projectFor(svc, actor, input.project);
      const party = readableSession(svc, actor, input.sessionId).id;
      return svc.messages.list({ projectId: project.id, party, limit });
    }
    if (input.sessionId !== undefined) {
      const s = svc.sessions.get(input.sessionId);
      return svc.messages.list({ projectId: s.projectId, party: s.id, limit });
    }
    return svc.messages.list({ projectId: projectFor(svc, actor, input.project).id, limit });
  }),
] as const;
