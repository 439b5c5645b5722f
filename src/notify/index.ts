import type { MaestroService } from '../core/service.js';
import type { Notifier, WebhookDelivery } from '../core/webhooks.js';
import type { Logger } from '../log/logger.js';
import { WebhookSender, testNotification, type SenderOptions } from './sender.js';
import { buildNotification, notifyEventOf } from './watcher.js';

/*
 * Notifications (issue 12): webhooks told when sessions need input, are blocked, fail or complete. The
 * server starts one `Notifications` with itself and closes it on the way out; it listens to the core's
 * bus (watcher.ts says which events count and what they say), and hands each notification to the sender
 * (sender.ts: formats, signing, retries) for every matching webhook, the project's and the global ones.
 */

export type NotifyOptions = Partial<Omit<SenderOptions, 'logger'>>;

/** Sender settings from the environment (MAESTRO_WEBHOOK_RETRY_MS, MAESTRO_WEBHOOK_TIMEOUT_MS), for tests of the real binary. */
export function notifyOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): NotifyOptions {
  const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
  const out: NotifyOptions = {};
  const retry = num(env.MAESTRO_WEBHOOK_RETRY_MS);
  const timeout = num(env.MAESTRO_WEBHOOK_TIMEOUT_MS);
  if (retry !== undefined) out.retryBaseMs = retry;
  if (timeout !== undefined) out.timeoutMs = timeout;
  return out;
}

export class Notifications implements Notifier {
  readonly sender: WebhookSender;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly svc: MaestroService,
    opts: NotifyOptions & { logger?: Logger } = {},
  ) {
    this.sender = new WebhookSender(svc.webhooks, { ...notifyOptionsFromEnv(), ...opts });
    const failed = svc.webhooks.failPending('not sent: the server stopped before it was delivered');
    if (failed > 0) opts.logger?.info({ failed }, 'webhook deliveries left pending by a previous server marked failed');
    this.unsubscribe = svc.bus.subscribe((event) => {
      // Listeners run inside the caller's operation: nothing here may throw into it.
      try {
        const found = notifyEventOf(event);
        if (!found) return;
        const session = svc.sessions.get(found.sessionId);
        const hooks = svc.webhooks.matching(session.projectId, found.kind);
        if (hooks.length === 0) return;
        const notification = buildNotification(svc, found.kind, session, found.entry);
        for (const hook of hooks) this.sender.send(hook, notification);
      } catch (err) {
        opts.logger?.error({ err: String(err), type: event.type }, 'could not build a webhook notification');
      }
    });
    svc.notifier = this;
  }

  test(webhookId: string): Promise<WebhookDelivery> {
    return this.sender.test(webhookId, testNotification(this.svc.apiUrl));
  }

  /** Resolves once every queued delivery has ended or waits for nothing (tests). */
  idle(): Promise<void> {
    return this.sender.idle();
  }

  close(): void {
    this.unsubscribe();
    this.sender.close();
    if (this.svc.notifier === this) this.svc.notifier = null;
  }
}

export { WebhookSender, testNotification } from './sender.js';
export { verifySignature, signature } from './signing.js';
