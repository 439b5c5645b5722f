import type { MessageDelivery as SendOutcome } from '../../core/types.js';
import type { HookDelivery } from './contract.js';

interface Pending {
  text: string;
  typedAt: string | null;
  settle: (outcome: SendOutcome) => void;
  timer: NodeJS.Timeout;
}

/**
 * Messages for agents that have hooks: typed between turns (a prompt typed mid-turn would land in the
 * middle of the agent's work), and confirmed by the UserPromptSubmit hook that carries them. The
 * supervisor tells it what the hooks say; it tells the supervisor when to type.
 */
export class Steering {
  /** Sessions mid-turn: a prompt went in or a tool ran, and no Stop or wait followed yet. */
  private readonly busy = new Set<string>();
  private readonly queues = new Map<string, Pending[]>();

  constructor(private readonly type: (sessionId: string, text: string) => void) {}

  isBusy(sessionId: string): boolean {
    return this.busy.has(sessionId);
  }

  /**
   * Sends `text` (one prompt) and resolves once its fate is known, or after `waitMs`: confirmed when
   * the hook saw it, queued while the turn goes on, unconfirmed when typed but never seen.
   */
  send(sessionId: string, text: string, waitMs: number): Promise<SendOutcome> {
    return new Promise((resolve) => {
      const queue = this.queues.get(sessionId) ?? [];
      this.queues.set(sessionId, queue);
      const pending: Pending = {
        text,
        typedAt: null,
        settle: resolve,
        timer: setTimeout(() => {
          // Still queued: it stays queued (typed when the turn ends); the caller learns it is not in yet.
          // Typed and never confirmed: it is dropped from the list, so a later prompt is not taken for it.
          if (pending.typedAt) queue.splice(queue.indexOf(pending), 1);
          resolve(outcome(sessionId, pending.typedAt ? 'unconfirmed' : 'queued', pending.typedAt, null));
        }, waitMs),
      };
      pending.timer.unref();
      queue.push(pending);
      if (!this.busy.has(sessionId) && queue.filter((p) => p.typedAt).length === 0) this.typeNext(sessionId);
    });
  }

  /** What a hook says about the turn, and whether it confirms a message. */
  observe(sessionId: string, delivery: HookDelivery): void {
    switch (delivery.event) {
      case 'UserPromptSubmit': {
        this.busy.add(sessionId);
        const prompt = typeof delivery.payload.prompt === 'string' ? delivery.payload.prompt.trim() : '';
        const queue = this.queues.get(sessionId) ?? [];
        const i = queue.findIndex((p) => p.typedAt && p.text.trim() === prompt);
        if (i >= 0) {
          const [p] = queue.splice(i, 1);
          clearTimeout(p!.timer);
          p!.settle(outcome(sessionId, 'confirmed', p!.typedAt, new Date().toISOString()));
        }
        return;
      }
      case 'PreToolUse':
      case 'PostToolUse':
        this.busy.add(sessionId);
        return;
      case 'Stop':
      case 'StopFailure':
      case 'Notification':
        if (delivery.event === 'Notification' && !/permission_prompt|idle_prompt/.test(String(delivery.payload.notification_type))) return;
        this.busy.delete(sessionId);
        this.typeNext(sessionId);
        return;
      case 'SessionEnd':
        this.forget(sessionId);
    }
  }

  /** The agent is gone: whatever waits is not delivered. */
  forget(sessionId: string): void {
    this.busy.delete(sessionId);
    for (const p of this.queues.get(sessionId) ?? []) {
      clearTimeout(p.timer);
      p.settle(outcome(sessionId, p.typedAt ? 'unconfirmed' : 'queued', p.typedAt, null));
    }
    this.queues.delete(sessionId);
  }

  /** Types the oldest message not typed yet (one per turn: the agent takes it as its next prompt). */
  private typeNext(sessionId: string): void {
    const next = this.queues.get(sessionId)?.find((p) => !p.typedAt);
    if (!next) return;
    next.typedAt = new Date().toISOString();
    this.busy.add(sessionId); // the prompt starts a turn, even before its hook says so
    this.type(sessionId, next.text);
  }
}

const outcome = (sessionId: string, delivery: SendOutcome['delivery'], typedAt: string | null, confirmedAt: string | null): SendOutcome => ({
  sessionId,
  delivery,
  typedAt,
  confirmedAt,
});
