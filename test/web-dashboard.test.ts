/**
 * The dashboard in a real browser (Debian's chromium through playwright-core) against a real server:
 * tasks made in the page are seen by the CLI, changes made with the CLI show in the page without a
 * reload, sessions and their timelines, spawning, the command palette, projects, reconnecting after
 * a server restart, and the accessibility basics at 1280×800 and 390 wide.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Session, Task, Template } from '../src/core/types.js';
import { runCli, waitFor } from './helpers.js';
import { api, context, horizontalOverflow, openPage, page, server, unlabelledControls, useWebSuite, waitLive } from './web-support.js';

useWebSuite();

/** The CLI as the owner: it reads the owner secret from `$MAESTRO_HOME/secret` (the server's home). */
const cli = (args: string[]) =>
  runCli([...args, '--json'], {
    MAESTRO_API_URL: server.url,
    MAESTRO_HOME: server.home,
    MAESTRO_SESSION_ID: undefined,
    MAESTRO_SESSION_TOKEN: undefined,
    MAESTRO_PROJECT_ID: undefined,
  });
const getTask = (id: string) => api<Task>('GET', `/api/tasks/${id}`);
const row = (taskId: string) => page.locator(`[data-testid=task-row][data-task-id="${taskId}"]`);
const tasksUrl = () => `${server.url}/projects/${server.project.id}/tasks`;
/** Scrolls the task list to its end: it renders only the rows in view, and a new task is the last row. */
const scrollTasksToEnd = () => page.getByTestId('task-tree-scroller').evaluate((el) => el.scrollTo(0, el.scrollHeight));
/** A skill file: global (`$MAESTRO_HOME/skills/<name>.md`) or the project's (`.maestro/skills/<name>/SKILL.md`). */
const writeSkill = (source: 'global' | 'project', name: string, markdown: string) => {
  const file = source === 'global' ? join(server.home, 'skills', `${name}.md`) : join(server.workdir, '.maestro', 'skills', name, 'SKILL.md');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, markdown);
};

