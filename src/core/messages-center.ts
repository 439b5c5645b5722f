import { MessageRepo, type NewMessage, type Party } from './messages.js';
import { orchestratorsOf } from './messages-parties.js';
import { injectionText, takeForInjection } from './messages-text.js';
import type { Message, MessageVia } from './types.js';
import type { ReportKind } from './schemas.js';
import type { CoreContext } from './service-context.js';

/*
 * Messages between sessions (issue 12), as the service holds them: the store (messages.ts) plus their push
 * to agents. The core knows no terminal: whoever runs agents (the PTY supervisor's agent channel) registers
 * a pusher and is told "this session has new messages"; hooks ask `hookAnswer` what to inject.
 */

/** Told that a session has new messages; types them in, nudges the agent, or waits for its next hook. */
export type MessagePusher = (sessionId: string) => void;

/** The Claude Code hook events whose answer can carry messages into the agent's context. */
export const INJECTING_HOOKS = ['UserPromptSubmit', 'PostToolUse', 'Stop'] as const;
export type InjectingHook = (typeof INJECTING_HOOKS)[number];

/** What `maestro hook <event>` prints on stdout for Claude Code (its hook output JSON). */
export type HookOutput =
  | { hookSpecificOutput: { hookEventName: 'UserPromptSubmit' | 'PostToolUse'; additionalContext: string } }
  | { decision: 'block'; reason: string };

export class MessageCenter {
  private readonly repo: MessageRepo;
  private pusher: MessagePusher | null = null;

  constructor(private readonly core: Pick<CoreContext, 'store' | 'sessions' | 'tasks'>) {
    this.repo = new MessageRepo(core.store);
  }

  /** The agents' side registers here (the last one wins: a restarted supervisor replaces the old). */
  setPusher(pusher: MessagePusher | null): void {
    this.pusher = pusher;
  }

  /** Stores a message and pushes it to each recipient session (never waits for, nor fails on, the push). */
  send(m: NewMessage): Message {
    const message = this.repo.create(m);
    for (const r of message.recipients) if (r.sessionId) this.push(r.sessionId);
    return message;
  }

  get(id: string, field = 'messageId'): Message {
    return this.repo.get(id, field);
  }

  isRecipient(messageId: string, party: Party): boolean {
    return this.repo.isRecipient(messageId, party);
  }

  /** An inbox; `marks`: what was unread is now read (fetched through the inbox if nothing delivered it before). */
  inbox(party: Party, opts: { all: boolean; limit: number; projectId?: string; marks: boolean }): { messages: Message[]; unread: number } {
    const { messages, unread } = this.repo.inbox(party, opts);
    if (!opts.marks || unread.length === 0) return { messages, unread: unread.length };
    const changed = new Map(this.repo.advance(unread, party, { via: 'inbox', read: true }).map((m) => [m.id, m]));
    return { messages: messages.map((m) => changed.get(m.id) ?? m), unread: unread.length };
  }

  /** Read and acknowledged by `party` (idempotent: a second ack changes nothing, its first note stays). */
  ack(messageId: string, party: Party, note: string | null): Message {
    this.repo.advance([messageId], party, { via: 'inbox', ack: true, note });
    return this.repo.get(messageId);
  }

  list(opts: { projectId?: string; party?: Party; limit: number }): Message[] {
    return this.repo.list(opts);
  }

  undelivered(sessionId: string): Message[] {
    return this.repo.undelivered(sessionId);
  }

  /** Marks messages delivered to a session (typed into its terminal). */
  delivered(messageIds: string[], sessionId: string, via: MessageVia): Message[] {
    const changed = this.repo.advance(messageIds, sessionId, { via });
    this.onTimeline(sessionId, changed, 'typed into its terminal');
    return changed;
  }

  /**
   * What a hook of this session should inject now: its undelivered messages as Claude Code's hook output
   * for `event` (UserPromptSubmit / PostToolUse: additionalContext; Stop: a block whose reason carries
   * them, so the turn goes on with them). Those messages are then delivered and read. Null when there is
   * nothing new, so a Stop is never blocked twice for the same messages.
   */
  hookAnswer(sessionId: string, event: string): HookOutput | null {
    if (!(INJECTING_HOOKS as readonly string[]).includes(event)) return null;
    const waiting = this.repo.undelivered(sessionId);
    if (waiting.length === 0) return null;
    const taken = takeForInjection(waiting);
    const changed = this.repo.advance(
      taken.map((m) => m.id),
      sessionId,
      { via: 'hook', read: true },
    );
    this.onTimeline(sessionId, changed, `given by its ${event} hook`);
    const text = injectionText(taken);
    if (event === 'Stop') return { decision: 'block', reason: text };
    return { hookSpecificOutput: { hookEventName: event as 'UserPromptSubmit' | 'PostToolUse', additionalContext: text } };
  }

  /** A session's blocked / needs_input report goes to its orchestrator (or the user) as a message too. */
  fromReport(sessionId: string, kind: ReportKind, text: string, taskId: string | null): Message | null {
    if (kind !== 'blocked' && kind !== 'needs_input') return null;
    const session = this.core.sessions.get(sessionId);
    const recipients = orchestratorsOf(this.core.sessions, session.projectId, session);
    const task = taskId ? this.core.tasks.get(taskId) : null;
    const about = task ? `${task.id} ${task.title}` : session.name;
    const subject = `${kind === 'blocked' ? 'Blocked' : 'Needs input'}: ${about}`.slice(0, 200);
    return this.send({
      projectId: session.projectId,
      from: { sessionId: session.id, name: session.name },
      to: 'orchestrator',
      recipients,
      replyTo: null,
      threadId: null,
      taskId: task?.id ?? null,
      subject,
      body: `${session.name} (${session.id}) reported ${kind.replace('_', ' ')}${task ? ` on ${task.id}` : ''}:\n\n${text}`,
    });
  }

  /** The recipient's timeline says which messages reached its agent, and how (the dashboard shows it). */
  private onTimeline(sessionId: string, messages: Message[], how: string): void {
    for (const m of messages)
      this.core.sessions.appendTimeline(sessionId, 'agent_state', `message ${m.id} from ${m.from.name} ("${m.subject.slice(0, 80)}") ${how}`, m.taskId, {
        messageId: m.id,
        from: m.from.sessionId,
        delivered: how,
      });
  }

  private push(sessionId: string): void {
    const pusher = this.pusher;
    if (!pusher) return;
    // After the caller's answer: a push types into terminals and may take a while.
    setImmediate(() => {
      try {
        pusher(sessionId);
      } catch {
        /* the messages stay undelivered, for the next hook or the inbox */
      }
    });
  }
}
