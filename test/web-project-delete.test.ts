/**
 * A project deleted through the API (as the CLI or an MCP client would) leaves the open dashboard at
 * once, without a reload: from the project list and the project picker, and a page showing it goes to
 * the project list.
 */
import { describe, expect, it } from 'vitest';
import type { Project, ProjectDeleteResult } from '../src/core/types.js';
import { api, openPage, page, server, useWebSuite } from './web-support.js';

useWebSuite();

/** A project with a task and a finished session (so it may be deleted). */
async function made(name: string): Promise<{ project: Project; taskId: string; sessionId: string }> {
  const svc = server.svc;
  const project = svc.projects.create({ name, workingDir: server.workdir });
  const task = svc.tasks.create({ projectId: project.id, title: `Work of ${name}` });
  const { session } = await svc.spawn({ projectId: project.id, taskIds: [task.id], name: `${name}-agent` });
  await svc.stopSession(session.id);
  return { project, taskId: task.id, sessionId: session.id };
}

const card = (name: string) => page.getByTestId('project-card').filter({ has: page.getByRole('link', { name, exact: true }) });
const pickerNames = () => page.locator('[data-testid=project-select] option').allTextContents();
const markDocument = () => page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
const sameDocument = () => page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument === true);
const remove = (id: string) => api<ProjectDeleteResult>('DELETE', `/api/projects/${id}`);

describe('deleting a project', { timeout: 60_000 }, () => {
  it('removes it live from the projects list and the picker; the page stays where it is', async () => {
    const old = await made('old-shop');
    await made('keep-shop');
    await openPage(`${server.url}/projects`);
    await markDocument();
    await card('old-shop').waitFor();
    await card('keep-shop').waitFor();
    expect(await pickerNames()).toContain('old-shop');

    expect(await remove(old.project.id)).toEqual({ projectId: old.project.id, name: 'old-shop', deletedTasks: 1, deletedSessions: 1 });

    await card('old-shop').waitFor({ state: 'detached', timeout: 2000 });
    expect(await pickerNames()).not.toContain('old-shop');
    await card('keep-shop').waitFor();
    await card('webshop').waitFor();
    expect(new URL(page.url()).pathname).toBe('/projects');
    expect(await sameDocument()).toBe(true);
  });

  it('a page showing the project goes to the project list, and nothing is selected any more', async () => {
    const gone = await made('gone-shop');
    await openPage(`${server.url}/projects/${gone.project.id}/tasks`);
    await markDocument();
    await page.locator(`[data-testid=task-row][data-task-id="${gone.taskId}"]`).waitFor();
    expect(await page.getByTestId('project-select').inputValue()).toBe(gone.project.id);
    const historyBefore = await page.evaluate(() => history.length);

    await remove(gone.project.id);

    await page.waitForURL(/\/projects$/, { timeout: 2000 });
    await page.locator('.toast', { hasText: 'Project gone-shop was deleted' }).waitFor();
    await card('webshop').waitFor();
    expect(await card('gone-shop').count()).toBe(0);
    expect(await pickerNames()).not.toContain('gone-shop');
    expect(await page.getByTestId('project-select').inputValue()).toBe('');
    expect(await page.evaluate(() => localStorage.getItem('maestro.projectId'))).not.toBe(gone.project.id);
    expect(await sameDocument()).toBe(true);
    // going back does not land on the deleted project's page: the list replaced it in history
    expect(await page.evaluate(() => history.length)).toBe(historyBefore);
  });

  it('a session page of the project goes to the project list as well', async () => {
    const gone = await made('session-shop');
    await openPage(`${server.url}/sessions/${gone.sessionId}`);
    await markDocument();
    await page.locator('#session-heading', { hasText: 'session-shop-agent' }).waitFor();

    await remove(gone.project.id);

    await page.waitForURL(/\/projects$/, { timeout: 2000 });
    await page.locator('.toast', { hasText: 'Project session-shop was deleted' }).waitFor();
    expect(await sameDocument()).toBe(true);
  });

  it("another project's page stays as it is", async () => {
    const other = await made('elsewhere');
    await openPage(`${server.url}/projects/${server.project.id}/tasks`);
    await markDocument();
    await page.getByTestId('nav-tasks').waitFor();
    expect(await pickerNames()).toContain('elsewhere');

    await remove(other.project.id);

    await page.waitForFunction(() => ![...document.querySelectorAll('[data-testid=project-select] option')].some((o) => o.textContent === 'elsewhere'), undefined, { timeout: 2000 });
    expect(new URL(page.url()).pathname).toBe(`/projects/${server.project.id}/tasks`);
    expect(await page.getByTestId('project-select').inputValue()).toBe(server.project.id);
    expect(await page.locator('.toast', { hasText: 'was deleted' }).count()).toBe(0);
    expect(await sameDocument()).toBe(true);
  });
});