describe('tasks', { timeout: 60_000 }, () => {
  it('a task created in the page is seen by the CLI', async () => {
    await openPage(`${server.url}/`);
    await page.waitForURL(/\/projects\/prj_[^/]+\/tasks$/);

    await page.getByTestId('new-task').click();
    const dialog = page.getByTestId('new-task-dialog');
    await dialog.getByLabel('Title').fill('Write the release notes');
    await dialog.getByLabel('Description').fill('Everything since 0.1, grouped by area.');
    await dialog.getByLabel('Priority').selectOption('high');
    await dialog.getByTestId('create-task-submit').click();
    await dialog.waitFor({ state: 'hidden' });
    await page.locator('[data-testid=task-row]', { hasText: 'Write the release notes' }).waitFor();

    const list = await cli(['task', 'list', '--project', 'webshop']);
    expect(list.code, list.stderr).toBe(0);
    const made = list.json<{ tasks: Task[] }>().tasks.find((t) => t.title === 'Write the release notes');
    expect(made).toMatchObject({ priority: 'high', status: 'todo', description: 'Everything since 0.1, grouped by area.', parentId: null });
  });

  it('tasks created and changed with the CLI show in the page within a second, without a reload', async () => {
    await openPage(tasksUrl());
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

    const created = await cli(['task', 'create', 'Created from the CLI', '--priority', 'critical', '--project', 'webshop']);
    expect(created.code, created.stderr).toBe(0);
    const task = created.json<Task>();
    await row(task.id).waitFor({ timeout: 1000 });
    expect(await row(task.id).getByTestId('task-priority').inputValue()).toBe('critical');

    const sub = (await cli(['task', 'create', 'A subtask from the CLI', '--parent', task.id])).json<Task>();
    // The tree loads a task's subtasks when it is expanded: the subtask is the row under its parent.
    await row(task.id).getByTestId('task-expand').click();
    await page.locator(`[data-testid=task-row][data-task-id="${sub.id}"][data-parent-id="${task.id}"]`).waitFor({ timeout: 1000 });

    expect((await cli(['task', 'update', task.id, '--status', 'blocked'])).code).toBe(0);
    await row(task.id).and(page.locator('[data-status=blocked]')).waitFor({ timeout: 1000 });
    expect((await cli(['task', 'complete', sub.id])).code).toBe(0);
    await page.locator(`[data-task-id="${sub.id}"][data-status=done]`).waitFor({ timeout: 1000 });

    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  });

  it('reprioritizes, completes, edits, filters by status and shows dependencies', async () => {
    const svc = server.svc;
    const design = svc.tasks.create({ projectId: server.project.id, title: 'Design the schema' });
    const build = svc.tasks.create({ projectId: server.project.id, title: 'Build the importer', dependencies: [design.id] });
    await openPage(tasksUrl());

    // dependencies are visible, and the dependent task is waiting
    const deps = row(build.id).getByTestId('task-deps').first();
    expect(await deps.textContent()).toContain('Design the schema');
    expect(await row(build.id).locator('.tag.waiting').count()).toBe(1);

    // reprioritize in the tree
    await page.getByLabel('Priority of Build the importer').selectOption('critical');
    await waitFor(async () => (await getTask(build.id)).priority === 'critical');

    // complete from the tree: the dependent becomes ready
    await page.getByRole('button', { name: 'Complete Design the schema' }).click();
    await waitFor(async () => (await getTask(design.id)).status === 'done');
    await row(build.id).locator('.tag.ready').waitFor({ timeout: 2000 });

    // status from the tree
    await page.getByLabel('Status of Build the importer').selectOption('in_progress');
    await waitFor(async () => (await getTask(build.id)).status === 'in_progress');

    // edit in the task panel
    await row(build.id).getByTestId('task-title').first().click();
    const panel = page.getByTestId('task-panel');
    await panel.waitFor();
    expect(page.url()).toContain(`/tasks/${build.id}`);
    await panel.getByLabel('Title', { exact: true }).fill('Build the CSV importer');
    await panel.getByLabel('Description').fill('Streams the file; reports bad rows.');
    await panel.getByTestId('task-save').click();
    await waitFor(async () => (await getTask(build.id)).title === 'Build the CSV importer');
    expect((await getTask(build.id)).description).toBe('Streams the file; reports bad rows.');
    await panel.getByRole('link', { name: 'Close task details' }).click();

    // filter by status: only done tasks (and the URL remembers it)
    await page.getByTestId('filter-done').click();
    await page.waitForURL(/status=done/);
    await row(build.id).waitFor({ state: 'detached' });
    // The done list is a list of its own, loaded once asked for: wait for its first row before reading them.
    await page.locator('[data-testid=task-row]:not(.context)').first().waitFor();
    const statuses = await page.locator('[data-testid=task-row]:not(.context)').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')));
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set(['done']));
    await page.reload();
    await waitLive(page);
    expect(await page.getByTestId('filter-done').getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('button', { name: /^All/ }).click();
    await row(build.id).waitFor();
  });

  it('the board moves tasks between status columns by drag and drop or by menu, and is remembered', async () => {
    const svc = server.svc;
    const card = svc.tasks.create({ projectId: server.project.id, title: 'Sketch the landing page' });
    const other = svc.tasks.create({ projectId: server.project.id, title: 'Pick the fonts' });
    await openPage(tasksUrl());
    await page.getByTestId('view-board').click();
    await page.waitForURL(/view=board/);
    const cardEl = (id: string) => page.locator(`[data-testid=board-card][data-task-id="${id}"]`);
    await page.getByTestId('board-col-todo').locator(`[data-task-id="${card.id}"]`).waitFor();

    await cardEl(card.id).dragTo(page.getByTestId('board-col-in_progress'));
    await waitFor(async () => (await getTask(card.id)).status === 'in_progress');
    await page.getByTestId('board-col-in_progress').locator(`[data-task-id="${card.id}"]`).waitFor({ timeout: 1000 });

    await cardEl(other.id).getByLabel('Status of Pick the fonts').selectOption('done');
    await waitFor(async () => (await getTask(other.id)).status === 'done');
    await page.getByTestId('board-col-done').locator(`[data-task-id="${other.id}"]`).waitFor({ timeout: 1000 });

    // moved elsewhere (CLI), the card follows
    expect((await cli(['task', 'update', card.id, '--status', 'blocked'])).code).toBe(0);
    await page.getByTestId('board-col-blocked').locator(`[data-task-id="${card.id}"]`).waitFor({ timeout: 1000 });

    // the choice of view sticks: the Tasks link opens the board again
    await page.goto(tasksUrl());
    await waitLive(page);
    await page.getByTestId('task-board').waitFor();
    await page.getByTestId('view-tree').click();
    await page.getByTestId('task-tree').waitFor();
  });

  it('shows validation errors, the server\'s included, next to the field', async () => {
    const svc = server.svc;
    const first = svc.tasks.create({ projectId: server.project.id, title: 'Pour the foundation' });
    const second = svc.tasks.create({ projectId: server.project.id, title: 'Raise the walls', dependencies: [first.id] });
    await openPage(tasksUrl());
    await page.getByTestId('new-task').click();
    const dialog = page.getByTestId('new-task-dialog');
    await dialog.getByTestId('create-task-submit').click();
    expect(await dialog.getByRole('alert').first().textContent()).toMatch(/title/i);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    // a dependency cycle is refused by the server; the message lands on the dependencies field
    await page.goto(`${tasksUrl()}/${first.id}`);
    const panel = page.getByTestId('task-panel');
    await panel.getByRole('group', { name: 'Depends on' }).getByLabel('Raise the walls').check();
    await panel.getByTestId('task-save').click();
    const error = panel.locator('fieldset.has-error').getByRole('alert');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/cycle/i);
    expect((await getTask(first.id)).dependencies).toEqual([]);
    expect((await getTask(second.id)).dependencies).toEqual([first.id]);
  });
});

