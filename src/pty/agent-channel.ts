import { NUDGE_PROMPT, typedText } from '../core/messages-text.js';
import type { MessageDelivery } from '../core/types.js';
import type { HookDelivery } from './hooks/contract.js';
import { HookIngest } from './hooks/ingest.js';
import { Steering } from './hooks/steering.js';
import type { SupervisorContext } from './live-session.js';
import type { TerminalIO } from './terminal-io.js';

/**
 * The supervisor's side of talking with an agent beyond its screen: the hooks it reports through
 * (hooks/ingest.ts turns them into timeline and status) and the messages sent to it as its next prompt
 * (hooks/steering.ts times them between turns). This wires those two to the live sessions and to the
 * terminal they type into, so neither needs the `Supervisor`.
 */
export class AgentChannel {
  private readonly hooks: HookIngest;
  private readonly steering: Steering;

  constructor(
    private readonly ctx: SupervisorContext,
    private readonly io: TerminalIO,
  ) {
    this.steering = new Steering((id, text) => io.typePrompt(id, text));
    this.hooks = new HookIngest(ctx.svc, ctx.log, (id) => ctx.live.get(id) ?? null, (id, d) => {
      this.steering.observe(id, d);
      this.notePermission(id, d);
    });
    // Messages between sessions (issue 12) are pushed through here: the latest supervisor's channel is the one.
    ctx.svc.messages.setPusher((id) => this.pushMessages(id));
  }

  /** Sessions prompted to fetch their messages, until that prompt's fate is known. */
  private readonly nudged = new Set<string>();
  /** Sessions whose agent shows a permission prompt: typed text would answer it. */
  private readonly askingPermission = new Set<string>();

  /** A permission prompt opens with its Notification and closes with the next hook of the turn. */
  private notePermission(sessionId: string, d: HookDelivery): void {
    if (d.event === 'Notification') {
      if (d.payload.notification_type === 'permission_prompt') this.askingPermission.add(sessionId);
    } else this.askingPermission.delete(sessionId);
  }

  /**
   * A session has new messages. An agent with hooks gets them in its context from its next hook: mid-turn
   * (PostToolUse) or at the end of the turn (Stop), so nothing is typed while it works; idle at its prompt
   * (not at a permission prompt), it is typed a short prompt whose UserPromptSubmit hook brings them. An
   * agent without hooks has them typed in as one prompt. A session without a live terminal keeps them for
   * message_inbox.
   */
  pushMessages(sessionId: string): void {
    const live = this.ctx.live.get(sessionId);
    if (!live || !this.io.isLive(sessionId)) return;
    if (live.lastHookAt > 0) {
      if (this.steering.isBusy(sessionId) || this.nudged.has(sessionId)) return;
      // At a permission prompt typed text would answer it: the next hook (once a person answered) brings them.
      if (this.askingPermission.has(sessionId)) return;
      this.nudged.add(sessionId);
      void this.steering
        .send(sessionId, NUDGE_PROMPT, 30_000)
        .catch(() => undefined)
        .finally(() => this.nudged.delete(sessionId));
      return;
    }
    const waiting = this.ctx.svc.messages.undelivered(sessionId);
    if (waiting.length === 0) return;
    this.io.typePrompt(sessionId, typedText(waiting));
    this.ctx.svc.messages.delivered(
      waiting.map((m) => m.id),
      sessionId,
      'typed',
    );
  }

  /**
   * A message as the agent's next prompt. An agent with hooks gets it between turns, confirmed by its
   * UserPromptSubmit hook; any other agent has it typed at once (nothing could confirm it).
   */
  async send(sessionId: string, text: string, waitMs: number): Promise<MessageDelivery> {
    const live = this.io.requireLive(sessionId);
    if (live.lastHookAt > 0) return this.steering.send(sessionId, text, waitMs);
    this.io.typePrompt(sessionId, text);
    return { sessionId, delivery: 'typed', typedAt: new Date().toISOString(), confirmedAt: null };
  }

  /** Hook deliveries for a session (with what its spool held first). */
  ingest(sessionId: string, deliveries: HookDelivery[]): Promise<{ accepted: number; fromSpool: number }> {
    return this.hooks.ingest(sessionId, deliveries);
  }

  /** What a session's hooks spooled while nobody listened (a restart); failures are logged, not thrown. */
  async takeSpooled(sessionId: string): Promise<void> {
    await this.hooks.ingest(sessionId, []).catch((err: unknown) => this.ctx.log.warn({ err, sessionId }, 'could not take the hook spool'));
  }

  /** The agent is gone: drop what steering queued for it. */
  forget(sessionId: string): void {
    this.steering.forget(sessionId);
    this.askingPermission.delete(sessionId);
    this.nudged.delete(sessionId);
  }
}
