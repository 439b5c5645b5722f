/**
 * The session page's Changes tab in a real browser (Debian's chromium through playwright-core) against a
 * real server and a real git repository: two sessions spawned with their own worktree, changed from here
 * with fs and git (a commit, an uncommitted edit, a new file; the second session's commit conflicts with
 * the first's). The tab lists the worktree's files with the changed ones marked, shows the diff side by
 * side (diff2html) and an unchanged file read-only, merges the first session from the page (main moves),
 * names the conflicting file in the second session's merge check, follows the merge queue live, and
 * cleans up a worktree.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MergeQueueEntry, Project, Session, SessionInfo, SpawnResult } from '../src/core/types.js';
import { waitFor } from './helpers.js';
import { api, horizontalOverflow, openPage, page, server, unlabelledControls, useWebSuite } from './web-support.js';
import { commitFile, git, makeRepo, revParse, writeFiles } from './worktree-support.js';

useWebSuite();

let tmp: string;
let repo: string;
let project: Project;
/** alpha: a commit, an uncommitted edit and a new file; beta: a commit that conflicts with alpha's. */
let alpha: Session;
let beta: Session;
/** delta: only an uncommitted new file. */
let delta: Session;

const getSession = async (id: string) => (await api<SessionInfo>('GET', `/api/sessions/${id}`)).session;
const spawn = async (name: string, worktree: boolean) =>
  (await api<SpawnResult>('POST', '/api/sessions', { project: project.id, name, worktree })).session;
