/**
 * Signing the dashboard in and out, in a real browser: without the login cookie the page shows only
 * the sign-in screen; the login link (`#token=<owner secret>`, what `maestro open` opens) signs it in
 * and leaves the address; the cookie is HttpOnly and SameSite=Strict; a pasted token (or link) signs
 * in, a wrong one is an inline error; signing out (command palette) brings the sign-in screen back
 * and the server refuses the page again; a renewed secret sends the page back to the sign-in screen.
 */
import { describe, expect, it } from 'vitest';
import type { Task } from '../src/core/types.js';
import { runCli } from './helpers.js';
import { api, context, loginLink, openPage, page, server, unlabelledControls, useWebSuite, waitLive } from './web-support.js';

useWebSuite();

const signIn = () => page.getByTestId('sign-in');
/** What the page's own fetch of the API answers (with whatever cookie the browser has). */
const pageFetchStatus = (path: string) => page.evaluate(async (p) => (await fetch(p)).status, path);
const cookieName = () => `maestro_auth_${server.port}`;

describe('signing in', { timeout: 60_000 }, () => {
  it('without the login cookie, shows the sign-in screen and no data', async () => {
    const task = server.svc.tasks.create({ projectId: server.project.id, title: 'A secret task title' });
    await openPage(`${server.url}/projects/${server.project.id}/tasks/${task.id}`, undefined, { signedIn: false });
    await signIn().waitFor();

    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Sign in to the dashboard');
    const text = await page.locator('body').innerText();
    expect(text).toContain('maestro open');
    expect(text).toContain('maestro serve');
    expect(text).not.toContain('A secret task title');
    expect(text).not.toContain('webshop');
    expect(await page.getByTestId('conn').count()).toBe(0);
    expect(await page.getByTestId('project-select').count()).toBe(0);
    // the field is labelled and has the focus
    const field = page.getByLabel('Login link or token');
    expect(await field.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await unlabelledControls(page)).toEqual([]);
    expect(await pageFetchStatus('/api/projects')).toBe(401);
    // the command palette does not open over it
    await page.keyboard.press('Control+k');
    expect(await page.getByTestId('palette-input').count()).toBe(0);
  });

  it('the login link signs in, leaves the address bar, and the HttpOnly cookie keeps the page signed in', async () => {
    await openPage(`${server.url}/projects`, undefined, { signedIn: false });
    await signIn().waitFor();
    await page.goto(loginLink(`${server.url}/library`));
    await waitLive(page);
    await page.getByRole('heading', { name: 'Library', level: 1 }).waitFor();

    expect(page.url()).toBe(`${server.url}/library`);
    expect(await page.evaluate(() => location.href)).not.toContain(server.secret);

    const cookies = await context!.cookies(server.url);
    const cookie = cookies.find((c) => c.name === cookieName());
    expect(cookie, JSON.stringify(cookies)).toBeDefined();
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie!.value).not.toContain(server.secret);
    const documentCookie = await page.evaluate(() => document.cookie);
    expect(documentCookie).not.toContain(server.secret);
    expect(documentCookie).not.toContain(cookieName());
    expect(await pageFetchStatus('/api/projects')).toBe(200);

    await page.reload();
    await waitLive(page);
    expect(await signIn().count()).toBe(0);
    await page.getByRole('heading', { name: 'Library', level: 1 }).waitFor();
  });

  it('the link that `maestro open --print` prints signs the page in', async () => {
    const open = await runCli(['open', '--print'], { MAESTRO_API_URL: server.url, MAESTRO_HOME: server.home, MAESTRO_LOG_LEVEL: 'silent' });
    expect(open.code, open.stderr).toBe(0);
    const link = open.stdout.trim();
    expect(link).toBe(`${server.url}/#token=${server.secret}`);
    await openPage(link, undefined, { signedIn: false });
    await waitLive(page);
    await page.waitForURL(`${server.url}/projects/${server.project.id}/tasks`);
    expect(page.url()).not.toContain('token');
  });

  it('keeps the rest of the fragment, and a route kept in the fragment; a link opened in an open tab (no reload) works too', async () => {
    await openPage(`${server.url}/library`, undefined, { signedIn: false });
    await signIn().waitFor();
    // same document: only the fragment changes
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    await page.goto(`${server.url}/library#token=${server.secret}&section=skills`);
    await waitLive(page);
    expect(page.url()).toBe(`${server.url}/library#section=skills`);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await page.getByRole('heading', { name: 'Library', level: 1 }).waitFor();

    await page.goto(`${server.url}/#/projects/${server.project.id}/sessions&token=${server.secret}`);
    await waitLive(page);
    expect(page.url()).toBe(`${server.url}/projects/${server.project.id}/sessions`);
    await page.getByTestId('nav-sessions').and(page.locator('[aria-current=page]')).waitFor();

    // a wrong link opened in a signed-in tab says so and leaves it signed in
    await page.goto(`${server.url}/projects/${server.project.id}/sessions#token=not-the-secret-not-the-secret-not-the-secret`);
    await page.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor();
    expect(page.url()).toBe(`${server.url}/projects/${server.project.id}/sessions`);
    expect(await signIn().count()).toBe(0);
    await waitLive(page);
  });

  it('a wrong pasted token is an error under the field; the right one (or the whole link) signs in', async () => {
    const task = server.svc.tasks.create({ projectId: server.project.id, title: 'Seen once signed in' });
    await openPage(`${server.url}/projects/${server.project.id}/tasks`, undefined, { signedIn: false });
    await signIn().waitFor();

    const field = page.getByLabel('Login link or token');
    await field.fill('not-the-secret-at-all-not-the-secret-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('sign-in-error').waitFor();
    expect(await page.getByTestId('sign-in-error').innerText()).toMatch(/not right/);
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await field.evaluate((el) => el === document.activeElement)).toBe(true);
    expect((await context!.cookies(server.url)).some((c) => c.name === cookieName())).toBe(false);

    // empty: says what to do, asks nothing of the server
    await field.fill('   ');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByTestId('sign-in-error').innerText()).toMatch(/Paste the login link/);

    // the whole link, as `maestro serve` prints it
    await field.fill(`  ${loginLink(`${server.url}/`)}  `);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitLive(page);
    await page.locator(`[data-testid=task-row][data-task-id="${task.id}"]`).waitFor();
    expect(page.url()).toBe(`${server.url}/projects/${server.project.id}/tasks`);
  });

  it('pasting the token alone signs in', async () => {
    await openPage(`${server.url}/projects`, undefined, { signedIn: false });
    await signIn().waitFor();
    await page.getByLabel('Login link or token').fill(server.secret);
    await page.getByLabel('Login link or token').press('Enter');
    await waitLive(page);
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
  });

  it('an out-of-date login link shows the sign-in screen with an error, and no token in the address', async () => {
    await openPage(loginLink(`${server.url}/library`, 'an-old-secret-an-old-secret-an-old-secret-xx'), undefined, { signedIn: false });
    await signIn().waitFor();
    expect(await page.getByTestId('sign-in-notice').innerText()).toMatch(/not accepted/);
    expect(page.url()).toBe(`${server.url}/library`);
  });
});

