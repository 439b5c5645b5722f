import { z } from 'zod';
import { NotifyEvent, NotifyFormat } from '../schemas.js';
import { ProjectId, SessionId, Timestamp } from './common.js';

/* notify entities (issue 12): webhooks and their deliveries. */

export const WebhookDeliveryStatus = z.enum(['pending', 'delivered', 'failed']);

export const WebhookDelivery = z
  .object({
    id: z.string().describe('Delivery id (whd_…), sent as X-Maestro-Delivery'),
    webhookId: z.string().describe('Webhook id (whk_…)'),
    event: z.union([NotifyEvent, z.literal('test')]).describe('What it notified: needs_input, blocked, error, completed, or test'),
    sessionId: SessionId.nullable().describe('The session it is about (null for a test)'),
    status: WebhookDeliveryStatus.describe('pending (being sent or waiting for a retry), delivered (a 2xx answer) or failed (given up)'),
    attempts: z.number().int().min(0).describe('Requests made so far'),
    httpStatus: z.number().int().nullable().describe('The HTTP status of the last answer, null when none came'),
    error: z.string().nullable().describe('Why the last attempt failed (network error, timeout, HTTP status), null once delivered'),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .describe('One notification sent (or being sent) to a webhook');

export const Webhook = z
  .object({
    id: z.string().describe('Webhook id (whk_…)'),
    projectId: ProjectId.nullable().describe('Its project, null for a global webhook (every project)'),
    url: z.string().describe('Where notifications are POSTed'),
    on: z.array(NotifyEvent).describe('The events it is sent'),
    format: NotifyFormat.describe('Body format: json, slack, discord or ntfy'),
    secret: z
      .string()
      .describe('HMAC-SHA256 signing key: in full only in notify_add\u2019s answer, masked (…last 4) everywhere else'),
    createdAt: Timestamp,
    lastDelivery: WebhookDelivery.nullable().describe('Its most recent delivery, null before the first'),
  })
  .describe('A webhook: where notifications about sessions go, for which events, in which format');