describe('editing a task an agent changes meanwhile', { timeout: 60_000 }, () => {
  it('does not overwrite the change unseen: the save is refused with a clear message, the edits are kept, a second save applies them', async () => {
    const task = server.svc.tasks.create({ projectId: server.project.id, title: 'Tune the cache', description: 'as planned' });
    await openPage(`${tasksUrl()}/${task.id}`);
    const panel = page.getByTestId('task-panel');
    await panel.getByLabel('Title').fill('Tune the cache (LRU)');
    // an agent changes the task while the person is typing
    server.svc.tasks.update(task.id, { description: 'agent: switched to LFU' });
    await waitFor(async () => (await panel.getByLabel('Description').inputValue()) === 'agent: switched to LFU', 5000, 'the live change in the panel');

    await panel.getByTestId('task-save').click();
    const alert = panel.locator('.error-text[role=alert]');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/changed this task while you were editing/);
    expect(await getTask(task.id)).toMatchObject({ title: 'Tune the cache', description: 'agent: switched to LFU', version: 2 });
    expect(await panel.getByLabel('Title').inputValue()).toBe('Tune the cache (LRU)');

    await panel.getByTestId('task-save').click();
    await waitFor(async () => (await getTask(task.id)).title === 'Tune the cache (LRU)', 5000, 'the second save');
    expect(await getTask(task.id)).toMatchObject({ description: 'agent: switched to LFU', version: 3 });
  });
});

