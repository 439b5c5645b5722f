import type { Logger } from '../log/logger.js';
import type { Notifier, WebhookDelivery, WebhookRepo, WebhookTarget } from '../core/webhooks.js';
import { render, type Notification } from './formats.js';
import { DELIVERY_HEADER, EVENT_HEADER, signedHeaders } from './signing.js';

/*
 * Sends notifications to webhooks: one signed POST per attempt, retried with exponential backoff on
 * network errors, timeouts, 5xx and 429 (other answers are final; redirects are not followed). Bounded:
 * at most `concurrency` requests at once and `maxQueue` waiting, so a flood of events or a dead receiver
 * never holds the server up; every attempt is recorded on its delivery (webhook_deliveries). The secret
 * only ever goes into the HMAC, never into a log line.
 */

export interface SenderOptions {
  /** Attempts in all, the first included (default 5). */
  attempts: number;
  /** The wait before the 2nd attempt; doubled before each next one (default 1000: 1 s, 2 s, 4 s, 8 s). */
  retryBaseMs: number;
  /** One attempt's time limit (default 5000). */
  timeoutMs: number;
  /** Requests in flight at once (default 4). */
  concurrency: number;
  /** Deliveries waiting for a free slot; beyond that a new one fails at once (default 500). */
  maxQueue: number;
  logger?: Logger;
}

export const DEFAULT_SENDER_OPTIONS: SenderOptions = { attempts: 5, retryBaseMs: 1000, timeoutMs: 5000, concurrency: 4, maxQueue: 500 };

/** What one attempt came to. */
interface AttemptOutcome {
  ok: boolean;
  retry: boolean;
  httpStatus: number | null;
  error: string | null;
}

interface Job {
  hook: WebhookTarget;
  notification: Notification;
  deliveryId: string;
  attempt: number;
  /** Retries left to this job (a test has none). */
  maxAttempts: number;
  done?: (delivery: WebhookDelivery) => void;
}

const retryable = (status: number) => status >= 500 || status === 429;

