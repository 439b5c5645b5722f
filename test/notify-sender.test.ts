/**
 * The webhook sender's bounds, against a real database and a real local HTTP server: never more than
 * `concurrency` requests in flight, a full queue fails new deliveries at once (recorded, not thrown),
 * closing aborts what is in flight without throwing, and a restart fails deliveries left pending.
 */
import { rmSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MaestroService } from '../src/core/service.js';
import { Notifications } from '../src/notify/index.js';
import { testNotification, WebhookSender } from '../src/notify/sender.js';
import { tempHome, waitFor } from './helpers.js';

let home: string;
let svc: MaestroService;
let base: string;
let inFlight = 0;
let maxInFlight = 0;
let received = 0;
const held: ServerResponse[] = [];
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received++;
    if (req.url?.startsWith('/hold')) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      held.push(res);
      res.on('close', () => inFlight--);
      return;
    }
    res.writeHead(200).end('ok');
  });
});

/** Answers every held request (200). */
function release(): void {
  for (const res of held.splice(0)) res.writeHead(200).end('ok');
}

beforeAll(async () => {
  home = tempHome('maestro-notify-sender-');
  svc = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:1' });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  svc.close();
  rmSync(home, { recursive: true, force: true });
});

const hookFor = (path: string) => svc.webhooks.target(svc.webhooks.add({ projectId: null, url: base + path, on: ['blocked'], format: 'json', secret: 'x'.repeat(32) }).id);

describe('the webhook sender', () => {
  it('keeps at most `concurrency` requests in flight and fails deliveries beyond its queue at once', async () => {
    const sender = new WebhookSender(svc.webhooks, { concurrency: 2, maxQueue: 3, retryBaseMs: 10, timeoutMs: 5000 });
    const hook = hookFor('/hold/a');
    const n = testNotification(null);
    const deliveries = Array.from({ length: 8 }, () => sender.send(hook, { ...n, event: 'blocked' }));
    // 2 taken at once, 3 waiting, 3 refused: recorded as failed, without a request.
    const refused = deliveries.slice(5).map((d) => svc.webhooks.delivery(d.id));
    expect(refused.map((d) => [d.status, d.attempts, d.error])).toEqual(Array(3).fill(['failed', 0, 'not sent: the notification queue is full']));
    await waitFor(() => inFlight === 2, 5000, 'two requests in flight');
    // Answer what is held, round after round, until the queue has drained through the two slots.
    await waitFor(async () => {
      release();
      return deliveries.slice(0, 5).every((d) => svc.webhooks.delivery(d.id).status === 'delivered');
    }, 5000, 'the 5 queued deliveries delivered');
    await sender.idle();
    expect(maxInFlight).toBe(2);
    expect(svc.webhooks.deliveries(hook.id).filter((d) => d.status === 'delivered')).toHaveLength(5);
  });

  it('close() aborts requests in flight without throwing; a new start fails deliveries left pending', async () => {
    const sender = new WebhookSender(svc.webhooks, { concurrency: 1, retryBaseMs: 10, timeoutMs: 5000 });
    const hook = hookFor('/hold/b');
    const before = received;
    const d = sender.send(hook, { ...testNotification(null), event: 'blocked' });
    await waitFor(() => received > before, 5000, 'the request to arrive');
    sender.close();
    await sender.idle();
    // Closed mid-request: nothing recorded as its outcome, the delivery is left pending…
    expect(svc.webhooks.delivery(d.id).status).toBe('pending');
    // …until the next server start, which says why it was never delivered.
    const next = new Notifications(svc);
    try {
      expect(svc.webhooks.delivery(d.id)).toMatchObject({ status: 'failed', error: 'not sent: the server stopped before it was delivered' });
      expect(svc.notifier).toBe(next);
    } finally {
      next.close();
    }
    expect(svc.notifier).toBeNull();
    // A test through a closed sender answers at once.
    expect((await sender.test(hook.id)).status).toBe('failed');
    release();
  });
});
