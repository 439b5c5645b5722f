/**
 * Desktop notifications from the dashboard, in a real browser against a real server. The browser's
 * permission is granted to the page's origin, and an init script wraps window.Notification so every
 * notification the page makes is recorded (title, body, tag) and can be clicked. Covers: switched on
 * through the toggle and remembered, one notification per transition (needs input, blocked, failed;
 * completed only when asked for) with the project, session, task and question, none for what the page
 * found at load, none when off, and a click opening the session.
 */
import type { BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Session } from '../src/core/types.js';
import { waitFor } from './helpers.js';
import { openPage, page, server, useWebSuite, waitLive } from './web-support.js';

useWebSuite();

interface Shown {
  title: string;
  body: string;
  tag: string;
}

/** Grants the permission and records every `new Notification(…)` in window.__notes (a click: `__clickNote(i)`). */
async function captureNotifications(context: BrowserContext): Promise<void> {
  await context.grantPermissions(['notifications'], { origin: server.url });
  await context.addInitScript(() => {
    const Real = window.Notification;
    const notes: { title: string; body: string; tag: string; onclick: ((e: Event) => void) | null; closed: boolean }[] = [];
    class Recorded {
      title: string;
      body: string;
      tag: string;
      onclick: ((e: Event) => void) | null = null;
      closed = false;
      constructor(title: string, opts: NotificationOptions = {}) {
        this.title = title;
        this.body = opts.body ?? '';
        this.tag = opts.tag ?? '';
        notes.push(this);
      }
      close() {
        this.closed = true;
      }
      static get permission() {
        return Real.permission;
      }
      static requestPermission() {
        return Real.requestPermission();
      }
    }
    const w = window as unknown as Record<string, unknown>;
    w.Notification = Recorded;
    w.__notes = notes;
    w.__clickNote = (i: number) => notes[i]?.onclick?.(new Event('click'));
  });
}

const shown = (): Promise<Shown[]> =>
  page.evaluate(() => ((window as unknown as { __notes: Shown[] }).__notes ?? []).map((n) => ({ title: n.title, body: n.body, tag: n.tag })));

async function spawn(name: string, title: string): Promise<{ session: Session; taskId: string }> {
  const task = server.svc.tasks.create({ projectId: server.project.id, title });
  const { session } = await server.svc.spawn({ projectId: server.project.id, taskIds: [task.id], name });
  return { session, taskId: task.id };
}

