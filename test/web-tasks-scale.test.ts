/**
 * The dashboard at 100,000 tasks, in a real browser against a real server (issue 13): the task list
 * loads pages as it scrolls and renders only the rows in view, a jump far down (the end, the middle)
 * loads only the rows there by their position, the tree loads a task's subtasks when it is expanded,
 * the board pages each column (and jumps in it as the list does), the search is the server's, and live
 * changes show in the loaded rows. What the page fetched is counted from the responses of /api/tasks it received.
 */
import type { BrowserContext, Page, Response } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/core/task-import.js';
import type { Task } from '../src/core/types.js';
import { listKey, matchesQuery, type TaskList, type TaskQuery, type TaskWindow } from '../web/src/state/taskQuery.js';
import { absorbWindow, landWindow, planWindow } from '../web/src/state/taskWindow.js';
import { buildRows } from '../web/src/views/taskRows.js';
import { api, openPage, page, server, useWebSuite } from './web-support.js';

useWebSuite();

/** Top-level tasks "Task 00000" … "Task 99989" in creation order, then the subtasks of "Task 00001". */
const TOP = 99_990;
const SUBTASKS = 10;
const name = (i: number) => `Task ${String(i).padStart(5, '0')}`;

beforeAll(() => {
  const rows: object[] = [];
  for (let i = 0; i < TOP; i++) rows.push({ key: `t${i}`, title: name(i), status: i % 10 === 9 ? 'done' : 'todo' });
  for (let i = 0; i < SUBTASKS; i++) rows.push({ key: `s${i}`, title: `Subtask ${i} of one`, parent: 't1' });
  const started = Date.now();
  const result = server.svc.importer.run(server.project.id, rowsOf(rows));
  expect(result.created).toBe(TOP + SUBTASKS);
  console.log(`seeded ${TOP + SUBTASKS} tasks in ${Date.now() - started} ms`);
}, 120_000);

/** Every /api/tasks list response the page received: the query and how many tasks it carried. */
interface Fetched {
  query: URLSearchParams;
  tasks: number;
}

/** Opens the dashboard at `path`, counting every task list it fetches from its first request on. */
async function openCounting(path: string): Promise<Fetched[]> {
  const seen: Fetched[] = [];
  const watch = (ctx: BrowserContext) =>
    ctx.on('response', (res: Response) => {
      const url = new URL(res.url());
      if (url.pathname !== '/api/tasks' || res.request().method() !== 'GET' || !res.ok()) return;
      // A body still arriving when the test closes its page cannot be read any more: that one is not counted.
      res.json().then(
        (body: { tasks: Task[] }) => seen.push({ query: url.searchParams, tasks: body.tasks.length }),
        () => undefined,
      );
    });
  await openPage(`${server.url}/projects/${server.project.id}/tasks${path}`, undefined, { prepare: async (ctx) => watch(ctx) });
  return seen;
}

const fetchedTasks = (seen: Fetched[]) => seen.reduce((n, f) => n + f.tasks, 0);
/** The pages of lists, not the counts (the page counts with `limit=1&total=true`, one task each). */
const listPages = (seen: Fetched[]) => seen.filter((f) => f.query.get('limit') !== '1');
const rows = () => page.locator('[data-testid=task-row]');
const rowTitled = (title: string) => page.locator('[data-testid=task-row]', { has: page.getByRole('link', { name: title, exact: true }) });
const scroller = () => page.getByTestId('task-tree-scroller');

async function heapUsedMb(p: Page): Promise<number> {
  const cdp = await p.context().newCDPSession(p);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  await cdp.detach();
  return (metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0) / 1024 / 1024;
}

