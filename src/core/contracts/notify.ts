import { z } from 'zod';
import * as E from '../entities/index.js';
import * as S from '../schemas.js';
import { contract } from './contract.js';

/** Notifications (issue 12): webhooks told when a session needs input, is blocked, fails or completes. People only: they say where data goes. */
export const notifyAdd = contract({
  name: 'notify.add',
  title: 'Add a webhook',
  description:
    'Adds a webhook: for every session of a project (or of every project when project is omitted) that goes into needs_input, blocked, error (failed, or an error report) or completed, a signed POST (X-Maestro-Signature: sha256=HMAC of "<timestamp>.<body>") in the generic JSON, Slack, Discord or ntfy format, retried with backoff. The secret (generated when omitted) is returned in full only here.',
  input: S.NotifyAddInput,
  output: E.Webhook,
  access: 'user',
  readOnly: false,
});

export const notifyList = contract({
  name: 'notify.list',
  title: 'List webhooks',
  description: 'Lists the webhooks (secrets masked), each with its last delivery: status, attempts, HTTP status, error.',
  input: S.NotifyListInput,
  output: z.array(E.Webhook),
  access: 'user',
  readOnly: true,
});

export const notifyRemove = contract({
  name: 'notify.remove',
  title: 'Remove a webhook',
  description: 'Removes a webhook and its delivery records; nothing more is sent to it.',
  input: S.NotifyRemoveInput,
  output: E.Webhook,
  access: 'user',
  readOnly: false,
});

export const notifyTest = contract({
  name: 'notify.test',
  title: 'Send a test notification',
  description: 'Sends one test notification to a webhook now (one attempt, 5 s timeout) and returns the delivery: delivered, or failed with the reason.',
  input: S.NotifyTestInput,
  output: E.WebhookDelivery,
  access: 'user',
  readOnly: false,
});

export const NOTIFY_CONTRACTS = [notifyAdd, notifyList, notifyRemove, notifyTest] as const;
