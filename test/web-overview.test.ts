/**
 * The all-projects overview in a real browser against a real server: the sessions of two projects in
 * one list, those needing input first, then blocked, then running (finished ones behind a toggle), per-
 * project counts, live changes as statuses move (set through the service, as reports do), "/" leading
 * to it when there are several projects, and a click opening the session.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Project, Session } from '../src/core/types.js';
import { horizontalOverflow, openPage, page, server, unlabelledControls, useWebSuite } from './web-support.js';

useWebSuite();

const rows = () => page.getByTestId('overview-row');
const row = (id: string) => page.locator(`[data-testid=overview-row][data-session-id="${id}"]`);
const rowOrder = () => rows().evaluateAll((els) => els.map((e) => e.getAttribute('data-session-id')));
const chip = (projectId: string) => page.locator(`[data-testid=project-chip][data-project-id="${projectId}"]`);

let billing: Project;
/** A session of `project` on a new task, spawned (no agent: no supervisor in this suite). */
async function spawn(project: Project, name: string, title: string): Promise<{ session: Session; taskId: string }> {
  const task = server.svc.tasks.create({ projectId: project.id, title });
  const { session } = await server.svc.spawn({ projectId: project.id, taskIds: [task.id], name });
  return { session, taskId: task.id };
}

describe('all-projects overview', { timeout: 60_000 }, () => {
  let fixtures: Record<'indexer' | 'payer' | 'mailer' | 'waiter' | 'archiver', { session: Session; taskId: string }>;

  it('lists every project’s sessions: needs input first, then blocked, then running; finished behind a toggle', async () => {
    const dir = join(server.home, 'billing');
    mkdirSync(dir, { recursive: true });
    billing = server.svc.projects.create({ name: 'billing', workingDir: dir });
    const shop = server.project;
    fixtures = {
      indexer: await spawn(shop, 'indexer', 'Index the products table'),
      payer: await spawn(billing, 'payer', 'Charge the cards'),
      mailer: await spawn(shop, 'mailer', 'Send the newsletter'),
      waiter: await spawn(billing, 'waiter', 'Wait for the bank'),
      archiver: await spawn(billing, 'archiver', 'Archive old invoices'),
    };
    const { indexer, payer, mailer, archiver, waiter } = fixtures;
    server.svc.report(indexer.session.id, 'progress', 'Scanning the products', indexer.taskId);
    server.svc.report(mailer.session.id, 'blocked', 'The SMTP password is wrong', mailer.taskId);
    server.svc.report(payer.session.id, 'needs_input', 'Which currency for Swiss customers?', payer.taskId);
    server.svc.report(archiver.session.id, 'complete', 'Archived 2,310 invoices', archiver.taskId);
    expect(server.svc.sessions.get(archiver.session.id).status).toBe('completed');
    const waiterStatus = server.svc.sessions.get(waiter.session.id).status;
    expect(['spawning', 'idle']).toContain(waiterStatus);

    // "/" opens the overview now that there are two projects; the top bar links to it
    await openPage(`${server.url}/`);
    await page.waitForURL(/\/overview$/);
    expect(await page.getByTestId('nav-overview').getAttribute('aria-current')).toBe('page');
    expect(await page.getByTestId('nav-overview').textContent()).toContain('All projects');

    await row(waiter.session.id).waitFor();
    expect(await rowOrder()).toEqual([payer.session.id, mailer.session.id, indexer.session.id, waiter.session.id]);

    // each row: project, session, role, status, task, the question / last report, how long
    const top = row(payer.session.id);
    expect(await top.getByTestId('overview-project').textContent()).toBe('billing');
    expect(await top.getByTestId('overview-session-link').textContent()).toBe('payer');
    expect(await top.getByTestId('overview-status').getAttribute('data-status')).toBe('needs_input');
    expect(await top.getByTestId('overview-task').textContent()).toBe('Charge the cards');
    expect(await top.getByTestId('overview-report').textContent()).toContain('Which currency for Swiss customers?');
    expect(await top.getByTestId('overview-since').textContent()).toMatch(/^\d+ s$/);
    expect(await top.textContent()).toContain('worker');
    expect(await row(mailer.session.id).getByTestId('overview-project').textContent()).toBe('webshop');
    expect(await row(mailer.session.id).getByTestId('overview-report').textContent()).toContain('The SMTP password is wrong');

    // per-project counts
    expect(await chip(billing.id).getByTestId('chip-needs-input').textContent()).toBe('1 needs input');
    expect(await chip(billing.id).getByTestId('chip-blocked').textContent()).toBe('0 blocked');
    expect(await chip(shop.id).getByTestId('chip-blocked').textContent()).toBe('1 blocked');
    expect(await chip(shop.id).getByTestId('chip-running').textContent()).toBe('1 running');

    // the finished session is behind the toggle
    expect(await row(archiver.session.id).count()).toBe(0);
    await page.getByTestId('toggle-finished').click();
    await row(archiver.session.id).waitFor();
    expect((await rowOrder()).at(-1)).toBe(archiver.session.id);
    expect(await unlabelledControls(page)).toEqual([]);
  });

  it('follows status changes live, without a reload', async () => {
    const { indexer, payer, mailer, waiter } = fixtures;
    await openPage(`${server.url}/overview`);
    await row(waiter.session.id).waitFor();
    await page.evaluate(() => ((window as unknown as { __same: boolean }).__same = true));

    // the running session asks a question: it joins the top group (after the one waiting longer)
    server.svc.report(indexer.session.id, 'needs_input', 'Which tablespace?', indexer.taskId);
    await row(indexer.session.id).and(page.locator('[data-status=needs_input]')).waitFor({ timeout: 2000 });
    await row(indexer.session.id).getByText('Which tablespace?').waitFor({ timeout: 2000 });
    expect(await rowOrder()).toEqual([payer.session.id, indexer.session.id, mailer.session.id, waiter.session.id]);
    await chip(server.project.id).getByTestId('chip-needs-input').getByText('1 needs input').waitFor({ timeout: 2000 });
    expect(await chip(server.project.id).getByTestId('chip-running').textContent()).toBe('0 running');

    // the question is answered (progress): back to running, below the blocked one
    server.svc.report(payer.session.id, 'progress', 'Using CHF', payer.taskId);
    await row(payer.session.id).and(page.locator('[data-status=running]')).waitFor({ timeout: 2000 });
    expect(await rowOrder()).toEqual([indexer.session.id, mailer.session.id, payer.session.id, waiter.session.id]);
    expect(await row(payer.session.id).getByTestId('overview-since').textContent()).toMatch(/^\d s$/);
    await chip(billing.id).getByTestId('chip-running').getByText('1 running').waitFor({ timeout: 2000 });

    // a session spawned elsewhere appears, with its task
    const late = await spawn(billing, 'latecomer', 'Reconcile the ledger');
    server.svc.report(late.session.id, 'blocked', 'The ledger file is locked', late.taskId);
    await row(late.session.id).and(page.locator('[data-status=blocked]')).waitFor({ timeout: 2000 });
    await row(late.session.id).getByTestId('overview-task').getByText('Reconcile the ledger').waitFor({ timeout: 2000 });
    expect(await row(late.session.id).getByTestId('overview-project').textContent()).toBe('billing');
    expect(await page.evaluate(() => (window as unknown as { __same?: boolean }).__same)).toBe(true);
  });

  it('a click on a row opens the session', async () => {
    const { mailer } = fixtures;
    await openPage(`${server.url}/overview`);
    await row(mailer.session.id).getByTestId('overview-report').click();
    await page.waitForURL(new RegExp(`/sessions/${mailer.session.id}$`));
    await page.getByTestId('session-page').waitFor();
    expect(await page.locator('h1').textContent()).toContain('mailer');

    // and back through the top bar
    await page.getByTestId('nav-overview').click();
    await page.waitForURL(/\/overview$/);
    await row(mailer.session.id).getByTestId('overview-session-link').click();
    await page.waitForURL(new RegExp(`/sessions/${mailer.session.id}$`));
  });
});

describe('overview on a phone', { timeout: 60_000 }, () => {
  it('fits 390 px wide, every control labelled', async () => {
    await openPage(`${server.url}/overview`, { width: 390, height: 844 });
    await rows().first().waitFor();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    expect(await unlabelledControls(page)).toEqual([]);
    await page.getByTestId('nav-sessions').click();
    await page.getByTestId('sessions-table').waitFor();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  });
});
