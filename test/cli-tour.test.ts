import { existsSync, readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, tempHome, type TestServer } from './helpers.js';
import { cliFor, ok } from './cli-support.js';

/* The README's 5-minute tour, run through the built CLI against a real server, then a restart. */

let server: TestServer;
let dir: string;
const cli = cliFor(() => server.url, () => server.home);
const ids: Record<string, string> = {};

beforeAll(async () => {
  server = await startTestServer();
  dir = tempHome('maestro-cli-project-');
});

afterAll(async () => {
  await server?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('the CLI tour', { timeout: 120_000 }, () => {
  it('creates a project, defaulting --dir to the current directory', async () => {
    const r = await cli(['project', 'create', 'demo', '--dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^created project prj_\w+ {2}demo {2}\(/);
    const project = await ok(cli, ['project', 'get', 'demo']);
    expect(project).toMatchObject({ name: 'demo', workingDir: dir });
    ids.project = project.id;

    const list = await cli(['project', 'list']);
    expect(list.stdout).toContain(`${project.id}  demo`);
  });

  it('creates tasks with subtasks and dependencies and shows the tree', async () => {
    const parent = await ok(cli, ['task', 'create', 'Build the parser', '--priority', 'high', '-d', 'Parse the DSL']);
    expect(parent).toMatchObject({ title: 'Build the parser', priority: 'high', description: 'Parse the DSL', status: 'todo' });
    const tok = await ok(cli, ['task', 'create', 'Tokenizer', '--parent', parent.id]);
    const gram = await ok(cli, ['task', 'create', 'Grammar', '--parent', parent.id, '--depends-on', tok.id]);
    expect(gram).toMatchObject({ parentId: parent.id, dependencies: [tok.id], ready: false });
    Object.assign(ids, { parent: parent.id, tok: tok.id, gram: gram.id });

    const human = await cli(['task', 'create', 'Write docs', '--project', 'demo']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^created tsk_\w+ {2}Write docs {2}\[todo, medium, ready\]\n$/);

    const tree = await cli(['task', 'tree']);
    expect(tree.code).toBe(0);
    const lines = tree.stdout.split('\n');
    expect(lines).toContain(`○ Build the parser  ${parent.id}  [todo, high, ready]`);
    expect(lines).toContain(`├── ○ Tokenizer  ${tok.id}  [todo, medium, ready]`);
    expect(lines).toContain(`└── ○ Grammar  ${gram.id}  [todo, medium, waits on ${tok.id}]`);
    expect(lines.indexOf(`├── ○ Tokenizer  ${tok.id}  [todo, medium, ready]`)).toBeGreaterThan(
      lines.indexOf(`○ Build the parser  ${parent.id}  [todo, high, ready]`),
    );

    const subtree = await ok(cli, ['task', 'tree', parent.id]);
    expect(subtree).toHaveLength(1);
    expect(subtree[0].children.map((c: { id: string }) => c.id).sort()).toEqual([tok.id, gram.id].sort());
  });

  it('filters ready tasks, updates and completes', async () => {
    const { tasks: ready } = await ok<{ tasks: Array<{ id: string }> }>(cli, ['task', 'list', '--ready']);
    expect(ready.map((t) => t.id)).toContain(ids.tok);
    expect(ready.map((t) => t.id)).not.toContain(ids.gram);

    const { tasks: children } = await ok<{ tasks: Array<{ id: string }> }>(cli, ['task', 'list', '--parent', ids.parent!]);
    expect(children.map((t) => t.id).sort()).toEqual([ids.tok, ids.gram].sort());
    const { tasks: top } = await ok<{ tasks: Array<{ id: string }> }>(cli, ['task', 'list', '--parent', 'none']);
    expect(top.map((t) => t.id)).not.toContain(ids.tok);

    const table = await cli(['task', 'list', '--status', 'todo,in_progress']);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID +STATUS +PRIORITY +READY +ASSIGNEE +TITLE$/);
    expect(table.stdout).toContain('Tokenizer');

    const updated = await cli(['task', 'update', ids.gram!, '--priority', 'critical', '--title', 'Grammar rules']);
    expect(updated.code).toBe(0);
    expect(updated.stdout).toContain(`updated ${ids.gram}  Grammar rules  [todo, critical`);

    const done = await ok(cli, ['task', 'complete', ids.tok!, '--summary', 'tokens in']);
    expect(done.status).toBe('done');
    const gram = await ok(cli, ['task', 'get', ids.gram!]);
    expect(gram.ready).toBe(true);

    const detail = await cli(['task', 'get', ids.parent!]);
    expect(detail.stdout).toMatch(/^tsk_\w+ {2}Build the parser\n/);
    expect(detail.stdout).toContain('priority: high');
    expect(detail.stdout).toContain('Parse the DSL');

    const none = await ok(cli, ['task', 'update', ids.gram!, '--depends-on', 'none']);
    expect(none.dependencies).toEqual([]);
  });

  it('spawns a session and reports as that session', async () => {
    const spawned = await ok(cli, ['session', 'spawn', '--task', ids.gram!, '--name', 'w1', '--env', 'FOO=bar=baz']);
    expect(spawned.session).toMatchObject({ name: 'w1', role: 'worker', strategy: 'simple', status: 'spawning', taskIds: [ids.gram] });
    expect(spawned.session.env).toEqual({ FOO: 'bar=baz' });
    expect(existsSync(spawned.manifestPath)).toBe(true);
    const sid: string = spawned.session.id;
    ids.worker = sid;
    const as = { MAESTRO_SESSION_ID: sid };

    const me = await cli(['whoami'], as);
    expect(me.stdout).toContain(`session ${sid}  w1  [worker, simple, spawning]`);
    expect(me.stdout).toMatch(/current task: tsk_\w+ {2}Grammar rules/);

    let r = await cli(['report', 'progress', 'rules', 'drafted'], as);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`reported progress for ${sid} on ${ids.gram} (task in_progress); session running\n`);

    r = await cli(['report', 'needs-input', 'LL or LR?'], as);
    expect(r.stdout).toContain('session needs_input');
    r = await cli(['report', 'blocked', 'waiting for an answer'], as);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('(task blocked); session blocked');
    r = await cli(['report', 'error', 'flaky', 'test'], as);
    expect(r.code).toBe(0);
    // A person may report for a session with --session.
    r = await cli(['report', 'progress', '--session', sid, 'answered: LL']);
    expect(r.stdout).toContain('session running');
    r = await cli(['report', 'complete', '--task', ids.gram!, 'grammar done'], as);
    expect(r.stdout).toBe(`reported complete for ${sid} on ${ids.gram} (task done); session completed\n`);

    const info = await cli(['session', 'info', sid]);
    expect(info.code).toBe(0);
    expect(info.stdout).toContain(`${sid}  w1  [worker, simple, completed]`);
    for (const text of ['rules drafted', 'LL or LR?', 'waiting for an answer', 'flaky test', 'grammar done'])
      expect(info.stdout).toMatch(new RegExp(`\\d{2}:\\d{2}:\\d{2} {2}\\w+ +(tsk_\\w+ {2})?${text.replace('?', '\\?')}`));
    const mine = await ok(cli, ['session', 'info', '--limit', '3'], as);
    expect(mine.session.id).toBe(sid);
    expect(mine.timeline).toHaveLength(3);

    const sessions = await cli(['session', 'list']);
    expect(sessions.stdout).toMatch(new RegExp(`${sid} +w1 +worker +simple +completed`));
  });

  it('works through a queue', async () => {
    const first = await ok(cli, ['task', 'create', 'Queue one']);
    const second = await ok(cli, ['task', 'create', 'Queue two', '--depends-on', first.id]);
    const spawned = await ok(cli, ['session', 'spawn', '--strategy', 'queue', '--task', second.id, '--task', first.id, '--name', 'q']);
    const as = { MAESTRO_SESSION_ID: spawned.session.id };
    ids.queue = spawned.session.id;

    const listed = await cli(['queue', 'list'], as);
    expect(listed.stdout).toMatch(new RegExp(`^1 +queued +${second.id} +no +0 +Queue two$`, 'm'));
    expect(listed.stdout).toMatch(new RegExp(`^2 +queued +${first.id} +yes +0 +Queue one$`, 'm'));

    let r = await cli(['queue', 'start'], as);
    expect(r.stdout).toBe(`started ${first.id}  Queue one  [in_progress]\n`);
    r = await cli(['queue', 'start'], as);
    expect(r.stdout).toBe(`already working on ${first.id}  Queue one  [in_progress]\n`);
    r = await cli(['queue', 'status'], as);
    expect(r.stdout).toContain(`current: ${first.id}  Queue one`);
    expect(r.stdout).toContain('2 total: 1 in progress, 1 queued (1 waiting), 0 done');

    r = await cli(['queue', 'skip', '--reason', 'later'], as);
    expect(r.stdout).toBe(`skipped ${first.id}  Queue one  [queued, skipped 1x]\n`);
    r = await cli(['queue', 'start'], as);
    expect(r.stdout).toContain(`started ${first.id}`);
    r = await cli(['queue', 'complete', '--summary', 'one done'], as);
    expect(r.stdout).toBe(`completed ${first.id}  Queue one  [done, skipped 1x]\n`);

    // A person drives the same queue with --session.
    r = await cli(['queue', 'start', '--session', spawned.session.id]);
    expect(r.stdout).toContain(`started ${second.id}`);
    r = await cli(['queue', 'complete', '--session', spawned.session.id]);
    expect(r.code).toBe(0);
    r = await cli(['queue', 'start'], as);
    expect(r.stdout).toBe('nothing to start: the queue is empty\n');
  });

  it('tells who is calling, the overall status and writes manifests', async () => {
    const user = await cli(['whoami']);
    expect(user.stdout).toBe(`user (no session: full rights)\nserver: ${server.url}\n`);

    const status = await cli(['status']);
    expect(status.stdout).toMatch(/^projects: 1$/m);
    expect(status.stdout).toMatch(/^tasks: +6 total/m);
    expect(status.stdout).toMatch(/^sessions: +2 total/m);
    const counts = await ok(cli, ['status', '--project', 'demo']);
    expect(counts.tasks.total).toBe(6);

    const r = await cli(['manifest', 'generate'], { MAESTRO_SESSION_ID: ids.queue });
    expect(r.code).toBe(0);
    const path = /^wrote (.+manifest\.json)$/m.exec(r.stdout)?.[1];
    expect(path).toBeDefined();
    const manifest = JSON.parse(readFileSync(path!, 'utf8'));
    expect(manifest.session).toMatchObject({ id: ids.queue, strategy: 'queue' });
    expect(manifest.project.workingDir).toBe(dir);
    const other = await ok(cli, ['manifest', 'generate', '--session', ids.worker!]);
    expect(existsSync(other.manifestPath)).toBe(true);
  });

  it('keeps every project, task, session and timeline across a server restart', async () => {
    const snapshot = async () => ({
      projects: await ok(cli, ['project', 'list']),
      tasks: await ok(cli, ['task', 'list']),
      tree: await ok(cli, ['task', 'tree']),
      sessions: await ok(cli, ['session', 'list']),
      info: await ok(cli, ['session', 'info', ids.worker!]),
      queue: await ok(cli, ['queue', 'list', '--session', ids.queue!]),
    });
    const before = await snapshot();
    server = await server.restart();
    const after = await snapshot();
    expect(after).toEqual(before);
    expect(before.tasks.tasks).toHaveLength(6);
    expect(before.info.timeline.length).toBeGreaterThan(5);

    // and it keeps working
    const more = await ok(cli, ['task', 'create', 'After restart', '--depends-on', ids.parent!]);
    expect(more.ready).toBe(false);
  });
});
