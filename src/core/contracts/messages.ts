import { z } from 'zod';
import * as E from '../entities/index.js';
import * as S from '../schemas.js';
import { contract } from './contract.js';

/** Messages between sessions and the user (issue 12): pushed to agents, with delivered / read / acknowledged states. */
export const messageSend = contract({
  name: 'message.send',
  title: 'Send a message',
  description:
    "Sends a message to another session of your project (its id), to your orchestrator ('orchestrator': your parent, else the project's live orchestrators, else the user), to every other live session ('project'), or to the person at the dashboard ('user'). It is pushed: a Claude Code agent gets it in its context at its next hook (mid-turn after a tool call, or at the end of its turn), an idle one is prompted; the result shows each recipient's state (sent, delivered, read, acknowledged). Use replyTo to answer a message (same thread) and taskId for the task it is about.",
  input: S.MessageSendInput,
  output: E.Message,
  access: 'any',
  readOnly: false,
});

export const messageInbox = contract({
  name: 'message.inbox',
  title: 'Read your messages',
  description:
    'Your messages: the unread ones first (oldest first), which this marks read; all: true adds the ones already read (newest first). Acknowledge what you act on with message_ack; answer with message_send and replyTo.',
  input: S.MessageInboxInput,
  output: E.MessageInbox,
  access: 'any',
  readOnly: false,
});

export const messageAck = contract({
  name: 'message.ack',
  title: 'Acknowledge a message',
  description: "Marks a message sent to you read and acknowledged (with an optional short note): its sender sees it. Acknowledging twice changes nothing.",
  input: S.MessageAckInput,
  output: E.Message,
  access: 'any',
  readOnly: false,
});

export const messageList = contract({
  name: 'message.list',
  title: 'Messages sent and received',
  description:
    "Messages you sent or received, newest first, each with every recipient's state (delivered, read, acknowledged), so you can see whether yours arrived. An orchestrator may name a session of its project; the owner sees a project's messages, or one session's.",
  input: S.MessageListInput,
  output: z.array(E.Message),
  access: 'any',
  readOnly: true,
});

export const MESSAGE_CONTRACTS = [messageSend, messageInbox, messageAck, messageList] as const;
