import { randomBytes } from 'node:crypto';
import { newId } from './ids.js';
import type { z } from 'zod';
import type { Webhook as WebhookSchema, WebhookDelivery as DeliverySchema } from './entities/notify.js';
import { notFound } from './errors.js';
import { nowIso } from './ids.js';
import type { NotifyEvent, NotifyFormat } from './schemas.js';
import { parseJson, type Store } from './store.js';

/*
 * Webhooks and their deliveries: storage only. Who gets notified of what, and the record of each
 * notification sent; the sending itself (formats, signing, retries, outbound HTTP) is src/notify/'s job.
 */

export type Webhook = z.infer<typeof WebhookSchema>;
export type WebhookDelivery = z.infer<typeof DeliverySchema>;
export type DeliveryEvent = WebhookDelivery['event'];

/** A webhook as the sender needs it: with its secret in full (never returned by a read op after notify_add). */
export type WebhookTarget = Omit<Webhook, 'lastDelivery'>;

/** What a sender does for the `notify_test` operation; the server attaches one (svc.notifier). */
export interface Notifier {
  /** Sends one test notification to the webhook now (a single attempt) and returns its delivery. */
  test(webhookId: string): Promise<WebhookDelivery>;
}

interface WebhookRow {
  id: string;
  project_id: string | null;
  url: string;
  events_json: string;
  format: NotifyFormat;
  secret: string;
  created_at: string;
}

interface DeliveryRow {
  id: string;
  webhook_id: string;
  event: DeliveryEvent;
  session_id: string | null;
  status: WebhookDelivery['status'];
  attempts: number;
  http_status: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

/** Ids in the style of the others (`whk_…` webhooks, `whd_…` deliveries). */
export const newWebhookId = (prefix: 'whk' | 'whd'): string => newId(prefix);

/** A new signing secret: 32 random bytes, hex. */
export const newWebhookSecret = (): string => randomBytes(32).toString('hex');

/** A secret as reads show it: enough to tell two apart, not enough to sign. */
export const maskSecret = (secret: string): string => `…${secret.slice(-4)}`;

const toTarget = (r: WebhookRow): WebhookTarget => ({
  id: r.id,
  projectId: r.project_id,
  url: r.url,
  on: parseJson<NotifyEvent[]>(r.events_json, []),
  format: r.format,
  secret: r.secret,
  createdAt: r.created_at,
});

const toDelivery = (r: DeliveryRow): WebhookDelivery => ({
  id: r.id,
  webhookId: r.webhook_id,
  event: r.event,
  sessionId: r.session_id,
  status: r.status,
  attempts: r.attempts,
  httpStatus: r.http_status,
  error: r.last_error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class WebhookRepo {
  constructor(private readonly store: Store) {}

  /** Records a webhook; returns it with its secret in full (the only time a caller sees it). */
  add(input: { projectId: string | null; url: string; on: NotifyEvent[]; format: NotifyFormat; secret: string }): Webhook {
    const id = newWebhookId('whk');
    this.store
      .prepare('INSERT INTO webhooks (id, project_id, url, events_json, format, secret, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(id, input.projectId, input.url, JSON.stringify([...new Set(input.on)]), input.format, input.secret, nowIso());
    return { ...this.target(id), lastDelivery: null };
  }

  /** The webhook with its secret in full, for the sender. */
  target(id: string, field = 'webhookId'): WebhookTarget {
    const row = this.store.prepare('SELECT * FROM webhooks WHERE id = ?').get(id) as WebhookRow | undefined;
    if (!row) throw notFound('webhook', id, field);
    return toTarget(row);
  }

  /** The webhook as reads show it: secret masked, with its last delivery. */
  get(id: string, field = 'webhookId'): Webhook {
    return this.shown(this.target(id, field));
  }

  /** Every webhook (projectId given: that project's and the global ones), oldest first, secrets masked. */
  list(projectId?: string): Webhook[] {
    const rows = (
      projectId === undefined
        ? this.store.prepare('SELECT * FROM webhooks ORDER BY created_at, rowid').all()
        : this.store.prepare('SELECT * FROM webhooks WHERE project_id = ? OR project_id IS NULL ORDER BY created_at, rowid').all(projectId)
    ) as WebhookRow[];
    return rows.map((r) => this.shown(toTarget(r)));
  }

  /** Removes a webhook (its deliveries go with it); returns it as it was. */
  remove(id: string, field = 'webhookId'): Webhook {
    const hook = this.get(id, field);
    this.store.prepare('DELETE FROM webhooks WHERE id = ?').run(id);
    return hook;
  }

  /** The webhooks to tell about `event` in this project: the project's own and the global ones. */
  matching(projectId: string, event: NotifyEvent): WebhookTarget[] {
    const rows = this.store
      .prepare('SELECT * FROM webhooks WHERE project_id = ? OR project_id IS NULL ORDER BY created_at, rowid')
      .all(projectId) as WebhookRow[];
    return rows.map(toTarget).filter((h) => h.on.includes(event));
  }

  createDelivery(webhookId: string, event: DeliveryEvent, sessionId: string | null): WebhookDelivery {
    const id = newWebhookId('whd');
    const now = nowIso();
    this.store
      .prepare(
        `INSERT INTO webhook_deliveries (id, webhook_id, event, session_id, status, attempts, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)`,
      )
      .run(id, webhookId, event, sessionId, now, now);
    return this.delivery(id);
  }

  /** Records an attempt's outcome. A delivery whose webhook was removed meanwhile is gone: null. */
  recordAttempt(id: string, outcome: { status: WebhookDelivery['status']; attempts: number; httpStatus: number | null; error: string | null }): WebhookDelivery | null {
    const info = this.store
      .prepare('UPDATE webhook_deliveries SET status = ?, attempts = ?, http_status = ?, last_error = ?, updated_at = ? WHERE id = ?')
      .run(outcome.status, outcome.attempts, outcome.httpStatus, outcome.error, nowIso(), id);
    return info.changes > 0 ? this.delivery(id) : null;
  }

  delivery(id: string): WebhookDelivery {
    const row = this.store.prepare('SELECT * FROM webhook_deliveries WHERE id = ?').get(id) as DeliveryRow | undefined;
    if (!row) throw notFound('webhook delivery', id);
    return toDelivery(row);
  }

  /** A webhook's deliveries, oldest first. */
  deliveries(webhookId: string): WebhookDelivery[] {
    return (this.store.prepare('SELECT * FROM webhook_deliveries WHERE webhook_id = ? ORDER BY rowid').all(webhookId) as DeliveryRow[]).map(toDelivery);
  }

  /** Deliveries left pending (a server stopped mid-retry): marked failed at start, so none stays pending forever. */
  failPending(reason: string): number {
    return this.store
      .prepare("UPDATE webhook_deliveries SET status = 'failed', last_error = ?, updated_at = ? WHERE status = 'pending'")
      .run(reason, nowIso()).changes;
  }

  private shown(hook: WebhookTarget): Webhook {
    const last = this.store.prepare('SELECT * FROM webhook_deliveries WHERE webhook_id = ? ORDER BY rowid DESC LIMIT 1').get(hook.id) as DeliveryRow | undefined;
    return { ...hook, secret: maskSecret(hook.secret), lastDelivery: last ? toDelivery(last) : null };
  }
}

