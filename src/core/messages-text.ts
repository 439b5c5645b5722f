import type { Message } from './types.js';

/*
 * How messages read when they are pushed to an agent (issue 12): as context its Claude Code hook injects
 * (several lines, the whole body), or typed into its terminal as one prompt line (an agent without hooks).
 * Both name the sender, the subject, the body and the message id, and say how to reply and acknowledge.
 */

/** An injection carries messages up to about this many characters (at least one); the rest wait for the next hook. */
export const MAX_INJECTED_CHARS = 40_000;
/** A typed prompt is one line: a body is cut here (the inbox has it whole). */
const MAX_TYPED_BODY = 600;

/** What an agent with hooks gets typed when it sits idle at its prompt: its UserPromptSubmit hook then brings the messages. */
export const NUDGE_PROMPT = 'You have new Maestro messages; they are attached to this prompt (message_inbox lists them).';

const sender = (m: Message) => (m.from.sessionId ? `${m.from.name} (${m.from.sessionId})` : 'the user');
const replyTarget = (m: Message) => m.from.sessionId ?? 'user';

/** The messages that fit in one injection (the first always does). */
export function takeForInjection(messages: Message[]): Message[] {
  const taken: Message[] = [];
  let size = 0;
  for (const m of messages) {
    size += m.body.length + m.subject.length + 300;
    if (taken.length > 0 && size > MAX_INJECTED_CHARS) break;
    taken.push(m);
  }
  return taken;
}

/** The context a hook injects: every message whole, with how to answer it. */
export function injectionText(messages: Message[]): string {
  const head = `Maestro: ${messages.length === 1 ? 'a new message' : `${messages.length} new messages`} for you from other sessions of this project.`;
  const parts = messages.map((m) =>
    [
      `--- Message ${m.id} from ${sender(m)}${m.taskId ? ` about task ${m.taskId}` : ''}${m.replyTo ? ` (reply to ${m.replyTo})` : ''}`,
      `Subject: ${m.subject}`,
      '',
      m.body,
      '',
      `Reply with message_send {"to": "${replyTarget(m)}", "replyTo": "${m.id}", "subject": …, "body": …}; acknowledge with message_ack {"messageId": "${m.id}"}.`,
    ].join('\n'),
  );
  return [head, ...parts].join('\n\n');
}

/** One prompt line for an agent without hooks. */
export function typedText(messages: Message[]): string {
  const one = (m: Message) => {
    const flat = m.body.replace(/\s+/g, ' ').trim();
    const body = flat.length > MAX_TYPED_BODY ? `${flat.slice(0, MAX_TYPED_BODY - 1)}… (whole text: message_inbox)` : flat;
    return `[Maestro message ${m.id} from ${sender(m)}] ${m.subject.replace(/\s+/g, ' ')}: ${body} (reply: message_send to=${replyTarget(m)} replyTo=${m.id}; acknowledge: message_ack messageId=${m.id})`;
  };
  return messages.map(one).join(' | ');
}
