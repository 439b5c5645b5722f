/**
 * Messages in the dashboard, in a real browser against a real server (sessions are records: the test
 * acts as the session over REST with its own token, calling the same operations its MCP tools run).
 * The session page's Messages tab sends a message that the session finds in message_inbox, shows its
 * read and acknowledged states as they change, and threads replies; the user's inbox on the overview
 * shows a worker's blocked report and message live, counts the new ones, and acknowledges them (the
 * worker sees it).
 */
import { describe, expect, it } from 'vitest';
import type { Message, MessageInbox } from '../src/core/types.js';
import type { Session } from '../src/core/types.js';
import { waitFor } from './helpers.js';
import { openPage, page, server, unlabelledControls, useWebSuite, waitLive } from './web-support.js';

useWebSuite();

/** A REST call as the session (its bearer token): what its message_* tools do. */
async function asSession<T>(sessionId: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${server.svc.sessions.token(sessionId)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function spawn(name: string, title: string): Promise<{ session: Session; taskId: string }> {
  const task = server.svc.tasks.create({ projectId: server.project.id, title });
  const { session } = await server.svc.spawn({ projectId: server.project.id, taskIds: [task.id], name });
  return { session, taskId: task.id };
}

const message = (id: string) => page.locator(`[data-testid=message][data-message-id="${id}"]`);
const stateOf = (id: string, recipient: string) => message(id).locator(`[data-testid=msg-recipient][data-recipient="${recipient}"]`);

describe('the Messages tab of a session', { timeout: 60_000 }, () => {
  it('sends a message the session reads in its inbox, and shows read, acknowledged and replies live', async () => {
    const { session } = await spawn('builder', 'Build the release');
    await openPage(`${server.url}/sessions/${session.id}`);
    await page.getByTestId('tab-messages').click();
    await page.waitForURL(new RegExp(`/sessions/${session.id}/messages$`));
    await page.getByTestId('messages-empty').waitFor();

    // a bad message is refused, the field named, and nothing is sent
    await page.getByLabel('Subject', { exact: true }).fill('Nothing to say');
    await page.getByTestId('message-send').click();
    await page.getByRole('alert').filter({ hasText: 'body must not be empty' }).waitFor();
    expect(server.svc.messages.list({ limit: 10, party: session.id })).toEqual([]);

    await page.getByLabel('Subject', { exact: true }).fill('Use the staging database');
    await page.getByLabel('Message', { exact: true }).fill('Point DATABASE_URL at staging before the migration.');
    await page.getByTestId('message-send').click();
    const item = page.getByTestId('message').filter({ hasText: 'Use the staging database' });
    await item.waitFor();
    const id = (await item.getAttribute('data-message-id'))!;
    expect(await page.getByLabel('Message', { exact: true }).inputValue()).toBe('');
    expect(await stateOf(id, session.id).getAttribute('data-state')).toBe('sent');
    expect(await item.textContent()).toContain('you');

    // the session reads its inbox: the message is there, and the page shows it read
    const inbox = await asSession<MessageInbox>(session.id, 'POST', '/api/messages/inbox', {});
    expect(inbox.messages.map((m) => [m.id, m.subject, m.body, m.from.name])).toEqual([
      [id, 'Use the staging database', 'Point DATABASE_URL at staging before the migration.', 'user'],
    ]);
    await stateOf(id, session.id).and(page.locator('[data-state=read]')).waitFor({ timeout: 2000 });

    // it acknowledges with a note, then replies in the thread
    await asSession<Message>(session.id, 'POST', `/api/messages/${id}/ack`, { note: 'switching now' });
    await stateOf(id, session.id).and(page.locator('[data-state=acknowledged]')).waitFor({ timeout: 2000 });
    expect(await stateOf(id, session.id).textContent()).toContain('switching now');
    const reply = await asSession<Message>(session.id, 'POST', '/api/messages', { to: 'user', subject: 'Re: staging', body: 'Done, migration ran on staging.', replyTo: id });
    await message(reply.id).waitFor({ timeout: 2000 });
    expect(await message(reply.id).getAttribute('data-reply-to')).toBe(id);
    expect(await message(reply.id).getAttribute('data-thread-id')).toBe(id);
    const thread = page.locator(`[data-testid=message-thread][data-thread-id="${id}"]`);
    expect(await thread.getByTestId('message').evaluateAll((els) => els.map((e) => e.getAttribute('data-message-id')))).toEqual([id, reply.id]);

    // the user answers the reply from the page: same thread, and the session gets it
    await message(reply.id).getByTestId('msg-reply').click();
    await page.getByLabel('Message', { exact: true }).fill('Thanks, now production.');
    await page.getByTestId('message-send').click();
    await waitFor(async () => (await thread.getByTestId('message').count()) === 3, 3000);
    const next = await asSession<MessageInbox>(session.id, 'POST', '/api/messages/inbox', {});
    expect(next.messages).toHaveLength(1);
    expect(next.messages[0]).toMatchObject({ subject: 'Re: Re: staging', body: 'Thanks, now production.', replyTo: reply.id, threadId: id });
    expect(await unlabelledControls(page)).toEqual([]);
  });
});

describe("the user's inbox on the overview", { timeout: 60_000 }, () => {
  it("shows a worker's blocked report and message live, counts them new, and acknowledges them", async () => {
    const { session, taskId } = await spawn('reporter', 'Publish the package');
    // written before the page opens: unread, so new when the inbox shows it (which reads it)
    const early = await asSession<Message>(session.id, 'POST', '/api/messages', { to: 'user', subject: 'Starting', body: 'Publishing from main.' });
    await openPage(`${server.url}/overview`);
    const inbox = page.getByTestId('user-inbox');
    await inbox.waitFor();
    const earlyItem = inbox.locator(`[data-testid=inbox-item][data-message-id="${early.id}"]`);
    await earlyItem.getByTestId('msg-new').waitFor();
    expect(server.svc.messages.get(early.id).recipients[0]).toMatchObject({ sessionId: null, state: 'read' });
    const count = inbox.getByTestId('inbox-unread');
    const before = Number(await count.getAttribute('data-count'));
    expect(before).toBeGreaterThanOrEqual(1);

    server.svc.report(session.id, 'blocked', 'The registry token has expired', taskId);
    const blocked = inbox.getByTestId('inbox-item').filter({ hasText: 'The registry token has expired' });
    await blocked.waitFor({ timeout: 2000 });
    expect(await blocked.textContent()).toContain('webshop');
    expect(await blocked.getByTestId('msg-subject').textContent()).toContain('Blocked');
    expect(await blocked.getByTestId('msg-new').count()).toBe(1);
    const question = await asSession<Message>(session.id, 'POST', '/api/messages', { to: 'user', subject: 'Which version?', body: '1.4.0 or 2.0.0?' });
    await inbox.locator(`[data-testid=inbox-item][data-message-id="${question.id}"]`).waitFor({ timeout: 2000 });
    await count.and(page.locator(`[data-count="${before + 2}"]`)).waitFor({ timeout: 2000 });

    // acknowledge: it leaves the list, the count drops, and the worker sees it acknowledged
    await inbox.locator(`[data-testid=inbox-item][data-message-id="${question.id}"]`).getByTestId('inbox-ack').click();
    await inbox.locator(`[data-testid=inbox-item][data-message-id="${question.id}"]`).waitFor({ state: 'detached', timeout: 2000 });
    await count.and(page.locator(`[data-count="${before + 1}"]`)).waitFor({ timeout: 2000 });
    const sent = await asSession<Message[]>(session.id, 'GET', '/api/messages');
    expect(sent.find((m) => m.id === question.id)).toMatchObject({ state: 'acknowledged', recipients: [{ sessionId: null, state: 'acknowledged' }] });

    // after a reload the unacknowledged report is still there (it was read now), the acknowledged one behind a toggle
    await page.reload();
    await waitLive(page);
    await blocked.waitFor();
    expect(await inbox.locator(`[data-testid=inbox-item][data-message-id="${question.id}"]`).count()).toBe(0);
    await inbox.getByTestId('inbox-toggle-acked').click();
    await inbox.locator(`[data-testid=inbox-item][data-message-id="${question.id}"]`).waitFor();
    const blockedId = (await blocked.getAttribute('data-message-id'))!;
    expect(server.svc.messages.get(blockedId).recipients[0]).toMatchObject({ sessionId: null, state: 'read' });
  });
});
