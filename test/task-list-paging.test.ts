/**
 * task_list in pages (issue 13), through the real server, the real binary and MCP: every filter walked page
 * by page against what the whole list says, cursors that stay put while tasks are created and changed between
 * pages, full-text search (prefixes, several words, user text full of FTS5 syntax, kept in step with title
 * changes and deletions, filled from the tasks an older database had), pages from an offset (a jump to a
 * position) continued by their cursor, bad paging input named by its field
 * everywhere, the CLI walking every page, and the task tree streamed as NDJSON and printed as it arrives.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/core/db.js';
import { MIGRATIONS } from '../src/core/migrations.js';
import type { Task } from '../src/core/types.js';
import { cliFor, ok } from './cli-support.js';
import { databaseBefore } from './core-support.js';
import { ownerApi, ownerAuth, startTestServer, type TestServer } from './helpers.js';
import { callTool, connectHttp } from './mcp-support.js';

interface Page {
  tasks: Task[];
  nextCursor: string | null;
  total?: number;
}

const COUNT = 1200;
const WORDS = ['alpha', 'beta', 'gamma'];

let server: TestServer;
let mcp: Client;
const cli = cliFor(() => server.url, () => server.home);
/** Every task of the project, as one walk with the largest page read it (the oracle for the filters). */
let all: Task[];
let sessionId: string;

const api = <T = any>(method: string, path: string, body?: unknown) => ownerApi<T>(server, method, path, body);

/** Walks every page of a query (a query string without limit or cursor), checking each page's size. */
async function walk(query: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const r: { status: number; body: Page } = await api<Page>('GET', `/api/tasks?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    pages++;
    expect(r.body.tasks.length).toBeLessThanOrEqual(limit);
    // Only the last page may be short (and it says so with a null cursor).
    if (r.body.nextCursor !== null) expect(r.body.tasks).toHaveLength(limit);
    ids.push(...r.body.tasks.map((t) => t.id));
    cursor = r.body.nextCursor;
  } while (cursor !== null);
  return { ids, pages };
}

/** Every task of the project as it is now, read with the largest pages. */
async function everything(): Promise<Task[]> {
  const tasks: Task[] = [];
  let cursor: string | null = null;
  do {
    const { body }: { body: Page } = await api<Page>('GET', `/api/tasks?project=paging&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    tasks.push(...body.tasks);
    cursor = body.nextCursor;
  } while (cursor !== null);
  return tasks;
}

function importRows(prefix: string, count: number, extra: (i: number) => Record<string, unknown> = () => ({})) {
  return Array.from({ length: count }, (_, i) => ({
    key: `${prefix}${i}`,
    title: `Task ${i} ${WORDS[i % 3]}`,
    description: i % 5 === 0 ? `needs the frobnicator, part ${i}` : 'plain work',
    status: i % 4 === 0 ? 'done' : 'todo',
    priority: (['low', 'medium', 'high', 'critical'] as const)[i % 7 % 4],
    // every tenth task has three subtasks; a few wait on their predecessor (making some todo tasks not ready)
    ...(i % 10 >= 1 && i % 10 <= 3 ? { parent: `${prefix}${i - (i % 10)}` } : {}),
    ...(i % 10 === 5 ? { dependsOn: [`${prefix}${i - 1}`] } : {}),
    ...extra(i),
  }));
}

beforeAll(async () => {
  server = await startTestServer();
  await api('POST', '/api/projects', { name: 'paging', workingDir: server.home });
  await api('POST', '/api/projects', { name: 'elsewhere', workingDir: server.home });
  const imported = await api('POST', '/api/tasks/import', { project: 'paging', rows: importRows('k', COUNT) });
  expect(imported.status, JSON.stringify(imported.body)).toBe(200);
  // Tasks of another project that match the same words must never show up.
  await api('POST', '/api/tasks/import', { project: 'elsewhere', rows: importRows('e', 30) });
  const first = (await api<Page>('GET', '/api/tasks?project=paging&limit=3')).body.tasks;
  const spawned = await api('POST', '/api/sessions', { project: 'paging', taskIds: [first[1]!.id, first[2]!.id] });
  expect(spawned.status, JSON.stringify(spawned.body)).toBe(201);
  sessionId = spawned.body.session.id;
  all = await everything();
  mcp = await connectHttp(server);
}, 60_000);