describe('sessions', { timeout: 60_000 }, () => {
  it('lists sessions with role, strategy, status, current task and last report, updated live', async () => {
    const svc = server.svc;
    const task = svc.tasks.create({ projectId: server.project.id, title: 'Index the products table' });
    const { session } = await svc.spawn({ projectId: server.project.id, taskIds: [task.id], name: 'indexer', strategy: 'queue' });
    await openPage(`${server.url}/projects/${server.project.id}/sessions`);

    const r = page.locator(`[data-testid=session-row][data-session-id="${session.id}"]`);
    await r.waitFor();
    expect(await r.textContent()).toMatch(/indexer.*worker.*queue/is);
    expect(await r.getByTestId('queue-progress').textContent()).toBe('queue 0/1 done');

    svc.queue.start(session.id);
    svc.report(session.id, 'progress', 'EXPLAIN shows a sequential scan', task.id);
    await r.and(page.locator('[data-status=running]')).waitFor({ timeout: 1000 });
    await r.getByText('EXPLAIN shows a sequential scan').waitFor({ timeout: 1000 });
    await r.getByRole('link', { name: 'Index the products table' }).waitFor({ timeout: 1000 });

    svc.report(session.id, 'needs_input', 'Which tablespace?', task.id);
    await r.and(page.locator('[data-status=needs_input]')).waitFor({ timeout: 1000 });
    await page.getByTestId('nav-sessions').getByText('1').waitFor();

    svc.queue.complete(session.id);
    await r.getByTestId('queue-progress').getByText('queue 1/1 done').waitFor({ timeout: 1000 });
  });

  it('a session page shows its timeline, live', async () => {
    const svc = server.svc;
    const task = svc.tasks.create({ projectId: server.project.id, title: 'Tune the cache' });
    const { session } = await svc.spawn({ projectId: server.project.id, taskIds: [task.id], name: 'cache-tuner' });
    await openPage(`${server.url}/sessions/${session.id}`);
    await page.getByTestId('timeline').waitFor();
    expect(await page.locator('h1').textContent()).toContain('cache-tuner');
    await page.locator('[data-testid=timeline-event][data-kind=spawned]').waitFor();

    const report = await cli(['report', 'progress', 'Hit rate is up to 93%', '--session', session.id, '--task', task.id]);
    expect(report.code, report.stderr).toBe(0);
    const event = page.getByTestId('timeline-event').filter({ hasText: 'Hit rate is up to 93%' });
    await event.waitFor({ timeout: 1000 });
    expect(await event.getAttribute('data-kind')).toBe('progress');
    expect(await page.getByTestId('session-status').first().getAttribute('data-status')).toBe('running');
  });

  it('spawns a session for a task from the page', async () => {
    const task = server.svc.tasks.create({ projectId: server.project.id, title: 'Translate the checkout page', priority: 'high' });
    await openPage(`${server.url}/projects/${server.project.id}/tasks/${task.id}`);
    await page.getByTestId('panel-spawn').click();
    const dialog = page.getByTestId('spawn-dialog');
    expect(await dialog.getByLabel('Translate the checkout page').isChecked()).toBe(true);
    await dialog.getByLabel('Role').selectOption('worker');
    await dialog.getByLabel('Strategy').selectOption('queue');
    await dialog.getByLabel('Name (optional)').fill('translator');
    await dialog.getByTestId('spawn-submit').click();
    await page.waitForURL(/\/sessions\/ses_[^/]+$/);
    const sessionId = page.url().split('/').pop()!;

    const sessions = await api<Session[]>('GET', `/api/sessions?project=${server.project.id}`);
    expect(sessions.find((s) => s.id === sessionId)).toMatchObject({ name: 'translator', role: 'worker', strategy: 'queue', taskIds: [task.id] });
    expect(await page.locator('h1').textContent()).toContain('translator');
  });
});