export class WebhookSender implements Notifier {
  private readonly opts: SenderOptions;
  private readonly waiting: Job[] = [];
  private running = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<AbortController>();
  private closed = false;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    private readonly repo: WebhookRepo,
    opts: Partial<SenderOptions> = {},
  ) {
    this.opts = { ...DEFAULT_SENDER_OPTIONS, ...opts };
  }

  /** Queues a notification for a webhook; returns its delivery (pending), or a failed one when the queue is full. */
  send(hook: WebhookTarget, notification: Notification): WebhookDelivery {
    const delivery = this.repo.createDelivery(hook.id, notification.event, notification.session?.id ?? null);
    if (this.closed || this.waiting.length >= this.opts.maxQueue) {
      this.opts.logger?.warn({ webhookId: hook.id, deliveryId: delivery.id }, 'webhook queue full: notification dropped');
      return this.repo.recordAttempt(delivery.id, { status: 'failed', attempts: 0, httpStatus: null, error: 'not sent: the notification queue is full' }) ?? delivery;
    }
    this.enqueue({ hook, notification, deliveryId: delivery.id, attempt: 1, maxAttempts: this.opts.attempts });
    return delivery;
  }

  /** notify_test: one attempt now, no retry; resolves with the delivery as it ended. */
  test(webhookId: string, notification?: Notification): Promise<WebhookDelivery> {
    const hook = this.repo.target(webhookId);
    const n = notification ?? testNotification(null);
    const delivery = this.repo.createDelivery(hook.id, 'test', null);
    if (this.closed)
      return Promise.resolve(this.repo.recordAttempt(delivery.id, { status: 'failed', attempts: 0, httpStatus: null, error: 'not sent: the server is stopping' }) ?? delivery);
    return new Promise((resolve) => {
      // A test goes ahead of the queue's limit: a person is waiting for it.
      this.enqueue({ hook, notification: n, deliveryId: delivery.id, attempt: 1, maxAttempts: 1, done: resolve }, true);
    });
  }

  /** Resolves once nothing is queued, in flight or waiting for a retry (tests, shutdown). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops: retries not yet due are dropped (their deliveries stay pending and are failed at the next start), requests in flight are aborted. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const c of this.inFlight) c.abort();
    this.waiting.length = 0;
    this.wakeIdle();
  }

  private isIdle(): boolean {
    return this.waiting.length === 0 && this.running === 0 && this.timers.size === 0;
  }

  private wakeIdle(): void {
    if (!this.isIdle() && !this.closed) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private enqueue(job: Job, first = false): void {
    if (first) this.waiting.unshift(job);
    else this.waiting.push(job);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.running < this.opts.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      this.running++;
      void this.run(job).finally(() => {
        this.running--;
        this.pump();
        this.wakeIdle();
      });
    }
  }

  private async run(job: Job): Promise<void> {
    try {
      const outcome = await this.attempt(job);
      if (this.closed) return;
      const final = outcome.ok || !outcome.retry || job.attempt >= job.maxAttempts;
      const status = outcome.ok ? 'delivered' : final ? 'failed' : 'pending';
      const delivery = this.repo.recordAttempt(job.deliveryId, { status, attempts: job.attempt, httpStatus: outcome.httpStatus, error: outcome.error });
      if (!outcome.ok)
        this.opts.logger?.warn(
          { webhookId: job.hook.id, deliveryId: job.deliveryId, attempt: job.attempt, httpStatus: outcome.httpStatus, error: outcome.error, final },
          'webhook delivery attempt failed',
        );
      if (final || delivery === null) {
        if (delivery) job.done?.(delivery);
        return;
      }
      const delay = this.opts.retryBaseMs * 2 ** (job.attempt - 1);
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.enqueue({ ...job, attempt: job.attempt + 1 });
      }, delay);
      timer.unref();
      this.timers.add(timer);
    } catch (err) {
      // Never let one delivery take the server down (a closed database at shutdown, a removed webhook).
      this.opts.logger?.error({ webhookId: job.hook.id, deliveryId: job.deliveryId, err: String(err) }, 'webhook delivery failed unexpectedly');
      if (job.done) {
        try {
          job.done(this.repo.delivery(job.deliveryId));
        } catch {
          /* nothing left to answer with */
        }
      }
    }
  }

  /** One signed POST; never throws. */
  private async attempt(job: Job): Promise<AttemptOutcome> {
    const { body, headers } = render(job.hook.format, { ...job.notification });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`timed out after ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
    this.inFlight.add(controller);
    try {
      const res = await fetch(job.hook.url, {
        method: 'POST',
        redirect: 'manual',
        signal: controller.signal,
        headers: {
          ...headers,
          'User-Agent': 'maestro-webhooks',
          [EVENT_HEADER]: job.notification.event,
          [DELIVERY_HEADER]: job.deliveryId,
          ...signedHeaders(job.hook.secret, body),
        },
        body,
      });
      // The answer's body is not read beyond draining it: only its status counts.
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { ok: true, retry: false, httpStatus: res.status, error: null };
      if (res.status >= 300 && res.status < 400)
        return { ok: false, retry: false, httpStatus: res.status, error: `HTTP ${res.status}: redirects are not followed` };
      return { ok: false, retry: retryable(res.status), httpStatus: res.status, error: `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}` };
    } catch (err) {
      const reason = controller.signal.aborted ? String((controller.signal.reason as Error | undefined)?.message ?? 'aborted') : networkError(err);
      return { ok: false, retry: !this.closed, httpStatus: null, error: reason };
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(controller);
    }
  }
}

/** fetch's "fetch failed" says little: the cause (ECONNREFUSED, ENOTFOUND…) says what happened. */
function networkError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } } | null)?.cause;
  if (cause?.code) return `network error: ${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return `network error: ${err instanceof Error ? err.message : String(err)}`;
}

/** The body of a notify_test notification. */
export function testNotification(apiUrl: string | null): Notification {
  return {
    event: 'test',
    title: 'Maestro test notification',
    message: 'This webhook is set up: Maestro will notify it when sessions need input, are blocked, fail or complete.',
    project: null,
    session: null,
    task: null,
    link: apiUrl ?? 'http://127.0.0.1',
    time: new Date().toISOString(),
  };
}