describe('the task list of a 100,000-task project', { timeout: 60_000 }, () => {
  it('shows the first rows at once, fetches and renders only a few, and loads more pages as it scrolls', async () => {
    const started = Date.now();
    const seen = await openCounting('?view=tree');
    await rowTitled(name(0)).waitFor({ timeout: 10_000 });
    const firstRowsMs = Date.now() - started;
    // Since the page's navigation started (the sign-in trades the link's token in the same document).
    const sinceNavigationMs = await page.evaluate(() => Math.round(performance.now()));
    // (a page is counted once its body is handed over, a round trip after its rows can show: polled)
    await expect.poll(() => fetchedTasks(seen)).toBeGreaterThan(0);
    const atOpen = fetchedTasks(seen);
    expect(atOpen).toBeLessThan(1000);
    // The counts are the server's, not the loaded rows'.
    await page.getByTestId('task-count').filter({ hasText: '100,000 tasks' }).waitFor();
    expect(await page.getByTestId('filter-done').textContent()).toContain('9,999');

    const rendered = await rows().count();
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(200);
    // The scrollbar is the whole list's: one row height for every top-level task.
    const rowHeight = await rows().first().evaluate((el) => (el as HTMLElement).offsetHeight);
    expect(await scroller().evaluate((el) => el.scrollHeight)).toBeGreaterThan(rowHeight * (TOP - 1));
    const heapMb = await heapUsedMb(page);

    // Scrolled on to row 1,500 (within two pages of the loaded ones): the pages up to it load, and only the rows around it are rendered.
    await scroller().evaluate((el, top) => el.scrollTo(0, top), 1500 * rowHeight);
    await rowTitled(name(1500)).waitFor({ timeout: 15_000 });
    await rowTitled(name(1501)).waitFor();
    await expect.poll(() => fetchedTasks(seen)).toBeGreaterThan(1500);
    const afterScroll = fetchedTasks(seen);
    expect(afterScroll).toBeLessThan(4000);
    expect(seen.some((f) => f.query.has('offset'))).toBe(false);
    expect(await rows().count()).toBeLessThan(200);
    expect(await page.getByTestId('task-placeholder').count()).toBe(0);
    const heapAfterScrollMb = await heapUsedMb(page);
    // Each request a page of at most the server's maximum, in a row after the previous one.
    expect(seen.every((f) => f.tasks <= 1000)).toBe(true);

    console.log(
      `100k tasks: first rows after ${firstRowsMs} ms from opening the browser context (${sinceNavigationMs} ms after navigation start), ${atOpen} tasks fetched, ${rendered} rows rendered, JS heap ${heapMb.toFixed(1)} MB; ` +
        `to row 1,500: ${afterScroll} tasks fetched in ${seen.length} requests, JS heap ${heapAfterScrollMb.toFixed(1)} MB`,
    );
  });

  it('jumps to the end and to the middle loading only the rows there, each at its position', async () => {
    const seen = await openCounting('?view=tree');
    await rowTitled(name(0)).waitFor({ timeout: 10_000 });
    const rowHeight = await rows().first().evaluate((el) => (el as HTMLElement).offsetHeight);
    /** The rows rendered: their position (1-based) and title, each task once. */
    const shown = async () => {
      const all = await rows().evaluateAll((els) =>
        els.map((el) => ({ at: Number(el.getAttribute('aria-posinset')), id: el.getAttribute('data-task-id'), title: el.querySelector('a')?.textContent ?? '' })),
      );
      expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
      return all;
    };
    const inOrder = async () => {
      const all = await shown();
      expect(all.length).toBeGreaterThan(5);
      for (const r of all) expect(r.title, `row ${r.at}`).toBe(name(r.at - 1));
    };

    // To the end: the last top-level task (its subtasks are under "Task 00001"), after a few hundred tasks fetched, not 100,000.
    const beforeEnd = seen.length;
    const started = Date.now();
    await scroller().evaluate((el) => el.scrollTo(0, el.scrollHeight));
    const last = rowTitled(name(TOP - 1));
    await last.waitFor({ timeout: 10_000 });
    const toEndMs = Date.now() - started;
    expect(await last.getAttribute('aria-posinset')).toBe(String(TOP));
    expect(await last.getAttribute('aria-setsize')).toBe(String(TOP));
    await page.waitForFunction(() => !document.querySelector('[data-testid=task-tree] .placeholder'));
    const toEnd = seen.slice(beforeEnd);
    expect(fetchedTasks(toEnd)).toBeLessThan(5000);
    expect(toEnd.some((f) => f.query.has('offset'))).toBe(true);
    await inOrder();
    expect((await shown()).at(-1)!.title).toBe(name(TOP - 1));

    // To the middle: the task at that position, with its neighbours.
    const mid = 54_321;
    const beforeMid = seen.length;
    await scroller().evaluate((el, top) => el.scrollTo(0, top), mid * rowHeight);
    const middle = rowTitled(name(mid));
    await middle.waitFor({ timeout: 10_000 });
    expect(await middle.getAttribute('aria-posinset')).toBe(String(mid + 1));
    await page.waitForFunction(() => !document.querySelector('[data-testid=task-tree] .placeholder'));
    await inOrder();
    expect(fetchedTasks(seen.slice(beforeMid))).toBeLessThan(2000);

    // Scrolling on from there, up and down, reads on from the rows loaded there: still each task at its position, once.
    for (const at of [mid - 400, mid + 700]) {
      await scroller().evaluate((el, top) => el.scrollTo(0, top), at * rowHeight);
      await rowTitled(name(at)).waitFor({ timeout: 10_000 });
      await page.waitForFunction(() => !document.querySelector('[data-testid=task-tree] .placeholder'));
      await inOrder();
    }
    // A live change shows in a row loaded at its position.
    const id = (await rowTitled(name(mid + 700)).getAttribute('data-task-id'))!;
    await api('PATCH', `/api/tasks/${id}`, { priority: 'critical' });
    await page.waitForFunction((taskId) => (document.querySelector(`[data-task-id="${taskId}"] [data-testid=task-priority]`) as HTMLSelectElement | null)?.value === 'critical', id);
    await api('PATCH', `/api/tasks/${id}`, { priority: 'medium' });
    const total = fetchedTasks(seen);
    expect(total).toBeLessThan(5000);
    console.log(`100k tasks: to the end in ${toEndMs} ms, ${fetchedTasks(toEnd)} tasks fetched in ${toEnd.length} requests; ${total} tasks fetched in all after the end, the middle and around it`);
  });

  it('expands a task lazily: its subtasks are fetched only when it is expanded', async () => {
    const seen = await openCounting('?view=tree');
    const parent = rowTitled(name(1));
    await parent.waitFor({ timeout: 10_000 });
    const parentId = (await parent.getAttribute('data-task-id'))!;
    const childPages = () => seen.filter((f) => f.query.get('parent') === parentId);
    expect(childPages()).toEqual([]);
    expect(await rows().filter({ hasText: 'Subtask 0 of one' }).count()).toBe(0);

    await parent.getByTestId('task-expand').click();
    await page.locator(`[data-testid=task-row][data-parent-id="${parentId}"]`, { hasText: 'Subtask 9 of one' }).waitFor();
    // Counted once its body is read (a round trip to the browser of its own): it may come after the rows show.
    await expect.poll(() => childPages().map((f) => f.tasks)).toEqual([SUBTASKS]);
    // Indented under it, right after it.
    const order = await rows().evaluateAll((els) => els.map((el) => el.getAttribute('data-parent-id')));
    const first = order.indexOf(parentId);
    expect(order.slice(first, first + SUBTASKS)).toEqual(Array(SUBTASKS).fill(parentId));

    await parent.getByTestId('task-expand').click();
    await rows().filter({ hasText: 'Subtask 0 of one' }).waitFor({ state: 'detached' });
  });

  it('a change made through the API shows in a loaded row, and the search is the server’s', async () => {
    const seen = await openCounting('?view=tree');
    const target = rowTitled(name(3));
    await target.waitFor({ timeout: 10_000 });
    // The page that shows the row is counted once the browser has handed over its body, a round trip after
    // the row can show (a clean-clone run read 0 here, then 1): wait for it before taking the count.
    await expect.poll(() => listPages(seen).length).toBeGreaterThan(0);
    const loads = listPages(seen).length;
    const id = (await target.getAttribute('data-task-id'))!;
    await api('PATCH', `/api/tasks/${id}`, { title: 'Task 00003 renamed live', priority: 'critical' });
    const renamed = page.locator(`[data-testid=task-row][data-task-id="${id}"]`, { hasText: 'Task 00003 renamed live' });
    await renamed.waitFor({ timeout: 2000 });
    expect(await renamed.getByTestId('task-priority').inputValue()).toBe('critical');
    // Made done elsewhere: the done count follows (the server's count, asked again once).
    await api('POST', `/api/tasks/${id}/complete`, {});
    await page.getByTestId('filter-done').filter({ hasText: '10,000' }).waitFor({ timeout: 3000 });
    // Nothing reloaded the list for these changes (the counts were asked again, by a few counting requests).
    expect(listPages(seen).length).toBe(loads);

    await page.getByLabel('Search tasks').fill('task 04321');
    await rowTitled(name(4321)).waitFor({ timeout: 5000 });
    expect(await rows().count()).toBe(1);
    const searches = seen.filter((f) => f.query.has('search'));
    expect(searches.at(-1)!.query.get('search')).toBe('task 04321');
  });

  it('the board pages each column, with the server’s count in its head', async () => {
    const seen = await openCounting('?view=board');
    const todo = page.getByTestId('board-col-todo');
    await todo.locator('[data-testid=board-card]').first().waitFor({ timeout: 10_000 });
    await todo.getByTestId('column-count').filter({ hasText: /^90,0\d\d$/ }).waitFor();
    expect(await page.locator('[data-testid=board-card]').count()).toBeLessThan(300);
    const before = fetchedTasks(seen);
    expect(before).toBeLessThan(1000);

    // Scrolling a column far down loads that column's pages only.
    await todo.locator('.board-scroller').evaluate((el) => el.scrollTo(0, el.scrollHeight / 50));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=board-col-todo] [data-testid=board-card]').length > 0 && !document.querySelector('[data-testid=board-col-todo] .placeholder'));
    const todoPages = seen.filter((f) => f.query.get('status') === 'todo');
    expect(todoPages.length).toBeGreaterThan(1);
    expect(fetchedTasks(seen)).toBeLessThan(5000);
  });
});