describe('signing out', { timeout: 60_000 }, () => {
  it('Sign out in the command palette returns to the sign-in screen, and the API then answers 401', async () => {
    await openPage(`${server.url}/projects/${server.project.id}/tasks`);
    await page.getByTestId('palette-button').click();
    await page.getByTestId('palette-input').fill('sign out');
    await page.getByTestId('palette-item').filter({ hasText: 'Sign out' }).click();

    await signIn().waitFor();
    expect(await page.getByTestId('sign-in-notice').innerText()).toMatch(/signed out/);
    expect(await page.locator('body').innerText()).not.toContain('webshop');
    expect((await context!.cookies(server.url)).some((c) => c.name === cookieName())).toBe(false);
    expect(await pageFetchStatus('/api/projects')).toBe(401);

    await page.reload();
    await signIn().waitFor();
    expect(await page.getByTestId('sign-in-notice').count()).toBe(0);

    // and in again
    await page.getByLabel('Login link or token').fill(server.secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitLive(page);
    expect(await pageFetchStatus('/api/projects')).toBe(200);
  });

  it('a renewed secret sends the page back to the sign-in screen, also when only the live socket finds out', async () => {
    await openPage(`${server.url}/projects/${server.project.id}/tasks`);
    await api('POST', '/api/auth/rotate', {});
    // the socket stays open through the rotation; the next time it connects, the server refuses it
    await server.restart(300);
    await signIn().waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('sign-in-notice').innerText()).toMatch(/no longer accepts/);
    expect(await pageFetchStatus('/api/projects')).toBe(401);

    // the new link works
    const made = await api<Task>('POST', '/api/tasks', { project: server.project.id, title: 'After the new secret' });
    await page.getByLabel('Login link or token').fill(loginLink(`${server.url}/`));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitLive(page);
    await page.locator(`[data-testid=task-row][data-task-id="${made.id}"]`).waitFor();
  });
});