const changesUrl = (s: Session) => `${server.url}/sessions/${s.id}/changes`;
const treeFile = (path: string) => page.locator(`[data-testid=tree-file][data-path="${path}"]`);
const mergeCheck = () => page.getByTestId('merge-check');

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'maestro-changes-'));
  repo = makeRepo(tmp, 'shop', {
    'README.md': '# Shop\n',
    'src/price.txt': 'price: 10\ncurrency: EUR\n',
    'src/cart.js': 'export const total = (items) => items.length;\n',
    'docs/guide.md': '# Guide\n\nHow to shop: pick, pay, wait.\n',
  });
  project = await api<Project>('POST', '/api/projects', { name: 'changes-shop', workingDir: repo });
  const spawned = [await spawn('alpha', true), await spawn('beta', true), await spawn('delta', true)];
  [alpha, beta, delta] = await Promise.all(spawned.map((s) => waitFor(async () => ((await getSession(s.id)).worktreePath ? getSession(s.id) : null))));

  const a = alpha.worktreePath!;
  commitFile(a, 'src/price.txt', 'price: 12\ncurrency: EUR\n', 'raise the price');
  writeFiles(a, { 'src/cart.js': 'export const total = (items) => items.reduce((n, i) => n + i.qty, 0);\n', 'notes/todo.txt': 'ship the cart\n' });
  commitFile(beta.worktreePath!, 'src/price.txt', 'price: 9\ncurrency: EUR\n', 'lower the price');
  writeFiles(delta.worktreePath!, { 'CHANGELOG.md': '# Changes\n\n- delta was here\n' });
}, 30_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('changes tab', { timeout: 40_000 }, () => {
  it('lists the worktree files with the changed ones marked, shows their diff side by side and a file read-only', async () => {
    await openPage(`${server.url}/sessions/${alpha.id}`);
    await page.getByTestId('tab-changes').click();
    await page.waitForURL(/\/changes$/);
    await treeFile('README.md').waitFor();

    expect(await page.getByTestId('changes-branch').textContent()).toBe(alpha.branch);
    await page.getByTestId('changes-ahead').getByText('1 ahead').waitFor();
    expect(await page.getByTestId('changes-dirty').textContent()).toMatch(/^[12] uncommitted$/);

    for (const path of ['src/price.txt', 'src/cart.js', 'notes/todo.txt']) await treeFile(path).and(page.locator('[data-changed=true]')).waitFor();
    for (const path of ['README.md', 'docs/guide.md']) expect(await treeFile(path).getAttribute('data-changed')).toBe('false');
    expect(await treeFile('src/price.txt').textContent()).toContain('+1 −1');

    // all changes, side by side, then one file's
    const diff = page.getByTestId('diff-html');
    await diff.locator('.d2h-file-side-diff').first().waitFor();
    expect(await diff.locator('.d2h-ins').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('ship the cart')]));
    if (process.env.CHANGES_SCREENSHOT) await page.screenshot({ path: process.env.CHANGES_SCREENSHOT, fullPage: true });
    await treeFile('src/price.txt').click();
    await page.locator('[data-testid=diff-view][data-path="src/price.txt"]').waitFor();
    expect(await diff.locator('.d2h-file-wrapper').count()).toBe(1);
    const sides = diff.locator('.d2h-file-side-diff');
    expect(await sides.nth(0).textContent()).toContain('price: 10');
    expect(await sides.nth(1).textContent()).toContain('price: 12');

    // the filter narrows the tree; a folder folds
    await page.getByTestId('file-filter').fill('guide');
    await treeFile('src/price.txt').waitFor({ state: 'detached' });
    expect(await page.getByTestId('tree-file').count()).toBe(1);
    await page.getByTestId('file-filter').fill('');
    await page.locator('[data-testid=tree-dir][data-path=src]').click();
    await treeFile('src/cart.js').waitFor({ state: 'detached' });
    await page.locator('[data-testid=tree-dir][data-path=src]').click();

    // live: a new file and a report of the session show without a reload
    writeFiles(alpha.worktreePath!, { 'notes/later.txt': 'later\n' });
    server.svc.report(alpha.id, 'progress', 'wrote more notes');
    await treeFile('notes/later.txt').waitFor({ timeout: 10_000 });

    // an unchanged file, read-only with line numbers
    await treeFile('docs/guide.md').click();
    const view = page.locator('[data-testid=file-view][data-path="docs/guide.md"]');
    await view.getByTestId('file-content').waitFor();
    expect(await view.getByTestId('file-content').textContent()).toBe('# Guide\n\nHow to shop: pick, pay, wait.');
    expect(await view.locator('.file-gutter').textContent()).toBe('1\n2\n3\n');

    // a changed one, as it is now and at the base
    await treeFile('src/price.txt').click();
    await page.getByTestId('view-file').click();
    const price = page.locator('[data-testid=file-view][data-path="src/price.txt"]').getByTestId('file-content');
    await price.getByText('price: 12').waitFor();
    await page.getByTestId('file-base-toggle').check();
    await price.getByText('price: 10').waitFor();

    expect(await unlabelledControls(page)).toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await horizontalOverflow(page)).toBe(0);
  });

  it('merges the first session from the page once its uncommitted changes are committed: main moves', async () => {
    const before = revParse(repo, 'main');
    await openPage(changesUrl(alpha));
    await page.locator('[data-testid=merge-check][data-refusal=dirty_source]').waitFor();
    expect(await mergeCheck().textContent()).toContain('src/cart.js');
    expect(await page.getByTestId('merge-submit').isDisabled()).toBe(true);

    await page.getByTestId('merge-commit-first').check();
    await page.locator('[data-testid=merge-check][data-state=ok]').waitFor();
    await page.getByTestId('merge-submit').click();
    const result = page.locator('[data-testid=merge-result][data-ok=true]');
    await result.waitFor({ timeout: 15_000 });

    const after = revParse(repo, 'main');
    expect(after).not.toBe(before);
    expect(await result.getAttribute('data-commit')).toBe(after);
    expect(git(repo, 'show', 'main:src/price.txt')).toBe('price: 12\ncurrency: EUR');
    expect(git(repo, 'show', 'main:notes/todo.txt')).toBe('ship the cart');
    await page.getByTestId('changes-merged').waitFor();
    expect((await getSession(alpha.id)).mergeCommit).toBe(after);
  });

  it("names the conflicting file in the second session's merge check, and follows the merge queue live", async () => {
    await openPage(changesUrl(beta));
    await page.locator('[data-testid=merge-check][data-refusal=conflict]').waitFor();
    expect(await mergeCheck().textContent()).toMatch(/Conflicts in: .*src\/price\.txt/);
    expect(await page.getByTestId('merge-submit').isDisabled()).toBe(true);

    // the merge queue, live: an entry added through the API appears, and its outcome follows
    await page.getByTestId('merge-queue').getByTestId('merge-queue-add').waitFor();
    const [added] = await api<MergeQueueEntry[]>('POST', '/api/merge-queue', { sessionIds: [beta.id] });
    const entry = page.locator(`[data-testid=merge-queue-entry][data-session-id="${beta.id}"]`);
    await entry.waitFor({ timeout: 3000 });
    expect(await entry.textContent()).toContain('beta');

    // the runner takes it on and it ends (beta conflicts with what alpha landed): the page follows
    const done = await waitFor(async () => {
      const list = await api<MergeQueueEntry[]>('GET', `/api/merge-queue?project=${project.id}`);
      const e = list.find((x) => x.id === added!.id);
      return e && e.status !== 'queued' && e.status !== 'running' ? e : null;
    }, 20_000);
    await page.locator(`[data-testid=merge-queue-entry][data-session-id="${beta.id}"][data-status=${done.status}]`).waitFor({ timeout: 3000 });
    if (done.reason) expect(await entry.textContent()).toContain(done.reason);
  });

  it('merges work that is all uncommitted when asked to commit it first', async () => {
    await openPage(changesUrl(delta));
    await page.locator('[data-testid=merge-check][data-refusal=dirty_source]').waitFor();
    await page.getByTestId('merge-commit-first').check();
    await page.locator('[data-testid=merge-check][data-state=ok]').waitFor();
    await page.getByTestId('merge-submit').click();
    await page.locator('[data-testid=merge-result][data-ok=true]').waitFor({ timeout: 15_000 });
    expect(git(repo, 'show', 'main:CHANGELOG.md')).toBe('# Changes\n\n- delta was here');
  });

  it('cleans up a worktree: refused while the session is live, then the directory is gone', async () => {
    const dir = alpha.worktreePath!;
    expect(existsSync(dir)).toBe(true);
    await openPage(changesUrl(alpha));
    await page.getByTestId('cleanup-start').click();
    await page.getByTestId('cleanup-confirm-button').click();
    await page.locator('[data-testid=cleanup-result][data-ok=false]').waitFor();
    expect(await page.getByTestId('cleanup-result').textContent()).toMatch(/stop it first/);
    expect(existsSync(dir)).toBe(true);

    // the question stays open after a refusal: stop the session, then confirm again
    await api('POST', `/api/sessions/${alpha.id}/stop`, {});
    await page.getByTestId('cleanup-confirm-button').click();
    await page.locator('[data-testid=cleanup-result][data-ok=true]').waitFor({ timeout: 10_000 });
    expect(existsSync(dir)).toBe(false);
    await page.getByTestId('changes-removed').waitFor();
  });

  it('says so for a session that works in the project directory', async () => {
    const plain = await spawn('gamma', false);
    await openPage(changesUrl(plain));
    const none = page.getByTestId('changes-none');
    await none.waitFor();
    expect(await none.textContent()).toMatch(/works in the project directory.*--worktree/);
  });
});