describe('desktop notifications', { timeout: 60_000 }, () => {
  it('shows one notification per transition, with project, session, task and question; a click opens the session', async () => {
    const { session, taskId } = await spawn('importer', 'Import the CSV');
    const early = await spawn('early-bird', 'Already waiting');
    server.svc.report(early.session.id, 'needs_input', 'Asked before the page opened', early.taskId);

    await openPage(`${server.url}/overview`, undefined, { prepare: captureNotifications });
    const toggle = page.getByTestId('notify-enabled');
    expect(await toggle.isChecked()).toBe(false);
    await page.getByLabel('Desktop notifications').check();
    await page.locator('[data-testid=notify-toggle][data-active=true]').waitFor();
    expect(await page.evaluate(() => localStorage.getItem('maestro.notifications'))).toContain('"enabled":true');

    // a transition seen live: one notification naming project, session, task and question
    server.svc.report(session.id, 'progress', 'Reading the file', taskId);
    server.svc.report(session.id, 'needs_input', 'Which delimiter: comma or semicolon?', taskId);
    await waitFor(async () => (await shown()).length >= 1, 3000);
    expect(await shown()).toEqual([
      { title: 'webshop: importer needs your input', body: 'Task: Import the CSV\nWhich delimiter: comma or semicolon?', tag: `maestro:${session.id}:needs_input` },
    ]);

    // staying in the status (another report of the same kind, a reason change) shows nothing more
    server.svc.report(session.id, 'needs_input', 'Still: comma or semicolon?', taskId);
    server.svc.sessions.setStatus(session.id, 'needs_input', { reason: 'stalled' });
    // blocked, then failed: one each; completed is off by default
    server.svc.report(session.id, 'blocked', 'The file is not UTF-8', taskId);
    await waitFor(async () => (await shown()).length >= 2, 3000);
    const other = await spawn('exporter', 'Export the report');
    server.svc.report(other.session.id, 'complete', 'Exported', other.taskId);
    expect(server.svc.sessions.get(other.session.id).status).toBe('completed');
    server.svc.sessions.setStatus(session.id, 'failed', { message: 'agent exited with code 1' });
    await waitFor(async () => (await shown()).length >= 3, 3000);
    const notes = await shown();
    expect(notes.map((n) => n.title)).toEqual([
      'webshop: importer needs your input',
      'webshop: importer is blocked',
      'webshop: importer failed',
    ]);
    expect(notes[1]!.body).toBe('Task: Import the CSV\nThe file is not UTF-8');
    // nothing for the session that was waiting before the page opened
    expect(notes.some((n) => n.title.includes('early-bird'))).toBe(false);

    // clicking the notification focuses the page on the session
    await page.evaluate(() => (window as unknown as { __clickNote: (i: number) => void }).__clickNote(1));
    await page.waitForURL(new RegExp(`/sessions/${session.id}$`));
    await page.getByTestId('session-page').waitFor();

    // the choice is remembered after a reload; "completed" can be switched on too
    await page.goto(`${server.url}/overview`);
    await waitLive(page);
    expect(await page.getByTestId('notify-enabled').isChecked()).toBe(true);
    await page.getByLabel('Also when completed').check();
    const third = await spawn('summarizer', 'Summarize the week');
    server.svc.report(third.session.id, 'complete', 'Wrote the summary', third.taskId);
    await waitFor(async () => (await shown()).length >= 1, 3000);
    expect(await shown()).toEqual([
      { title: 'webshop: summarizer completed', body: 'Task: Summarize the week\nWrote the summary', tag: `maestro:${third.session.id}:completed` },
    ]);
  });

  it('shows nothing when switched off, even with the permission granted', async () => {
    const { session, taskId } = await spawn('quiet', 'Stay quiet');
    const later = await spawn('loud', 'Speak up');
    await openPage(`${server.url}/overview`, undefined, { prepare: captureNotifications });
    expect(await page.getByTestId('notify-enabled').isChecked()).toBe(false);
    server.svc.report(session.id, 'needs_input', 'Anyone there?', taskId);
    await page.locator(`[data-testid=overview-row][data-session-id="${session.id}"][data-status=needs_input]`).waitFor({ timeout: 3000 });

    // switched on afterwards, the next transition notifies: it is the only one (the earlier one never did)
    await page.getByLabel('Desktop notifications').check();
    await page.locator('[data-testid=notify-toggle][data-active=true]').waitFor();
    server.svc.report(later.session.id, 'blocked', 'No microphone', later.taskId);
    await waitFor(async () => (await shown()).length >= 1, 3000);
    expect((await shown()).map((n) => n.title)).toEqual(['webshop: loud is blocked']);

    // and off again: nothing more
    await page.getByLabel('Desktop notifications').uncheck();
    await page.locator('[data-testid=notify-toggle][data-active=false]').waitFor();
    expect(await page.evaluate(() => localStorage.getItem('maestro.notifications'))).toContain('"enabled":false');
    server.svc.report(session.id, 'blocked', 'Gave up waiting', taskId);
    await page.locator(`[data-testid=overview-row][data-session-id="${session.id}"][data-status=blocked]`).waitFor({ timeout: 3000 });
    await page.getByLabel('Desktop notifications').check();
    await page.locator('[data-testid=notify-toggle][data-active=true]').waitFor();
    server.svc.report(later.session.id, 'needs_input', 'Which microphone?', later.taskId);
    await waitFor(async () => (await shown()).length >= 2, 3000);
    expect((await shown()).map((n) => n.title)).toEqual(['webshop: loud is blocked', 'webshop: loud needs your input']);
  });
});