describe('a board column of 90,000 todo tasks', { timeout: 60_000 }, () => {
  const todoQuery = () => `/api/tasks?project=${server.project.id}&status=todo`;
  /** The todo tasks at positions [from, from + limit) of the column, as the server orders them. */
  const todoAt = async (from: number, limit = 1) => (await api<{ tasks: Task[] }>('GET', `${todoQuery()}&limit=${limit}&offset=${from}`)).tasks;
  const todoTotal = async () => (await api<{ total: number }>('GET', `${todoQuery()}&limit=1&total=true`)).total;
  const column = () => page.getByTestId('board-col-todo');
  const columnScroller = () => column().locator('.board-scroller');
  const cardTitled = (title: string) => column().locator('.board-slot', { has: page.getByRole('link', { name: title, exact: true }) });
  /** The todo column's requests: its pages, windows and counts. */
  const todoFetches = (seen: Fetched[]) => seen.filter((f) => f.query.get('status') === 'todo' && !f.query.has('search'));
  const settled = () => page.waitForFunction(() => !document.querySelector('[data-testid=board-col-todo] .placeholder'));
  /** The cards rendered in the column: their position (1-based) and title, each task once, each where the server has it. */
  const cardsInOrder = async () => {
    const cards = await column()
      .locator('.board-slot')
      .evaluateAll((els) =>
        els.map((el) => ({
          at: Number(el.getAttribute('aria-posinset')),
          id: el.querySelector('[data-task-id]')?.getAttribute('data-task-id'),
          title: el.querySelector('a')?.textContent ?? '',
        })),
      );
    expect(cards.length).toBeGreaterThan(1);
    expect(new Set(cards.map((c) => c.id)).size).toBe(cards.length);
    const expected = await todoAt(cards[0]!.at - 1, cards.length);
    expect(cards.map((c) => `${c.at}: ${c.title}`)).toEqual(expected.map((t, i) => `${cards[0]!.at + i}: ${t.title}`));
    return cards;
  };
  const openBoard = async () => {
    const seen = await openCounting('?view=board');
    await column().locator('[data-testid=board-card]').first().waitFor({ timeout: 10_000 });
    const cardHeight = await column().locator('.board-slot').first().evaluate((el) => (el as HTMLElement).offsetHeight);
    return { seen, cardHeight };
  };

  it('jumps to the end and to the middle loading only the cards there, and reads on from them', async () => {
    const total = await todoTotal();
    expect(total).toBeGreaterThan(60_000);
    const { seen, cardHeight } = await openBoard();
    const chip = column().getByTestId('column-count');
    await chip.filter({ hasText: total.toLocaleString('en-US') }).waitFor();
    const before = seen.length;

    // To the end: the last todo task, after a few hundred tasks fetched, not 90,000.
    const started = Date.now();
    await columnScroller().evaluate((el) => el.scrollTo(0, el.scrollHeight));
    const lastTitle = (await todoAt(total - 1))[0]!.title;
    await cardTitled(lastTitle).waitFor({ timeout: 10_000 });
    const toEndMs = Date.now() - started;
    expect(await cardTitled(lastTitle).getAttribute('aria-posinset')).toBe(String(total));
    await settled();
    const toEnd = todoFetches(seen.slice(before));
    expect(fetchedTasks(toEnd)).toBeLessThan(1000);
    expect(toEnd.some((f) => f.query.has('offset'))).toBe(true);
    expect((await cardsInOrder()).at(-1)!.at).toBe(total);

    // To the middle: the card at that position, with its neighbours.
    const mid = 45_678;
    const beforeMid = seen.length;
    await columnScroller().evaluate((el, top) => el.scrollTo(0, top), mid * cardHeight);
    const midTitle = (await todoAt(mid))[0]!.title;
    await cardTitled(midTitle).waitFor({ timeout: 10_000 });
    expect(await cardTitled(midTitle).getAttribute('aria-posinset')).toBe(String(mid + 1));
    await settled();
    await cardsInOrder();
    const toMid = todoFetches(seen.slice(beforeMid));
    expect(fetchedTasks(toMid)).toBeLessThan(1000);

    // A little further down: the window reads on from its cursor, a few cards more.
    const on = mid + 150;
    const beforeOn = seen.length;
    await columnScroller().evaluate((el, top) => el.scrollTo(0, top), on * cardHeight);
    const onTitle = (await todoAt(on))[0]!.title;
    await cardTitled(onTitle).waitFor({ timeout: 10_000 });
    await settled();
    await cardsInOrder();
    const scrolledOn = listPages(todoFetches(seen.slice(beforeOn)));
    expect(scrolledOn.length).toBeGreaterThan(0);
    expect(fetchedTasks(scrolledOn)).toBeLessThan(300);
    expect(scrolledOn.every((f) => f.query.has('cursor') && !f.query.has('offset'))).toBe(true);

    // The count in the head is still the server's, not what was loaded.
    expect(await chip.textContent()).toBe(total.toLocaleString('en-US'));
    const all = todoFetches(seen);
    expect(fetchedTasks(all)).toBeLessThan(2000);
    console.log(
      `board, ${total} todo: to the end in ${toEndMs} ms, ${fetchedTasks(toEnd)} tasks in ${toEnd.length} requests; to the middle ${fetchedTasks(toMid)} tasks in ${toMid.length} requests; ` +
        `150 cards on ${fetchedTasks(scrolledOn)} tasks in ${scrolledOn.length} requests; ${fetchedTasks(all)} todo tasks in ${all.length} requests in all`,
    );
  });

  it('loads the cards in view again, at their position, after a reconnect', async () => {
    const { seen, cardHeight } = await openBoard();
    const mid = 61_234;
    await columnScroller().evaluate((el, top) => el.scrollTo(0, top), mid * cardHeight);
    const midTitle = (await todoAt(mid))[0]!.title;
    await cardTitled(midTitle).waitFor({ timeout: 10_000 });
    await settled();
    const before = seen.length;
    // The server away and back: every list is stale, the window goes, and the cards in view load again where they are.
    await server.restart(0);
    await expect.poll(() => todoFetches(seen.slice(before)).some((f) => f.query.has('offset')), { timeout: 15_000 }).toBe(true);
    await cardTitled(midTitle).waitFor({ timeout: 10_000 });
    await settled();
    await cardsInOrder();
    const again = todoFetches(seen.slice(before));
    expect(fetchedTasks(again)).toBeLessThan(1000);
    console.log(`board after a reconnect: ${fetchedTasks(again)} todo tasks in ${again.length} requests`);
  });

  it('a window that failed to load says so in the column, and loads on Retry', async () => {
    let failing = true;
    await openPage(`${server.url}/projects/${server.project.id}/tasks?view=board`, undefined, {
      prepare: (ctx) =>
        ctx.route(
          (url) => url.pathname === '/api/tasks' && url.searchParams.has('offset'),
          (route) => (failing ? route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":{"code":"unavailable","message":"server away"}}' }) : route.continue()),
        ),
    });
    await column().locator('[data-testid=board-card]').first().waitFor({ timeout: 10_000 });
    const cardHeight = await column().locator('.board-slot').first().evaluate((el) => (el as HTMLElement).offsetHeight);
    const at = 30_000;
    await columnScroller().evaluate((el, top) => el.scrollTo(0, top), at * cardHeight);
    await column().getByText('Could not load tasks').first().waitFor({ timeout: 10_000 });
    failing = false;
    await column().getByRole('button', { name: 'Retry' }).first().click();
    await cardTitled((await todoAt(at))[0]!.title).waitFor({ timeout: 10_000 });
    await settled();
    await cardsInOrder();
  });

  it('near its top a column loads pages, which take over a window they reach', async () => {
    const { seen, cardHeight } = await openBoard();
    // Within two pages of the loaded ones: pages, from the cursor, no position.
    await columnScroller().evaluate((el, top) => el.scrollTo(0, top), 1500 * cardHeight);
    const at1500 = (await todoAt(1500))[0]!.title;
    await cardTitled(at1500).waitFor({ timeout: 10_000 });
    await settled();
    await cardsInOrder();
    const paged = todoFetches(seen);
    expect(paged.some((f) => f.query.has('offset'))).toBe(false);
    expect(paged.filter((f) => f.query.get('limit') !== '1').length).toBeGreaterThan(1);
    const pagedTasks = fetchedTasks(paged);
    expect(pagedTasks).toBeGreaterThan(1500);
    expect(pagedTasks).toBeLessThan(4000);

    // Far past them (row 4,000): a window at its position; back to just above it: the pages load up to and into it.
    const beforeJump = seen.length;
    await columnScroller().evaluate((el, top) => el.scrollTo(0, top), 4000 * cardHeight);
    await cardTitled((await todoAt(4000))[0]!.title).waitFor({ timeout: 10_000 });
    await settled();
    const jump = todoFetches(seen.slice(beforeJump));
    expect(jump.some((f) => f.query.has('offset'))).toBe(true);
    expect(fetchedTasks(jump)).toBeLessThan(1000);
    for (const at of [2_600, 3_400, 3_860, 4_300]) {
      await columnScroller().evaluate((el, top) => el.scrollTo(0, top), at * cardHeight);
      await cardTitled((await todoAt(at))[0]!.title).waitFor({ timeout: 10_000 });
      await settled();
      await cardsInOrder();
    }
    // Taken over, the window's tasks continue the pages: on past it, the pages read on from its cursor (no position).
    const beforeOn = seen.length;
    await columnScroller().evaluate((el, top) => el.scrollTo(0, top), 5000 * cardHeight);
    await cardTitled((await todoAt(5000))[0]!.title).waitFor({ timeout: 10_000 });
    await settled();
    await cardsInOrder();
    const on = todoFetches(seen.slice(beforeOn));
    expect(on.length).toBeGreaterThan(0);
    expect(on.some((f) => f.query.has('offset'))).toBe(false);
    console.log(`board near its top: to card 1,500 ${pagedTasks} tasks in ${paged.length} requests; jump to 4,000 ${fetchedTasks(jump)} tasks in ${jump.length} requests; in all ${fetchedTasks(todoFetches(seen))} todo tasks`);
  });
});

describe('the list grouped by priority', { timeout: 60_000 }, () => {
  it('shows one paged section per priority with the server’s count, and a priority changed live moves its task', async () => {
    const seen = await openCounting('?view=tree');
    const id = (await rowTitled(name(5)).getAttribute('data-task-id', { timeout: 10_000 }))!;
    await api('PATCH', `/api/tasks/${id}`, { priority: 'high' });
    await page.getByLabel('Sort tasks').selectOption('priority');
    const section = (p: string) => page.getByTestId(`section-${p}`);
    await section('high').locator('.chip-count').filter({ hasText: /^1$/ }).waitFor({ timeout: 10_000 });
    await section('medium').locator('.chip-count').filter({ hasText: /^99,99\d$/ }).waitFor(); // 100,000 but the one above (and 00003, critical)
    expect(await section('low').count()).toBe(0); // an empty section shows nothing
    // The task sits under its section's head, most urgent sections first.
    const order = async () =>
      page.locator('.task-tree > li').evaluateAll((items) =>
        items.map((li) => {
          const testid = li.getAttribute('data-testid') ?? '';
          return testid.startsWith('section-') ? `# ${testid.slice('section-'.length)}` : (li.querySelector('a')?.textContent ?? '');
        }),
      );
    const first = await order();
    expect(first.indexOf('# high')).toBeLessThan(first.indexOf(name(5)));
    expect(first.indexOf(name(5))).toBeLessThan(first.indexOf('# medium'));
    expect(fetchedTasks(seen)).toBeLessThan(1000);

    await api('PATCH', `/api/tasks/${id}`, { priority: 'low' });
    // Live: out of its section, which empties and goes; into the low one, at the end of the 100k-row list.
    await section('high').waitFor({ state: 'detached', timeout: 5000 });
    expect(await rowTitled(name(5)).count()).toBe(0);
    // Searched, the sections hold only the matches: the low one, with the task.
    await page.getByLabel('Search tasks').fill('task 00005');
    await section('low').locator('.chip-count').filter({ hasText: /^1$/ }).waitFor({ timeout: 5000 });
    await rowTitled(name(5)).waitFor({ timeout: 5000 });
    expect(await order()).toEqual(['# low', name(5)]);
    expect(fetchedTasks(seen)).toBeLessThan(5000);
  });
});

describe('a bulk import while the 100,000-task list is open', { timeout: 60_000 }, () => {
  it('the counts and the rows in view follow, without loading the project', async () => {
    const seen = await openCounting('?view=tree');
    await rowTitled(name(0)).waitFor({ timeout: 10_000 });
    await page.getByTestId('task-count').filter({ hasText: /^100,000 tasks/ }).waitFor();
    const before = seen.length;
    const rows = Array.from({ length: 300 }, (_, i) => ({ key: `late${i}`, title: `Imported late ${i}` }));
    expect(server.svc.importer.run(server.project.id, rowsOf(rows)).created).toBe(300);
    await page.getByTestId('task-count').filter({ hasText: /^100,300 tasks/ }).waitFor({ timeout: 5000 });
    // One event for the whole import: the first page of the list again, and the counts.
    const after = seen.slice(before);
    expect(fetchedTasks(after)).toBeLessThan(1000);
    await rowTitled(name(0)).waitFor();
    // The imported tasks are found (the server's search), and still nothing loaded the project.
    await page.getByLabel('Search tasks').fill('imported late 299');
    await rowTitled('Imported late 299').waitFor({ timeout: 5000 });
    expect(fetchedTasks(seen.slice(before))).toBeLessThan(1000);
  });
});

describe('rows loaded at the end of the 100,000-task list, live', { timeout: 60_000 }, () => {
  it('follow a bulk import and a task created live, each task once and at its position', async () => {
    const seen = await openCounting('?view=tree');
    await rowTitled(name(0)).waitFor({ timeout: 10_000 });
    const topLevel = async () => (await api<{ total: number }>('GET', `/api/tasks?project=${server.project.id}&parent=null&limit=1&total=true`)).total;
    const count = await topLevel();
    const lastTitle = (await api<{ tasks: Task[] }>('GET', `/api/tasks?project=${server.project.id}&parent=null&limit=1&offset=${count - 1}`)).tasks[0]!.title;
    const toEnd = () => scroller().evaluate((el) => el.scrollTo(0, el.scrollHeight));
    /** The row titled so, found at the end of the list: it must be at `position` (1-based), and no task shows twice. */
    const atEnd = async (title: string, position: number) => {
      await toEnd();
      const row = rowTitled(title);
      await row.waitFor({ timeout: 5000 });
      await page.waitForFunction(() => !document.querySelector('[data-testid=task-tree] .placeholder'));
      expect(await row.getAttribute('aria-posinset')).toBe(String(position));
      const ids = await rows().evaluateAll((els) => els.map((el) => el.getAttribute('data-task-id')));
      expect(new Set(ids).size).toBe(ids.length);
    };
    await atEnd(lastTitle, count);

    // A bulk import: the list is stale, its window goes and loads again where the view is.
    expect(server.svc.importer.run(server.project.id, rowsOf(Array.from({ length: 5 }, (_, i) => ({ key: `end${i}`, title: `Imported at the end ${i}` })))).created).toBe(5);
    await atEnd('Imported at the end 4', count + 5);
    await atEnd(lastTitle, count);
    // Created live: onto the end of the window, which reaches the end of the list.
    const requests = seen.length;
    await api('POST', '/api/tasks', { project: server.project.id, title: 'Created live at the end' });
    await atEnd('Created live at the end', count + 6);
    expect(listPages(seen.slice(requests))).toEqual([]);
    expect(await topLevel()).toBe(count + 6);
    expect(fetchedTasks(seen)).toBeLessThan(5000);
  });
});

describe('a list whose first page failed while the server was away', { timeout: 60_000 }, () => {
  it('loads once the page is connected again (no view asks for a list that never had rows)', async () => {
    let away = true;
    await openPage(`${server.url}/projects/${server.project.id}/tasks?view=tree`, undefined, {
      prepare: (ctx) =>
        ctx.route(
          (url) => url.pathname === '/api/tasks' && url.searchParams.get('limit') !== '1',
          (route) => (away ? route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":{"code":"unavailable","message":"server away"}}' }) : route.continue()),
        ),
    });
    await page.getByText('Could not load tasks').waitFor({ timeout: 10_000 });
    away = false;
    await server.restart(0);
    await rowTitled(name(0)).waitFor({ timeout: 15_000 });
  });
});

describe('the rows of the virtual list (pure)', () => {
  const project = 'prj_test';
  const list = (query: TaskQuery, ids: string[], total: number, complete = ids.length === total, window: TaskWindow | null = null): TaskList => ({
    query,
    epoch: 1,
    ids,
    nextCursor: complete ? null : 'next',
    window,
    total,
    loaded: true,
    complete,
    stale: false,
    loading: false,
    error: null,
  });

  it('counts every row of a list, loaded or not, and says which unloaded rows a range needs', () => {
    const top: TaskQuery = { project, parent: null };
    const kids: TaskQuery = { project, parent: 'b' };
    const lists = { [listKey(top)]: list(top, ['a', 'b', 'c'], 100_000), [listKey(kids)]: list(kids, ['b1', 'b2'], 2) };
    const rows = buildRows([{ query: top }], lists, new Set(['b']));
    expect(rows.count).toBe(100_002);
    expect([0, 1, 2, 3, 4].map((i) => rows.at(i))).toEqual([
      { kind: 'task', id: 'a', depth: 0 },
      { kind: 'task', id: 'b', depth: 0 },
      { kind: 'task', id: 'b1', depth: 1 },
      { kind: 'task', id: 'b2', depth: 1 },
      { kind: 'task', id: 'c', depth: 0 },
    ]);
    expect(rows.at(5)).toMatchObject({ kind: 'gap', index: 3, depth: 0 });
    expect(rows.at(100_001)).toMatchObject({ kind: 'gap', index: 99_999 });
    expect(rows.wanted(0, 5)).toEqual([]);
    expect(rows.wanted(5_000, 5_040)).toEqual([{ query: top, from: 4_998, count: 5_038 }]);
    // An expanded task whose children are not loaded yet: one placeholder row under it.
    const unloaded = buildRows([{ query: top }], { [listKey(top)]: list(top, ['a', 'b'], 2) }, new Set(['a']));
    expect(unloaded.count).toBe(3);
    expect(unloaded.at(1)).toMatchObject({ kind: 'gap', depth: 1, query: { project, parent: 'a' } });
  });

  it('places a window at its position between runs of placeholders, and says which rows around it are wanted', () => {
    const top: TaskQuery = { project, parent: null };
    const window = { from: 50_000, ids: ['w0', 'w1', 'w2'], nextCursor: 'after-w2' };
    const rows = buildRows([{ query: top }], { [listKey(top)]: list(top, ['a', 'b'], 100_000, false, window) }, new Set());
    expect(rows.count).toBe(100_000);
    expect(rows.at(1)).toEqual({ kind: 'task', id: 'b', depth: 0 });
    expect(rows.at(2)).toMatchObject({ kind: 'gap', index: 2 });
    expect(rows.at(49_999)).toMatchObject({ kind: 'gap', index: 49_999 });
    expect([50_000, 50_001, 50_002].map((i) => rows.at(i))).toEqual(['w0', 'w1', 'w2'].map((id) => ({ kind: 'task', id, depth: 0 })));
    expect(rows.at(50_003)).toMatchObject({ kind: 'gap', index: 50_003 });
    expect(rows.at(99_999)).toMatchObject({ kind: 'gap', index: 99_999 });
    // Rows on both sides of the window: two runs, each with where it starts and how far it reaches.
    expect(rows.wanted(49_990, 50_010)).toEqual([
      { query: top, from: 49_990, count: 50_000 },
      { query: top, from: 50_003, count: 50_010 },
    ]);
    // A window that reaches the end ends the rows; one the pages reached is not shown (its tasks would be twice).
    const atEnd = buildRows([{ query: top }], { [listKey(top)]: list(top, ['a'], 100_000, false, { ...window, from: 99_997, nextCursor: null }) }, new Set());
    expect(atEnd.count).toBe(100_000);
    expect(atEnd.at(99_999)).toEqual({ kind: 'task', id: 'w2', depth: 0 });
    const overlapped = buildRows([{ query: top }], { [listKey(top)]: list(top, ['a', 'w0'], 10, false, { ...window, from: 1 }) }, new Set());
    expect([0, 1, 2].map((i) => overlapped.at(i).kind)).toEqual(['task', 'task', 'gap']);
  });

  it('plans a jump as one request at its position, and scrolling on from it as extensions of the window', () => {
    const top: TaskQuery = { project, parent: null };
    const pages = list(top, Array.from({ length: 100 }, (_, i) => `p${i}`), 100_000, false);
    // Far past the pages: rows around the ones wanted, from an offset.
    expect(planWindow(pages, 99_950, 100_000)).toEqual({ at: 99_850, offset: 99_850, limit: 250, place: 'replace', base: null });
    const ids = Array.from({ length: 200 }, (_, i) => `w${i}`);
    const w: TaskWindow = { from: 50_000, ids, nextCursor: 'after-w199' };
    const withWindow = { ...pages, window: w };
    expect(planWindow(withWindow, 50_010, 50_100)).toBeNull();
    // Just below it: on from its cursor; just above: the rows up to it; far from it: a new window.
    expect(planWindow(withWindow, 50_200, 50_260)).toEqual({ at: 50_200, cursor: 'after-w199', limit: 160, place: 'append', base: w });
    expect(planWindow(withWindow, 49_900, 49_960)).toEqual({ at: 49_800, offset: 49_800, limit: 200, place: 'prepend', base: w });
    expect(planWindow(withWindow, 20_000, 20_050)).toMatchObject({ at: 19_900, place: 'replace', base: null });
    // Never before the end of the pages, never more than the server's largest page.
    expect(planWindow(withWindow, 2_150, 9_000)).toMatchObject({ at: 2_050, offset: 2_050, limit: 1000 });

    // Answers: an extension joins its window (each task once); a window moved meanwhile is replaced.
    const appended = landWindow(w, { at: 50_200, cursor: 'x', limit: 3, place: 'append', base: w }, ['w199', 'n1', 'n2'], null);
    expect(appended).toEqual({ from: 50_000, ids: [...ids, 'n1', 'n2'], nextCursor: null });
    const prepended = landWindow(w, { at: 49_998, offset: 49_998, limit: 2, place: 'prepend', base: w }, ['b1', 'b2'], 'c');
    expect(prepended).toEqual({ from: 49_998, ids: ['b1', 'b2', ...ids], nextCursor: 'after-w199' });
    const moved = { ...w, from: 40_000 };
    expect(landWindow(moved, { at: 50_200, cursor: 'x', limit: 3, place: 'append', base: w }, ['n1'], 'n')).toEqual({ from: 50_200, ids: ['n1'], nextCursor: 'n' });
    // A prepend that came back short (the list changed before the window): a window of its own.
    expect(landWindow(w, { at: 49_998, offset: 49_998, limit: 2, place: 'prepend', base: w }, ['b1'], 'c')).toEqual({ from: 49_998, ids: ['b1'], nextCursor: 'c' });
    expect(landWindow(null, { at: 99_000, offset: 99_000, limit: 100, place: 'replace', base: null }, [], null)).toBeNull();
  });

  it('hands the window over to the pages once they reach it, each task once', () => {
    const top: TaskQuery = { project, parent: null };
    const w: TaskWindow = { from: 3, ids: ['d', 'e', 'f'], nextCursor: 'after-f' };
    const apart = list(top, ['a', 'b'], 100, false, w);
    expect(absorbWindow(apart)).toBe(apart);
    // Reached by position: the window's tasks continue the pages, which go on from its cursor.
    expect(absorbWindow(list(top, ['a', 'b', 'c'], 100, false, w))).toMatchObject({ ids: ['a', 'b', 'c', 'd', 'e', 'f'], nextCursor: 'after-f', window: null, complete: false });
    // Reached by a task both hold (positions moved by a change before the window): on after it.
    expect(absorbWindow(list(top, ['a', 'b', 'd'], 100, false, { ...w, from: 10 }))).toMatchObject({ ids: ['a', 'b', 'd', 'e', 'f'], window: null });
    // Passed: the pages keep their own cursor.
    expect(absorbWindow(list(top, ['a', 'b', 'c', 'd', 'e', 'f', 'g'], 100, false, w))).toMatchObject({ ids: ['a', 'b', 'c', 'd', 'e', 'f', 'g'], nextCursor: 'next', window: null });
    // A window at the end of the list completes it.
    expect(absorbWindow(list(top, ['a', 'b', 'c', 'd'], 6, false, { ...w, nextCursor: null }))).toMatchObject({ ids: ['a', 'b', 'c', 'd', 'e', 'f'], complete: true, total: 6, window: null });
  });

  it('puts a section head over each status list and leaves out empty sections', () => {
    const todo: TaskQuery = { project, status: ['todo'] };
    const done: TaskQuery = { project, status: ['done'] };
    const rows = buildRows(
      [
        { head: { by: 'status', value: 'todo' }, query: todo },
        { head: { by: 'status', value: 'done' }, query: done },
      ],
      { [listKey(todo)]: list(todo, [], 0), [listKey(done)]: list(done, ['x'], 7, false) },
      new Set(),
    );
    expect(rows.count).toBe(8);
    expect(rows.at(0)).toEqual({ kind: 'head', section: { by: 'status', value: 'done' }, total: 7 });
    expect(rows.at(1)).toEqual({ kind: 'task', id: 'x', depth: 0 });
  });

  it('places a live change as the server would: status, priority, parent and search words', () => {
    const t = { projectId: project, status: 'todo', priority: 'high', parentId: null, title: 'Fix the login-form', description: 'Rate limits' } as Task;
    expect(matchesQuery({ project, status: ['todo', 'done'] }, t)).toBe(true);
    expect(matchesQuery({ project, status: ['done'] }, t)).toBe(false);
    expect(matchesQuery({ project, priority: ['high', 'critical'] }, t)).toBe(true);
    expect(matchesQuery({ project, priority: ['low'], status: ['todo'] }, t)).toBe(false);
    expect(listKey({ project, priority: ['low'] })).not.toBe(listKey({ project, priority: ['high'] }));
    expect(matchesQuery({ project, parent: null }, t)).toBe(true);
    expect(matchesQuery({ project, parent: 'tsk_other' }, t)).toBe(false);
    expect(matchesQuery({ project, search: 'log rat' }, t)).toBe(true);
    expect(matchesQuery({ project, search: 'form fix' }, t)).toBe(true);
    expect(matchesQuery({ project, search: 'ogin' }, t)).toBe(false);
    expect(matchesQuery({ project: 'prj_other' }, t)).toBe(false);
    expect(listKey({ project, status: ['done', 'todo'] })).toBe(listKey({ project, status: ['todo', 'done'], search: '  ' }));
  });
});
