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
    this.hooks = new HookIngest(ctx.svc, ctx.log, (id) => ctx.live.get(id) ?? null, (id, d) => this.steering.observe(id, d));
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
  }
}