describe('spawn form', { timeout: 60_000 }, () => {
  it('starts from a template, takes extra environment variables, and shows env errors (the server\'s too) next to the field', async () => {
    const svc = server.svc;
    const template = svc.templates.create({
      name: 'reviewer',
      role: 'orchestrator',
      strategy: 'queue',
      agentCommand: 'review-bot --strict',
      description: 'Reviews what the workers did.',
    });
    const task = svc.tasks.create({ projectId: server.project.id, title: 'Review the payment module' });
    const spawnedFromTemplate = () => svc.sessions.list({ projectId: server.project.id }).filter((x) => x.templateId === template.id);
    await openPage(`${server.url}/projects/${server.project.id}/tasks/${task.id}`);
    await page.getByTestId('panel-spawn').click();
    const dialog = page.getByTestId('spawn-dialog');

    // picking the template fills role, strategy and agent command, and says what it is
    await dialog.getByLabel('Template').selectOption({ label: 'reviewer' });
    expect(await dialog.getByLabel('Role').inputValue()).toBe('orchestrator');
    expect(await dialog.getByLabel('Strategy').inputValue()).toBe('queue');
    expect(await dialog.getByLabel('Agent command (optional)').inputValue()).toBe('review-bot --strict');
    await dialog.getByText('Reviews what the workers did.').waitFor();

    // a bad name is refused by the page, next to the field, before anything is sent
    const env = dialog.getByLabel('Environment (optional)');
    const envError = dialog.locator('.field.has-error:has(#sp-env)').getByRole('alert');
    await env.fill('REVIEW_DEPTH=3\n1BAD=x');
    await dialog.getByTestId('spawn-submit').click();
    expect(await envError.textContent()).toMatch(/^Line 2: “1BAD” is not a valid name: environment variable names are letters, digits and _/);
    expect(await env.getAttribute('aria-invalid')).toBe('true');
    await env.fill('REVIEW_DEPTH=3\nNO_EQUALS_SIGN');
    await dialog.getByTestId('spawn-submit').click();
    expect(await envError.textContent()).toBe('Line 2: write KEY=VALUE.');
    expect(spawnedFromTemplate()).toEqual([]);

    // the server checks names by the same rule; its error lands on the field too (page check bypassed here)
    await page.route('**/api/sessions', async (route) => {
      const request = route.request();
      if (request.method() !== 'POST') return route.continue();
      await route.continue({ postData: JSON.stringify({ ...request.postDataJSON(), env: { 'BAD-NAME': 'x' } }) });
    });
    await env.fill('REVIEW_DEPTH=3');
    await dialog.getByTestId('spawn-submit').click();
    await envError.filter({ hasText: 'env.BAD-NAME' }).waitFor();
    expect(await envError.textContent()).toBe('invalid input: env.BAD-NAME: environment variable names are letters, digits and _');
    expect(spawnedFromTemplate()).toEqual([]);
    await page.unroute('**/api/sessions');

    await env.fill('REVIEW_DEPTH=3\n# comments and blank lines are skipped\n\nGREETING=hello = world');
    await dialog.getByTestId('spawn-submit').click();
    await page.waitForURL(/\/sessions\/ses_[^/]+$/);
    const sessionId = page.url().split('/').pop()!;
    const sessions = await api<Session[]>('GET', `/api/sessions?project=${server.project.id}`);
    expect(sessions.find((x) => x.id === sessionId)).toMatchObject({
      role: 'orchestrator',
      strategy: 'queue',
      templateId: template.id,
      agentCommand: 'review-bot --strict',
      taskIds: [task.id],
      env: { REVIEW_DEPTH: '3', GREETING: 'hello = world' },
    });
  });

  it('fits a 1280×800 screen: the Spawn button shows without scrolling, a template picked', async () => {
    server.svc.templates.create({
      name: 'fits-test',
      skills: ['testing', 'deploy'],
      description: 'A template with a description long enough to wrap its hint over a few lines in the dialog, as real ones do.',
    });
    for (let i = 0; i < 12; i++) server.svc.tasks.create({ projectId: server.project.id, title: `Filler task ${i}` });
    const task = server.svc.tasks.create({ projectId: server.project.id, title: 'Measure the dialog' });
    await openPage(`${server.url}/projects/${server.project.id}/tasks/${task.id}`, { width: 1280, height: 800 });
    await page.getByTestId('panel-spawn').click();
    const dialog = page.getByTestId('spawn-dialog');
    await dialog.getByLabel('Template').selectOption({ label: 'fits-test' });
    await dialog.getByText('A template with a description long enough').waitFor();
    const fit = await dialog.evaluate((d) => {
      const button = d.querySelector('[data-testid=spawn-submit]')!.getBoundingClientRect();
      return { scrollTop: d.scrollTop, hidden: d.scrollHeight - d.clientHeight, top: button.top, bottom: button.bottom, dialogBottom: d.getBoundingClientRect().bottom };
    });
    expect(fit.scrollTop).toBe(0);
    expect(fit.hidden).toBeLessThanOrEqual(0);
    expect(fit.top).toBeGreaterThanOrEqual(0);
    expect(fit.bottom).toBeLessThanOrEqual(Math.min(800, fit.dialogBottom));
  });

  it('has no template picker when there is no template', async () => {
    for (const t of server.svc.templates.list()) server.svc.templates.delete(t.id);
    const task = server.svc.tasks.create({ projectId: server.project.id, title: 'Tidy the changelog' });
    await openPage(`${server.url}/projects/${server.project.id}/tasks/${task.id}`);
    await page.getByTestId('panel-spawn').click();
    const dialog = page.getByTestId('spawn-dialog');
    await dialog.getByLabel('Environment (optional)').waitFor();
    await page.waitForTimeout(200);
    expect(await dialog.getByLabel('Template').count()).toBe(0);
  });
});