afterAll(async () => {
  await mcp?.close();
  await server?.dispose();
});

describe('task_list pages', { timeout: 60_000 }, () => {
  it('reads the whole project in creation order, 50 at a time by default, with a total on request', async () => {
    expect(all).toHaveLength(COUNT);
    const seqOrder = all.map((t) => t.createdAt);
    expect([...seqOrder].sort()).toEqual(seqOrder);
    expect(new Set(all.map((t) => t.id)).size).toBe(COUNT);

    const first = await api<Page>('GET', '/api/tasks?project=paging');
    expect(first.status).toBe(200);
    expect(first.body.tasks.map((t) => t.id)).toEqual(all.slice(0, 50).map((t) => t.id));
    expect(first.body.nextCursor).toEqual(expect.any(String));
    expect(first.body.total).toBeUndefined();
    expect((await api<Page>('GET', '/api/tasks?project=paging&total=true&limit=5')).body.total).toBe(COUNT);
  });

  it('walks every filter and combination page by page, matching the whole list', async () => {
    const rootId = all.find((t) => t.parentId !== null)!.parentId!;
    const filters: Array<[string, (t: Task) => boolean]> = [
      ['', () => true],
      ['status=todo', (t) => t.status === 'todo'],
      ['status=todo,done', (t) => t.status === 'todo' || t.status === 'done'],
      ['status=done&status=in_progress', (t) => t.status === 'done' || t.status === 'in_progress'],
      [`parent=${rootId}`, (t) => t.parentId === rootId],
      ['parent=null', (t) => t.parentId === null],
      [`parentId=${rootId}`, (t) => t.parentId === rootId],
      [`assignee=${sessionId}`, (t) => t.assignee === sessionId],
      ['ready=true', (t) => t.ready],
      ['ready=false', (t) => !t.ready],
      ['search=beta', (t) => t.title.endsWith(' beta')],
      ['search=frob', (t) => t.description.includes('frobnicator')],
      ['priority=high', (t) => t.priority === 'high'],
      ['priority=low,critical&status=todo', (t) => (t.priority === 'low' || t.priority === 'critical') && t.status === 'todo'],
      ['status=todo&parent=null&ready=true', (t) => t.status === 'todo' && t.parentId === null && t.ready],
      ['search=gamma%20frob&status=done', (t) => t.title.endsWith(' gamma') && t.description.includes('frobnicator') && t.status === 'done'],
      [`search=task&parent=${rootId}&ready=true`, (t) => t.parentId === rootId && t.ready],
    ];
    for (const [query, keep] of filters) {
      const expected = all.filter(keep).map((t) => t.id);
      expect(expected.length, `${query} selects something`).toBeGreaterThan(0);
      for (const limit of [7, 1000]) {
        const { ids, pages } = await walk(`project=paging&${query}`, limit);
        expect(ids, `${query} (limit ${limit})`).toEqual(expected);
        expect(pages).toBe(Math.max(1, Math.ceil(expected.length / limit)));
      }
      const total = await api<Page>('GET', `/api/tasks?project=paging&${query}&limit=1&total=true`);
      expect(total.body.total, query).toBe(expected.length);
    }
  });

  it('keeps its place while tasks are created and changed between pages', async () => {
    const { body: p1 } = await api<Page>('GET', '/api/tasks?project=paging&limit=100');
    const later = all[150]!;
    await api('PATCH', `/api/tasks/${later.id}`, { title: 'renamed between pages' });
    await api('PATCH', `/api/tasks/${all[20]!.id}`, { status: 'in_progress' });
    const added: string[] = [];
    for (let i = 0; i < 3; i++) added.push((await api('POST', '/api/tasks', { project: 'paging', title: `added between pages ${i}` })).body.id);
    const seen = p1.tasks.map((t) => t.id);
    let cursor = p1.nextCursor;
    while (cursor !== null) {
      const { body } = await api<Page>('GET', `/api/tasks?project=paging&limit=100&cursor=${encodeURIComponent(cursor)}`);
      seen.push(...body.tasks.map((t) => t.id));
      cursor = body.nextCursor;
    }
    expect(seen).toEqual([...all.map((t) => t.id), ...added]);
    const renamed = (await api<Page>('GET', '/api/tasks?project=paging&search=renamed%20between')).body.tasks;
    expect(renamed.map((t) => t.id)).toEqual([later.id]);
  });
});

