/**
 * The dashboard of a new user (a real server with no project, in Debian's chromium): the project list
 * shows a "Get started" panel with copyable commands (the demo, MCP set-up for Claude Code, the CLI),
 * never `npx`; its copy buttons put the command on the clipboard, or select it where there is no
 * Clipboard API; it goes away live when a project is made, and an empty project's task list shows
 * its own version of it until the project has a task.
 */
import { describe, expect, it } from 'vitest';
import type { Project } from '../src/core/types.js';
import { api, context, horizontalOverflow, openPage, page, server, unlabelledControls, useWebSuite, waitLive } from './web-support.js';

useWebSuite({ empty: true });

const panel = () => page.getByTestId('get-started');
const pageText = () => page.evaluate(() => document.body.innerText);
const clipboard = () => page.evaluate(() => navigator.clipboard.readText());
const markDocument = () => page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
const sameDocument = () => page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument);

// The tests run in order on one server: empty until the fourth makes a project.
describe('get started', { timeout: 60_000 }, () => {
  it('with no project, "/" lands on the project list, which shows how to start instead of an empty list', async () => {
    expect(await api<Project[]>('GET', '/api/projects')).toEqual([]);
    await openPage(`${server.url}/`);
    await page.waitForURL(/\/projects$/);
    await panel().waitFor();
    await panel().getByRole('heading', { name: 'Get started', level: 2 }).waitFor();

    const demo = page.getByTestId('get-started-demo');
    expect(await demo.textContent()).toContain('no Claude account needed');
    expect(await demo.locator('code').allTextContents()).toEqual(['maestro demo', 'maestro demo --stop']);
    const mcp = page.getByTestId('get-started-mcp');
    expect(await mcp.textContent()).toContain('.mcp.json');
    expect(await mcp.locator('.cmd code').allTextContents()).toEqual(['maestro mcp install --claude', 'maestro mcp config']);
    expect(await page.getByTestId('get-started-cli').locator('.cmd code').allTextContents()).toEqual([
      'cd your-repo && maestro project create my-app',
      'maestro session spawn --task <id>',
    ]);
    // every command has its copy button: named for what the command does, described by the command
    const copyButtons = await panel()
      .locator('button[data-testid^="copy-"]')
      .evaluateAll((buttons) =>
        buttons.map((b) => [b.getAttribute('data-testid'), b.getAttribute('aria-label'), document.getElementById(b.getAttribute('aria-describedby') ?? '')?.textContent]),
      );
    expect(copyButtons).toEqual([
      ['copy-demo', 'Copy the demo command', 'maestro demo'],
      ['copy-demo-stop', 'Copy the command that stops the demo', 'maestro demo --stop'],
      ['copy-mcp-install', 'Copy the command that adds Maestro to Claude Code', 'maestro mcp install --claude'],
      ['copy-mcp-config', 'Copy the command that prints the MCP entry', 'maestro mcp config'],
      ['copy-project-create', 'Copy the command that creates a project', 'cd your-repo && maestro project create my-app'],
      ['copy-session-spawn', 'Copy the command that spawns a session', 'maestro session spawn --task <id>'],
    ]);

    const text = await pageText();
    expect(text).toContain('maestro demo');
    expect(text).toContain('maestro mcp install --claude');
    expect(text).not.toMatch(/npx/i);
    expect(await page.content()).not.toMatch(/npx/i);
    expect(await unlabelledControls(page)).toEqual([]);

    // the button in the panel opens the new-project form
    await page.getByTestId('get-started-new-project').click();
    await page.getByTestId('new-project-dialog').getByLabel('Name').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('new-project-dialog').getByLabel('Name').waitFor({ state: 'detached' });

    // on a phone: no sideways scrolling, every control still named
    await page.setViewportSize({ width: 390, height: 800 });
    await panel().waitFor();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    expect(await unlabelledControls(page)).toEqual([]);
  });

  it('a copy button puts its command on the clipboard', async () => {
    await openPage(`${server.url}/projects`);
    await context!.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await page.evaluate(() => navigator.clipboard.writeText('something else'));
    expect(await clipboard()).toBe('something else');

    const copyDemo = page.getByRole('button', { name: 'Copy the demo command', exact: true });
    await copyDemo.click();
    await expect.poll(clipboard).toBe('maestro demo');
    expect(await copyDemo.textContent()).toBe('Copied');
    await page.getByRole('status').filter({ hasText: 'Copied maestro demo' }).waitFor({ state: 'attached' });

    await page.getByTestId('copy-mcp-install').click();
    await expect.poll(clipboard).toBe('maestro mcp install --claude');
    await page.getByTestId('copy-demo-stop').click();
    await expect.poll(clipboard).toBe('maestro demo --stop');
  });

  it('without the Clipboard API (or the copy command), copy selects the command for Ctrl+C', async () => {
    await openPage(`${server.url}/projects`);
    await page.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined, configurable: true });
      document.execCommand = () => false;
    });
    await page.reload();
    await waitLive(page);
    expect(await page.evaluate(() => 'clipboard' in navigator && navigator.clipboard !== undefined)).toBe(false);

    await page.getByTestId('copy-mcp-config').click();
    await expect.poll(() => page.evaluate(() => window.getSelection()?.toString())).toBe('maestro mcp config');
    expect(await page.getByTestId('copy-mcp-config').textContent()).toBe('Selected');
    await page.getByRole('status').filter({ hasText: /Selected maestro mcp config: press (Control|Command)\+C/ }).waitFor({ state: 'attached' });

    await page.getByTestId('copy-demo').click();
    await expect.poll(() => page.evaluate(() => window.getSelection()?.toString())).toBe('maestro demo');
  });

  it('goes away live when a project is created through the API', async () => {
    await openPage(`${server.url}/projects`);
    await panel().waitFor();
    await markDocument();

    const project = await api<Project>('POST', '/api/projects', { name: 'my-app', workingDir: server.workdir });
    server.project = project;
    await panel().waitFor({ state: 'detached', timeout: 2000 });
    await page.getByTestId('project-card').filter({ hasText: 'my-app' }).waitFor();
    expect(await sameDocument()).toBe(true);
  });

  it("an empty project's task list shows how to start until the project has a task", async () => {
    await openPage(`${server.url}/`);
    await page.waitForURL(new RegExp(`/projects/${server.project.id}/tasks$`));
    await page.getByTestId('tasks-empty').waitFor();
    await panel().waitFor();
    await markDocument();

    expect(await panel().textContent()).toContain(server.workdir);
    expect(await page.getByTestId('get-started-mcp').locator('.cmd code').allTextContents()).toEqual(['maestro mcp install --claude', 'maestro mcp config']);
    expect(await page.getByTestId('get-started-cli').locator('.cmd code').allTextContents()).toEqual([
      'maestro task create "Write the README" --project my-app',
      'maestro session spawn --task <id>',
    ]);
    expect(await page.getByTestId('get-started-demo').locator('code').first().textContent()).toBe('maestro demo');
    expect(await pageText()).not.toMatch(/npx/i);
    expect(await unlabelledControls(page)).toEqual([]);

    const task = server.svc.tasks.create({ projectId: server.project.id, title: 'The first task' });
    await panel().waitFor({ state: 'detached', timeout: 2000 });
    await page.locator(`[data-testid=task-row][data-task-id="${task.id}"]`).waitFor();
    expect(await sameDocument()).toBe(true);
  });
});