describe('navigation', { timeout: 60_000 }, () => {
  it('the command palette (Ctrl+K) jumps to a task or session and runs actions', async () => {
    const task = server.svc.tasks.create({ projectId: server.project.id, title: 'Rotate the signing keys' });
    await openPage(tasksUrl());

    await page.keyboard.press('Control+k');
    const input = page.getByTestId('palette-input');
    await input.waitFor();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('palette-input');
    await input.fill('signing keys');
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/tasks/${task.id}$`));
    await page.getByTestId('task-panel').getByRole('heading', { name: 'Rotate the signing keys' }).waitFor();

    await page.keyboard.press('Control+k');
    await input.fill('new task');
    await page.keyboard.press('Enter');
    await page.getByTestId('new-task-dialog').getByLabel('Title').waitFor();
    await page.keyboard.press('Escape');

    await page.getByTestId('palette-button').click();
    await input.fill('go to sessions');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/sessions$/);
  });

  it('creates a project from the form and switches between projects', async () => {
    await openPage(`${server.url}/projects`);
    await page.getByTestId('new-project').click();
    const dialog = page.getByTestId('new-project-dialog');
    await dialog.getByLabel('Name').fill('docs-site');
    await dialog.getByLabel('Working directory').fill(server.workdir);
    await dialog.getByTestId('create-project-submit').click();
    await page.waitForURL(/\/projects\/prj_[^/]+\/tasks$/);
    await page.getByTestId('tasks-empty').waitFor();
    const projects = await api<Array<{ id: string; name: string }>>('GET', '/api/projects');
    const docs = projects.find((p) => p.name === 'docs-site')!;
    expect(page.url()).toContain(docs.id);

    // a task created elsewhere in the other project does not show here
    server.svc.tasks.create({ projectId: server.project.id, title: 'Only in webshop' });
    await page.waitForTimeout(300);
    expect(await page.getByText('Only in webshop').count()).toBe(0);

    await page.getByLabel('Project').selectOption(server.project.id);
    await page.waitForURL(new RegExp(`/projects/${server.project.id}/tasks$`));
    await page.getByTestId('task-tree').waitFor();
    await scrollTasksToEnd();
    await page.getByText('Only in webshop').waitFor();
  });

  it('reconnects after the server restarts and catches up on what it missed', async () => {
    await openPage(tasksUrl());
    const restarted = server.restart(1000);
    await page.locator('[data-testid=conn][data-state=offline]').waitFor({ timeout: 5000 });
    await restarted;
    // made while the page was disconnected (no event reached it)
    const missed = server.svc.tasks.create({ projectId: server.project.id, title: 'Made while the page was offline' });
    await waitLive(page, 15_000);
    await scrollTasksToEnd();
    await row(missed.id).waitFor({ timeout: 5000 });
    // and live again
    const after = (await cli(['task', 'create', 'Made after the restart', '--project', 'webshop'])).json<Task>();
    await row(after.id).waitFor({ timeout: 1000 });
  });
});

describe('library', { timeout: 60_000 }, () => {
  const templateRow = (name: string) => page.getByTestId('template-row').filter({ has: page.getByRole('heading', { name, exact: true }) });
  const templates = () => api<Template[]>('GET', '/api/templates');

  it('lists templates, live, creates one from the form (errors next to the field) and deletes one after confirmation', async () => {
    server.svc.templates.create({ name: 'librarian', role: 'orchestrator', strategy: 'queue', agentCommand: 'claude --verbose', skills: ['testing'], description: 'Keeps the docs in order.' });
    await openPage(tasksUrl());
    await page.getByTestId('nav-library').click();
    await page.waitForURL(/\/library$/);
    await page.getByRole('heading', { name: 'Library', level: 1 }).waitFor();
    expect(await templateRow('librarian').textContent()).toMatch(/librarian.*orchestrator.*queue.*Keeps the docs in order\..*claude --verbose.*testing/is);

    // made and removed elsewhere: the list follows within a second
    const made = await cli(['template', 'create', 'from-cli', '--strategy', 'queue']);
    expect(made.code, made.stderr).toBe(0);
    await templateRow('from-cli').waitFor({ timeout: 1000 });
    expect((await cli(['template', 'delete', 'from-cli'])).code).toBe(0);
    await templateRow('from-cli').waitFor({ state: 'detached', timeout: 1000 });

    // the form: the page's check, then the server's, each next to its field
    await page.getByTestId('new-template').click();
    const dialog = page.getByTestId('new-template-dialog');
    const fieldError = (id: string) => dialog.locator(`.field.has-error:has(#${id})`).getByRole('alert');
    await dialog.getByTestId('create-template-submit').click();
    expect(await fieldError('tp-name').textContent()).toBe('Give the template a name.');
    await dialog.getByLabel('Name', { exact: true }).fill('not a name!');
    await dialog.getByTestId('create-template-submit').click();
    await fieldError('tp-name').filter({ hasText: 'template names are letters' }).waitFor();
    await dialog.getByLabel('Name', { exact: true }).fill('librarian');
    await dialog.getByTestId('create-template-submit').click();
    await fieldError('tp-name').filter({ hasText: "a template named 'librarian' already exists" }).waitFor();
    await dialog.getByLabel('Name', { exact: true }).fill('docs-writer');
    await dialog.getByLabel('Skills (optional)').fill('testing, no/slashes');
    await dialog.getByTestId('create-template-submit').click();
    await fieldError('tp-skills').filter({ hasText: 'skill names are letters' }).waitFor();
    expect((await templates()).map((t) => t.name)).not.toContain('docs-writer');

    await dialog.getByLabel('Skills (optional)').fill('testing deploy');
    await dialog.getByLabel('Role').selectOption('orchestrator');
    await dialog.getByLabel('Strategy').selectOption('queue');
    await dialog.getByLabel('Agent command (optional)').fill('claude --model opus');
    await dialog.getByLabel('Description (optional)').fill('Writes the docs.');
    await dialog.getByTestId('create-template-submit').click();
    await dialog.waitFor({ state: 'hidden' });
    await templateRow('docs-writer').waitFor();
    expect((await templates()).find((t) => t.name === 'docs-writer')).toMatchObject({
      role: 'orchestrator',
      strategy: 'queue',
      agentCommand: 'claude --model opus',
      skills: ['testing', 'deploy'],
      description: 'Writes the docs.',
    });

    // delete: nothing happens unless confirmed
    page.once('dialog', (d) => void d.dismiss());
    await page.getByRole('button', { name: 'Delete template docs-writer' }).click();
    await page.waitForTimeout(200);
    expect((await templates()).map((t) => t.name)).toContain('docs-writer');
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete template docs-writer' }).click();
    await templateRow('docs-writer').waitFor({ state: 'detached' });
    expect((await templates()).map((t) => t.name)).not.toContain('docs-writer');

    // the command palette knows the page and the form
    await page.goto(tasksUrl());
    await waitLive(page);
    await page.keyboard.press('Control+k');
    await page.getByTestId('palette-input').fill('go to library');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/library$/);
    await page.keyboard.press('Control+k');
    await page.getByTestId('palette-input').fill('new template');
    await page.keyboard.press('Enter');
    await dialog.getByLabel('Name', { exact: true }).waitFor();
  });

  it("lists the project's skills and shows one as text, never as HTML", async () => {
    writeSkill('global', 'testing', '---\ndescription: How we test\n---\n# Testing\nRun vitest.\n');
    writeSkill('global', 'deploy', '# Deploy\nThe global way.\n');
    writeSkill('project', 'deploy', '---\ndescription: Deploying the webshop\n---\n# Deploy\n<img src=x onerror="window.__injected=1"><script>window.__injected=2</script>\n**Staging first.**\n');
    await openPage(`${server.url}/library`);
    const skill = (name: string) => page.locator(`[data-testid=skill-row][data-skill="${name}"]`);
    await skill('deploy').waitFor();
    expect(await skill('testing').textContent()).toMatch(/testing\s*global\s*How we test/);
    expect(await skill('deploy').textContent()).toMatch(/deploy\s*project\s*Deploying the webshop/);

    await skill('deploy').getByRole('link', { name: 'deploy' }).click();
    await page.waitForURL(/\/library\/skills\/deploy$/);
    const content = page.getByTestId('skill-content');
    await content.waitFor();
    expect(await content.textContent()).toContain('<img src=x onerror="window.__injected=1"><script>window.__injected=2</script>\n**Staging first.**');
    expect(await content.locator('img, script').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __injected?: number }).__injected)).toBeUndefined();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toMatch(/deploy\s*project/);

    await page.goto(`${server.url}/library/skills/nope`);
    await page.getByText('There is no skill nope here.').waitFor();
  });
});

