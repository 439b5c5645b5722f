import { z } from 'zod';
import { entityId, ProjectId, SessionId, TaskId, Timestamp } from './common.js';

/* Messages between sessions and the person at the dashboard/CLI (issue 12): src/core/messages*.ts. */

export const MESSAGE_STATES = ['sent', 'delivered', 'read', 'acknowledged'] as const;
export const MessageState = z
  .enum(MESSAGE_STATES)
  .describe('sent: stored, not yet in front of the recipient; delivered: pushed to it (hook, typed) or fetched; read: in its context or inbox; acknowledged: it said so (message_ack)');
export const MessageVia = z
  .enum(['hook', 'typed', 'inbox'])
  .describe("hook: injected as context by its Claude Code hook; typed: typed into its terminal as a prompt; inbox: it read message_inbox");

export const MessageParty = z.object({
  sessionId: SessionId.nullable().describe('null: the user (the person at the dashboard or CLI)'),
  name: z.string().describe("The session's name, or 'user'"),
});

export const MessageRecipient = MessageParty.extend({
  state: MessageState,
  deliveredAt: Timestamp.nullable(),
  deliveredVia: MessageVia.nullable(),
  readAt: Timestamp.nullable(),
  ackedAt: Timestamp.nullable(),
  ackNote: z.string().nullable().describe('What the recipient said when it acknowledged'),
});

export const Message = z
  .object({
    id: entityId('msg', 'Message'),
    projectId: ProjectId,
    from: MessageParty.describe('Who sent it'),
    to: z.string().describe("As the sender gave it: a session id, 'orchestrator', 'project' (broadcast) or 'user'"),
    threadId: z.string().describe('The first message of the thread (its own id when it replies to nothing)'),
    replyTo: z.string().nullable().describe('The message it answers'),
    taskId: TaskId.nullable(),
    subject: z.string(),
    body: z.string(),
    createdAt: Timestamp,
    recipients: z.array(MessageRecipient).describe('Everyone it went to, each with how far it got'),
    state: MessageState.describe("The least advanced recipient's state"),
  })
  .describe('A message between sessions (or with the user), with its delivery, read and acknowledgement states')
  .meta({ id: 'Message' });

export const MessageInbox = z
  .object({
    owner: MessageParty.describe('Whose inbox this is'),
    unread: z.number().int().describe('Messages not read before this call'),
    messages: z.array(Message).describe('Unread first (oldest first), then, with all, the rest (newest first)'),
    markedRead: z.boolean().describe('Whether this call marked the unread ones read (not when the owner looks at a session)'),
  })
  .describe("A caller's inbox");