describe('task_list from an offset', { timeout: 60_000 }, () => {
  const list = async (query: string) => {
    const r = await api<Page>('GET', `/api/tasks?project=paging&${query}`);
    expect(r.status, `${query}: ${JSON.stringify(r.body)}`).toBe(200);
    return r.body;
  };

  it('answers the page at that position of the same list, filtered and searched, continued by its cursor', async () => {
    const now = await everything();
    const mid = await list('offset=600&limit=25&total=true');
    expect(mid.tasks.map((t) => t.id)).toEqual(now.slice(600, 625).map((t) => t.id));
    expect(mid.total).toBe(now.length);
    // Its cursor goes on right after its last task: no gap, no task twice.
    const next = await list(`limit=25&cursor=${encodeURIComponent(mid.nextCursor!)}`);
    expect(next.tasks.map((t) => t.id)).toEqual(now.slice(625, 650).map((t) => t.id));
    expect((await list('offset=0&limit=25')).tasks.map((t) => t.id)).toEqual(now.slice(0, 25).map((t) => t.id));

    const filters: Array<[string, (t: Task) => boolean]> = [
      ['status=todo&parent=null', (t) => t.status === 'todo' && t.parentId === null],
      ['search=beta', (t) => t.title.endsWith(' beta')],
      ['search=frob&status=done', (t) => t.description.includes('frobnicator') && t.status === 'done'],
    ];
    for (const [query, keep] of filters) {
      const expected = now.filter(keep).map((t) => t.id);
      const at = Math.floor(expected.length / 2);
      const page = await list(`${query}&offset=${at}&limit=10`);
      expect(page.tasks.map((t) => t.id), query).toEqual(expected.slice(at, at + 10));
      // Walked on from there with its cursors, the rest of the list exactly.
      const rest = [...page.tasks.map((t) => t.id)];
      for (let cursor = page.nextCursor; cursor !== null; ) {
        const more = await list(`${query}&limit=100&cursor=${encodeURIComponent(cursor)}`);
        rest.push(...more.tasks.map((t) => t.id));
        cursor = more.nextCursor;
      }
      expect(rest, query).toEqual(expected.slice(at));
      // The last page by offset says so; past the end, an empty page.
      expect((await list(`${query}&offset=${expected.length - 3}&limit=10`)).nextCursor, query).toBeNull();
      expect(await list(`${query}&offset=${expected.length}&limit=10`), query).toEqual({ tasks: [], nextCursor: null });
    }
    expect(await list('offset=10000000&total=true')).toEqual({ tasks: [], nextCursor: null, total: now.length });
  });

  it('is refused with a cursor, below 0, fractional or too large, naming offset (REST, MCP, CLI)', async () => {
    const { body: first } = await api<Page>('GET', '/api/tasks?project=paging&limit=1');
    for (const query of [`offset=5&cursor=${encodeURIComponent(first.nextCursor!)}`, 'offset=-1', 'offset=1.5', 'offset=10000001', 'offset=far']) {
      const r = await api('GET', `/api/tasks?project=paging&${query}`);
      expect(r.status, query).toBe(400);
      expect(r.body.error, query).toMatchObject({ code: 'invalid_input', field: 'offset' });
    }
    const both = await callTool(mcp, 'task_list', { project: 'paging', offset: 3, cursor: first.nextCursor });
    expect(both.isError).toBe(true);
    expect(both.text.endsWith('(field: offset)'), both.text).toBe(true);
    const bad = await cli(['task', 'list', '--offset', '-2'], { MAESTRO_PROJECT_ID: 'paging' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('(--offset)');
  });

  it('is the same page over MCP and from the CLI, which walks on from it', async () => {
    const now = await everything();
    const tool = await callTool(mcp, 'task_list', { project: 'paging', offset: 1000, limit: 5 });
    expect(tool.isError, tool.text).toBe(false);
    expect((tool.structured as Page).tasks.map((t) => t.id)).toEqual(now.slice(1000, 1005).map((t) => t.id));

    const env = { MAESTRO_PROJECT_ID: 'paging' };
    const one = await ok<Page>(cli, ['task', 'list', '--offset', '10', '--limit', '4'], env);
    expect(one.tasks.map((t) => t.id)).toEqual(now.slice(10, 14).map((t) => t.id));
    // Without --limit: every task from the offset on, over several pages.
    const tail = await ok<Page>(cli, ['task', 'list', '--offset', String(now.length - 700)], env);
    expect(tail.tasks.map((t) => t.id)).toEqual(now.slice(-700).map((t) => t.id));
    expect(tail.nextCursor).toBeNull();
  });
});

describe('task_list search', { timeout: 60_000 }, () => {
  const search = async (text: string, project = 'paging') =>
    api<Page>('GET', `/api/tasks?project=${project}&limit=1000&search=${encodeURIComponent(text)}`);

  it('matches word starts, needs every word, and never reads user text as FTS syntax', async () => {
    // The project as it is now (earlier tests renamed and added tasks).
    const now = await everything();
    expect((await search('fro')).body.tasks.length).toBe(now.filter((t) => t.description.includes('frobnicator')).length);
    expect((await search('FROBNICATOR alph')).body.tasks.map((t) => t.id)).toEqual(
      now.filter((t) => t.description.includes('frobnicator') && t.title.endsWith(' alpha')).map((t) => t.id),
    );
    expect((await search('obnicator')).body.tasks).toEqual([]); // a prefix, not a substring
    for (const text of ['AND "x* NEAR(', '"', 'title:beta', '*', '-beta', 'beta OR', 'NOT beta', '(beta', 'beta)', '^beta', "it's", 'a"b', '{title}: beta', '!!!']) {
      const r = await search(text);
      expect(r.status, `${text}: ${JSON.stringify(r.body)}`).toBe(200);
    }
    // Operators are only words: `beta OR` needs a word starting with "or" too, which no task has.
    expect((await search('beta OR')).body.tasks).toEqual([]);
    expect((await search('^beta')).body.tasks.length).toBe(now.filter((t) => t.title.endsWith(' beta')).length);
    expect((await search('!!!')).body).toEqual({ tasks: [], nextCursor: null });
  });

  it('follows a title change and forgets deleted tasks', async () => {
    const task = all[300]!;
    await api('PATCH', `/api/tasks/${task.id}`, { title: 'Zebra crossing', description: 'quokka habitat' });
    expect((await search('zebr')).body.tasks.map((t) => t.id)).toEqual([task.id]);
    expect((await search('quokk')).body.tasks.map((t) => t.id)).toEqual([task.id]);
    expect((await search(task.title)).body.tasks.map((t) => t.id)).not.toContain(task.id);

    await api('POST', '/api/projects', { name: 'doomed', workingDir: server.home });
    await api('POST', '/api/tasks/import', { project: 'doomed', rows: [{ key: 'd1', title: 'quokka doomed' }, { key: 'd2', title: 'quokka child', parent: 'd1' }] });
    expect((await search('quokka', 'doomed')).body.tasks).toHaveLength(2);
    expect((await api('DELETE', '/api/projects/doomed')).status).toBe(200);
    // The index holds no row of the deleted tasks (an orphan would still match, pointing at nothing).
    const db = server.svc.db;
    expect(db.prepare(`SELECT rowid FROM tasks_fts WHERE tasks_fts MATCH 'quokka'`).all()).toHaveLength(1);
    expect(() => db.prepare(`INSERT INTO tasks_fts(tasks_fts, rank) VALUES ('integrity-check', 1)`).run()).not.toThrow();
  });
});

describe('the search index of an older database', () => {
  it('is filled from the tasks it already had when migration 14 adds it', () => {
    const { db, at } = databaseBefore(14);
    const task = db.prepare(`INSERT INTO tasks (id, project_id, title, description, status, priority, seq, created_at, updated_at) VALUES (?, 'prj_old', ?, ?, 'todo', 'medium', ?, ?, ?)`);
    task.run('tsk_old1', 'Wombat burrow', 'dig it', 1, at, at);
    task.run('tsk_old2', 'Other', 'a wombat nearby', 2, at, at);
    expect(migrate(db)).toBe(MIGRATIONS.length - 13);
    const found = db.prepare(`SELECT t.id FROM tasks_fts f JOIN tasks t ON t.seq = f.rowid WHERE tasks_fts MATCH ? ORDER BY f.rowid`).all('"wom"*');
    expect(found).toEqual([{ id: 'tsk_old1' }, { id: 'tsk_old2' }]);
    db.close();
  });
});

describe('bad paging input', { timeout: 60_000 }, () => {
  it('is a 400 naming the field over REST', async () => {
    const { body: other } = await api<Page>('GET', '/api/tasks?project=elsewhere&limit=1');
    const cases: Array<[string, string]> = [
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['limit=2.5', 'limit'],
      ['limit=lots', 'limit'],
      ['cursor=nonsense', 'cursor'],
      [`cursor=${encodeURIComponent(other.nextCursor!)}`, 'cursor'], // another project's
      ['cursor=c1.', 'cursor'],
      ['search=', 'search'],
      [`search=${'x'.repeat(201)}`, 'search'],
      ['total=maybe', 'total'],
      [`parent=${all[0]!.id}&parentId=${all[1]!.id}`, 'parent'],
    ];
    for (const [query, field] of cases) {
      const r = await api('GET', `/api/tasks?project=paging&${query}`);
      expect(r.status, query).toBe(400);
      expect(r.body.error, query).toMatchObject({ code: 'invalid_input', field });
    }
    // The same task under both names is no conflict.
    const both = await api<Page>('GET', `/api/tasks?project=paging&parent=${all[0]!.id}&parentId=${all[0]!.id}`);
    expect(both.status).toBe(200);
  });

  it('is an MCP error naming the field', async () => {
    for (const [args, field] of [
      [{ project: 'paging', limit: 0 }, 'limit'],
      [{ project: 'paging', cursor: 'nope' }, 'cursor'],
      [{ project: 'paging', search: '' }, 'search'],
    ] as const) {
      const r = await callTool(mcp, 'task_list', args);
      expect(r.isError, JSON.stringify(args)).toBe(true);
      expect(r.text.endsWith(`(field: ${field})`), r.text).toBe(true);
    }
    const page = await callTool(mcp, 'task_list', { project: 'paging', search: 'frob', limit: 2 });
    expect(page.isError).toBe(false);
    expect(page.structured).toMatchObject({ tasks: [expect.any(Object), expect.any(Object)], nextCursor: expect.any(String) });
  });
});

describe('maestro task list', { timeout: 60_000 }, () => {
  const env = { MAESTRO_PROJECT_ID: 'paging' };

  it('walks every page without --limit, as a table and as streamed JSON', async () => {
    const count = (await api<Page>('GET', '/api/tasks?project=paging&limit=1&total=true')).body.total!;
    const table = await cli(['task', 'list'], env);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+PRIORITY/);
    expect(lines).toHaveLength(count + 1); // one header, then every task
    expect(lines.filter((l) => l.startsWith('ID '))).toHaveLength(1);

    const json = await ok<Page>(cli, ['task', 'list'], env);
    expect(json.nextCursor).toBeNull();
    expect(json.tasks).toHaveLength(count);
    const search = await ok<Page>(cli, ['task', 'list', '--search', 'frob', '--status', 'done'], env);
    expect(search.tasks.map((t) => t.id)).toEqual((await api<Page>('GET', '/api/tasks?project=paging&search=frob&status=done&limit=1000')).body.tasks.map((t) => t.id));
    expect(await ok(cli, ['task', 'list', '--search', 'nothing-matches-this'], env)).toEqual({ tasks: [], nextCursor: null });
  });

  it('shows one page with --limit, and says how to get the next', async () => {
    const first = await cli(['task', 'list', '--limit', '7'], env);
    expect(first.code, first.stderr).toBe(0);
    const lines = first.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1 + 7 + 1);
    const cursor = /--cursor (\S+)$/.exec(lines.at(-1)!)![1]!;
    const next = await ok<Page>(cli, ['task', 'list', '--limit', '7', '--cursor', cursor], env);
    expect(next.tasks.map((t) => t.id)).toEqual(all.slice(7, 14).map((t) => t.id));
    const bad = await cli(['task', 'list', '--limit', '0'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('(--limit)');
    const cursorBad = await cli(['task', 'list', '--cursor', 'nope'], env);
    expect(cursorBad.code).toBe(2);
    expect(cursorBad.stderr).toContain('(--cursor)');
  });
});

describe('task tree, streamed', { timeout: 60_000 }, () => {
  it('sends NDJSON lines depth first, chunked, and the CLI prints them as the nested tree', async () => {
    const res = await fetch(`${server.url}/api/tasks/tree/stream?project=paging`, { headers: ownerAuth(server.home) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const reader = res.body!.getReader();
    let chunks = 0;
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      text += Buffer.from(value).toString('utf8');
    }
    expect(chunks).toBeGreaterThan(1); // written page by page, not as one body
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as { depth: number; last: boolean; task: Task });
    const current = (await api<Page>('GET', '/api/tasks?project=paging&limit=1&total=true')).body.total!;
    expect(lines).toHaveLength(current);

    // The same tree as task_tree's nested answer, flattened depth first.
    const nested = (await api('GET', '/api/tasks/tree?project=paging&limit=5000')).body as Array<Task & { children: any[] }>;
    const flat: Array<{ depth: number; last: boolean; id: string }> = [];
    const visit = (nodes: Array<Task & { children: any[] }>, depth: number) =>
      nodes.forEach((n, i) => {
        flat.push({ depth, last: i === nodes.length - 1, id: n.id });
        visit(n.children, depth + 1);
      });
    visit(nested, 0);
    expect(lines.map((l) => ({ depth: l.depth, last: l.last, id: l.task.id }))).toEqual(flat);

    const json = await ok(cli, ['task', 'tree'], { MAESTRO_PROJECT_ID: 'paging' });
    expect(json).toEqual(nested);
    const human = await cli(['task', 'tree'], { MAESTRO_PROJECT_ID: 'paging' });
    expect(human.code, human.stderr).toBe(0);
    const rows = human.stdout.split('\n');
    expect(rows).toHaveLength(current + 3); // every task, a blank line, the legend, and the final newline
    const root = nested.find((n) => n.children.length === 3)!;
    const at = rows.findIndex((r) => r.includes(root.id));
    expect(rows[at]).toMatch(/^[○✓◐✗?–] /);
    expect(rows[at + 1]).toContain(`├── `);
    expect(rows[at + 3]).toContain(`└── `);
    expect(rows[at + 3]).toContain(root.children[2].id);

    const subtree = await ok(cli, ['task', 'tree', root.id], { MAESTRO_PROJECT_ID: 'paging' });
    expect(subtree).toEqual((await api('GET', `/api/tasks/tree?rootId=${root.id}`)).body);
    const missing = await cli(['task', 'tree', 'tsk_nope'], { MAESTRO_PROJECT_ID: 'paging' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("error: task 'tsk_nope' does not exist ([root])\n");
  });

  it('prints a 20k-task project line by line without holding it', async () => {
    await api('POST', '/api/projects', { name: 'big', workingDir: server.home });
    const rows = Array.from({ length: 20_000 }, (_, i) => ({ key: `b${i}`, title: `big ${i}`, ...(i % 2 === 1 ? { parent: `b${i - 1}` } : {}) }));
    expect((await api('POST', '/api/tasks/import', { project: 'big', rows: rows.slice(0, 10_000) })).status).toBe(200);
    expect((await api('POST', '/api/tasks/import', { project: 'big', rows: rows.slice(10_000) })).status).toBe(200);
    const out = await cli(['task', 'tree'], { MAESTRO_PROJECT_ID: 'big' });
    expect(out.code, out.stderr).toBe(0);
    const lines = out.stdout.split('\n');
    expect(lines).toHaveLength(20_000 + 3);
    expect(lines[0]).toMatch(/^○ big 0 {2}tsk_\w+ {2}\[todo, medium, ready\]$/);
    expect(lines[1]).toMatch(/^└── ○ big 1 {2}tsk_\w+/);
    expect(lines[20_000 - 1]).toMatch(/^└── ○ big 19999 /);
  });

  it('task_tree answers at most `limit` tasks (1000 by default): a larger tree is refused with its size, a subtree is not', async () => {
    const size = (await api<Page>('GET', '/api/tasks?project=paging&limit=1&total=true')).body.total!;
    expect(size).toBeGreaterThan(1000);
    const refused = await api('GET', '/api/tasks/tree?project=paging');
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'invalid_input', field: 'limit' });
    expect(refused.body.error.message).toContain(`the project has ${size} tasks, more than limit 1000`);
    const overMax = await api('GET', '/api/tasks/tree?project=paging&limit=10001');
    expect(overMax.status).toBe(400);
    expect(overMax.body.error.field).toBe('limit');
    // An agent is told the same, and what to do instead.
    const tool = await callTool(mcp, 'task_tree', { project: 'big', limit: 10_000 });
    expect(tool.isError).toBe(true);
    expect(tool.text).toMatch(/the project has 20000 tasks, more than limit 10000: ask for a subtree \(rootId\).*\(field: limit\)/);
    // A subtree is counted alone: two tasks of the 20,000, under the default limit.
    const first = (await api<Page>('GET', '/api/tasks?project=big&limit=1')).body.tasks[0]!;
    const subtree = await callTool(mcp, 'task_tree', { rootId: first.id });
    expect(subtree.isError, subtree.text).toBe(false);
    expect(subtree.data).toHaveLength(1);
    expect(subtree.data[0].id).toBe(first.id);
    expect(subtree.data[0].children.map((c: Task) => c.title)).toEqual(['big 1']);
    // A subtree of exactly `limit` tasks is answered; one more is refused.
    expect((await api('GET', `/api/tasks/tree?rootId=${first.id}&limit=2`)).status).toBe(200);
    const tight = await api('GET', `/api/tasks/tree?rootId=${first.id}&limit=1`);
    expect(tight.status).toBe(400);
    expect(tight.body.error.message).toContain(`the subtree under ${first.id} has 2 tasks, more than limit 1`);
    // A root of another project than the one named is not in its tree.
    const elsewhere = await api('GET', `/api/tasks/tree?project=paging&rootId=${first.id}`);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.error.field).toBe('rootId');
  });
});