describe('accessibility basics', { timeout: 90_000 }, () => {
  const pages = () => [
    `${server.url}/projects/${server.project.id}/tasks`,
    `${server.url}/projects/${server.project.id}/tasks?view=board`,
    `${server.url}/projects/${server.project.id}/sessions`,
    `${server.url}/projects`,
    `${server.url}/library`,
    `${server.url}/library/skills/a11y`,
  ];

  for (const viewport of [
    { width: 1280, height: 800 },
    { width: 390, height: 844 },
  ])
    it(`every control is labelled and nothing scrolls sideways at ${viewport.width}×${viewport.height}`, async () => {
      writeSkill('project', 'a11y', `# A skill\n${'A line long enough to wrap on a phone, and a path: /home/someone/src/webshop/.maestro/skills/a11y/SKILL.md '.repeat(3)}\n`);
      if (!server.svc.templates.list().length) server.svc.templates.create({ name: 'a11y', skills: ['a11y'], description: 'For the accessibility check.' });
      const task = server.svc.tasks.list({ projectId: server.project.id })[0]!;
      const session = server.svc.sessions.list({ projectId: server.project.id })[0]!;
      const urls = [...pages(), `${server.url}/projects/${server.project.id}/tasks/${task.id}`, `${server.url}/sessions/${session.id}`];
      await openPage(urls[0]!, viewport);
      for (const url of urls) {
        await page.goto(url);
        await waitLive(page);
        await page.locator('h1, [data-testid=task-panel]').first().waitFor();
        await page.waitForTimeout(150);
        expect(await unlabelledControls(page), url).toEqual([]);
        expect(await horizontalOverflow(page), url).toBeLessThanOrEqual(0);
      }
      // dialogs too
      await page.goto(urls[0]!);
      await waitLive(page);
      await page.getByTestId('new-task').click();
      await page.getByTestId('new-task-dialog').getByLabel('Title').waitFor();
      expect(await unlabelledControls(page)).toEqual([]);
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+k');
      await page.getByTestId('palette-input').waitFor();
      expect(await unlabelledControls(page)).toEqual([]);
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
      await page.keyboard.press('Escape');
      await page.goto(`${server.url}/library`);
      await waitLive(page);
      await page.getByTestId('new-template').click();
      await page.getByTestId('new-template-dialog').getByLabel('Name', { exact: true }).waitFor();
      expect(await unlabelledControls(page)).toEqual([]);
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
      // and the sign-in screen (no cookie)
      await context!.clearCookies();
      await page.goto(urls[0]!);
      await page.getByTestId('sign-in').waitFor();
      expect(await unlabelledControls(page)).toEqual([]);
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    });
});
