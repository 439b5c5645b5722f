import type { Command } from 'commander';
import type { Message, MessageInbox } from '../../core/types.js';
import { int, namedProject, PROJECT_OPTION, projectOf } from '../options.js';
import { table, when } from '../output.js';
import { opCommand } from '../run.js';

/** `maestro message send|inbox|ack|list`: messages between sessions and the user (issue 12). */
export function registerMessageCommands(program: Command): void {
  const message = program.command('message').description('messages between sessions and you: send, read your inbox, acknowledge, list with their states');

  opCommand(message, {
    usage: 'send <to>',
    description: "send a message to a session id, 'orchestrator', 'project' (every live session) or 'user'",
    op: 'message.send',
    options: (c) =>
      c
        .requiredOption('-s, --subject <subject>', 'one line')
        .requiredOption('-b, --body <body>', "the message ('-' reads it from stdin)")
        .option('--task <id>', 'the task it is about')
        .option('--reply-to <messageId>', 'the message it answers (same thread)')
        .option(...PROJECT_OPTION),
    input: async ([to], o, env) => ({
      to,
      subject: o.subject,
      body: o.body === '-' ? await readStdin() : o.body,
      taskId: o.task,
      replyTo: o.replyTo,
      project: to === 'orchestrator' || to === 'project' ? await projectOf(o, env) : namedProject(o, env),
    }),
    fields: { to: '<to>', replyTo: '--reply-to' },
    human: (m) => `sent ${m.id} to ${m.recipients.map((r) => r.name).join(', ')}\n${recipientLines(m)}`,
  });

  opCommand(message, {
    usage: 'inbox',
    description: 'your unread messages (marked read); --all adds the ones read before; --session looks at a session\u2019s inbox without marking',
    op: 'message.inbox',
    options: (c) =>
      c
        .option('--all', 'also the messages already read')
        .option('--session <id>', "a session's inbox (owner; nothing is marked read)")
        .option('--limit <n>', 'at most this many (default 50)', int)
        .option(...PROJECT_OPTION),
    input: (_a, o, env) => ({ all: o.all, sessionId: o.session, limit: o.limit, project: namedProject(o, env) }),
    fields: { sessionId: '--session' },
    human: inboxText,
  });

  opCommand(message, {
    usage: 'ack <messageId>',
    description: 'acknowledge a message sent to you (its sender sees it)',
    op: 'message.ack',
    options: (c) => c.option('--note <text>', 'a short answer shown to the sender'),
    input: ([messageId], o) => ({ messageId, note: o.note }),
    fields: { messageId: '<messageId>' },
    human: (m) => `acknowledged ${m.id}: ${m.subject}\n${recipientLines(m)}`,
  });

  opCommand(message, {
    usage: 'list',
    description: 'messages sent and received, newest first, with each recipient\u2019s state (delivered, read, acknowledged)',
    op: 'message.list',
    options: (c) =>
      c
        .option('--session <id>', 'only what this session sent or received')
        .option('--limit <n>', 'at most this many (default 100)', int)
        .option(...PROJECT_OPTION),
    input: async (_a, o, env) => ({ sessionId: o.session, limit: o.limit, project: o.session ? namedProject(o, env) : await projectOf(o, env) }),
    fields: { sessionId: '--session' },
    human: (messages) =>
      messages.length === 0
        ? 'no messages'
        : table(
            ['ID', 'WHEN', 'FROM', 'TO', 'STATE', 'SUBJECT'],
            messages.map((m) => [m.id, when(m.createdAt), m.from.name, toText(m), m.state, m.subject]),
          ),
  });
}

const toText = (m: Message) => (m.recipients.length === 1 ? m.recipients[0]!.name : `${m.to} (${m.recipients.length})`);

/** One line per recipient: who, and how far the message got with them. */
function recipientLines(m: Message): string {
  return m.recipients
    .map((r) => {
      const how = r.ackedAt ? `acknowledged ${when(r.ackedAt)}${r.ackNote ? ` (${r.ackNote})` : ''}` : r.readAt ? `read ${when(r.readAt)}` : r.deliveredAt ? `delivered ${when(r.deliveredAt)}` : 'sent, not delivered yet';
      return `  ${r.name}${r.sessionId ? ` (${r.sessionId})` : ''}: ${how}${r.deliveredVia ? ` via ${r.deliveredVia}` : ''}`;
    })
    .join('\n');
}

function inboxText(inbox: MessageInbox): string {
  if (inbox.messages.length === 0) return `no ${inbox.unread === 0 ? 'unread ' : ''}messages for ${inbox.owner.name}`;
  const head = `${inbox.unread} unread for ${inbox.owner.name}${inbox.markedRead ? ' (now marked read)' : ''}`;
  const items = inbox.messages.map((m) =>
    [
      `--- ${m.id} from ${m.from.name}${m.from.sessionId ? ` (${m.from.sessionId})` : ''}, ${when(m.createdAt)}${m.taskId ? `, task ${m.taskId}` : ''}${m.replyTo ? `, reply to ${m.replyTo}` : ''}`,
      `Subject: ${m.subject}`,
      m.body,
    ].join('\n'),
  );
  return [head, ...items].join('\n\n');
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
