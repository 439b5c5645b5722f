import { projectFor } from '../access.js';
import * as C from '../contracts/notify.js';
import type { MaestroService } from '../service.js';
import { newWebhookSecret } from '../webhooks.js';
import { implement } from './operation.js';

/**
 * The sender notify_test uses: the server's (svc.notifier), else a one-off one (a service without a
 * server, e.g. in-process): the sending lives in src/notify/, loaded only when needed.
 */
async function sendTest(svc: MaestroService, webhookId: string) {
  if (svc.notifier) return svc.notifier.test(webhookId);
  const { WebhookSender, testNotification } = await import('../../notify/sender.js');
  return new WebhookSender(svc.webhooks).test(webhookId, testNotification(svc.apiUrl));
}

export const NOTIFY_OPS = [
  implement(C.notifyAdd, ({ svc, actor }, input) =>
    svc.webhooks.add({
      projectId: input.project === undefined ? null : projectFor(svc, actor, input.project).id,
      url: input.url,
      on: input.on,
      format: input.format ?? 'json',
      secret: input.secret ?? newWebhookSecret(),
    }),
  ),
  implement(C.notifyList, ({ svc, actor }, input) =>
    svc.webhooks.list(input.project === undefined ? undefined : projectFor(svc, actor, input.project).id),
  ),
  implement(C.notifyRemove, ({ svc }, input) => svc.webhooks.remove(input.webhookId)),
  implement(C.notifyTest, async ({ svc }, input) => {
    svc.webhooks.target(input.webhookId);
    return sendTest(svc, input.webhookId);
  }),
] as const;
