import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, tempHome, type TestServer } from './helpers.js';
import { cliFor, ok } from './cli-support.js';

/* `--json` prints exactly the operation's result (pretty JSON) and nothing else, for every command group. */

let server: TestServer;
let dir: string;
const cli = cliFor(() => server.url, () => server.home);

beforeAll(async () => {
  server = await startTestServer();
  dir = tempHome('maestro-cli-json-');
  mkdirSync(join(server.home, 'skills'), { recursive: true });
  writeFileSync(join(server.home, 'skills', 'testing.md'), '---\ndescription: How we test\n---\n# Testing\nRun vitest.\n');
});

afterAll(async () => {
  await server?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('--json', { timeout: 120_000 }, () => {
  it('prints pretty JSON on stdout and nothing on stderr', async () => {
    const r = await cli(['project', 'create', 'json', '--dir', dir, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${JSON.stringify(r.json(), null, 2)}\n`);
    expect(r.json()).toMatchObject({ name: 'json', workingDir: dir });
  });

  it('project', async () => {
    expect(await ok(cli, ['project', 'list'])).toEqual([expect.objectContaining({ name: 'json' })]);
    const p = await ok(cli, ['project', 'get', 'json']);
    expect(p.id).toMatch(/^prj_/);
    const renamed = await ok(cli, ['project', 'update', p.id, '--name', 'json2']);
    expect(renamed.name).toBe('json2');
    await ok(cli, ['project', 'update', 'json2', '--name', 'json']);
  });

  it('task', async () => {
    const a = await ok(cli, ['task', 'create', 'A', '--priority', 'low']);
    const b = await ok(cli, ['task', 'create', 'B', '--parent', a.id, '--depends-on', a.id]);
    expect(b).toMatchObject({ title: 'B', parentId: a.id, dependencies: [a.id], status: 'todo', ready: false });
    expect(await ok(cli, ['task', 'get', b.id])).toEqual(b);
    const { tasks: list } = await ok<{ tasks: Array<{ id: string }> }>(cli, ['task', 'list', '--status', 'todo']);
    expect(list.map((t) => t.id).sort()).toEqual([a.id, b.id].sort());
    const updated = await ok(cli, ['task', 'update', a.id, '--status', 'in_progress', '--description', 'more']);
    expect(updated).toMatchObject({ status: 'in_progress', description: 'more' });
    const done = await ok(cli, ['task', 'complete', a.id]);
    expect(done.status).toBe('done');
    const tree = await ok(cli, ['task', 'tree']);
    expect(tree).toEqual([expect.objectContaining({ id: a.id, children: [expect.objectContaining({ id: b.id, ready: true })] })]);
  });

  it('session, report, queue and manifest', async () => {
    const t1 = await ok(cli, ['task', 'create', 'Q1']);
    const t2 = await ok(cli, ['task', 'create', 'Q2']);
    const spawned = await ok(cli, ['session', 'spawn', '--task', `${t1.id},${t2.id}`, '--strategy', 'queue', '--name', 'jq']);
    expect(spawned).toEqual({ session: expect.objectContaining({ status: 'spawning', strategy: 'queue' }), manifestPath: expect.any(String) });
    const sid = spawned.session.id;
    const as = { MAESTRO_SESSION_ID: sid };

    expect(await ok(cli, ['session', 'list'])).toEqual([expect.objectContaining({ id: sid })]);
    expect(await ok(cli, ['session', 'list', '--status', 'running'])).toEqual([]);

    const list = await ok(cli, ['queue', 'list'], as);
    expect(list.map((i: { taskId: string }) => i.taskId)).toEqual([t1.id, t2.id]);
    const started = await ok(cli, ['queue', 'start'], as);
    expect(started).toMatchObject({ alreadyStarted: false, item: { taskId: t1.id, state: 'in_progress' } });
    const status = await ok(cli, ['queue', 'status'], as);
    expect(status).toMatchObject({ sessionId: sid, current: { taskId: t1.id }, counts: { total: 2, inProgress: 1 } });
    const skipped = await ok(cli, ['queue', 'skip', '--reason', 'later'], as);
    expect(skipped).toMatchObject({ taskId: t1.id, state: 'queued', skipCount: 1 });
    await ok(cli, ['queue', 'start'], as);
    const completed = await ok(cli, ['queue', 'complete', '--summary', 'ok'], as);
    expect(completed).toMatchObject({ state: 'done' });

    const progress = await ok(cli, ['report', 'progress', 'halfway'], as);
    expect(progress).toMatchObject({ event: { kind: 'progress', message: 'halfway' }, session: { id: sid } });
    for (const kind of ['blocked', 'error', 'needs-input', 'complete']) {
      const r = await ok(cli, ['report', kind, `a ${kind} report`], as);
      expect(r.event).toMatchObject({ kind: kind.replace('-', '_'), message: `a ${kind} report` });
    }

    const info = await ok(cli, ['session', 'info', sid]);
    expect(info).toMatchObject({ session: { id: sid }, project: { name: 'json' }, queue: expect.any(Array) });
    expect(info.timeline.map((e: { kind: string }) => e.kind)).toContain('needs_input');

    const manifest = await ok(cli, ['manifest', 'generate'], as);
    expect(manifest.manifest).toMatchObject({ manifestVersion: 1, session: { id: sid } });
    expect(manifest.manifestPath).toBe(join(server.home, 'sessions', sid, 'manifest.json'));

    const whoami = await ok(cli, ['whoami'], as);
    expect(whoami).toMatchObject({ kind: 'session', session: { id: sid } });
  });

  it('template, skill, whoami, status', async () => {
    const t = await ok(cli, ['template', 'create', 'rev', '--role', 'worker', '--strategy', 'queue', '--skill', 'testing', '--agent-command', 'claude']);
    expect(t).toMatchObject({ name: 'rev', strategy: 'queue', skills: ['testing'], agentCommand: 'claude' });
    expect(await ok(cli, ['template', 'list'])).toEqual([expect.objectContaining({ name: 'rev' })]);
    expect(await ok(cli, ['template', 'get', 'rev'])).toEqual(t);
    const fromTemplate = await ok(cli, ['session', 'spawn', '--template', 'rev']);
    expect(fromTemplate.session).toMatchObject({ strategy: 'queue', skills: ['testing'], templateId: t.id });
    expect((await ok(cli, ['template', 'delete', 'rev'])).id).toBe(t.id);
    expect(await ok(cli, ['template', 'list'])).toEqual([]);

    expect(await ok(cli, ['skill', 'list'])).toEqual([expect.objectContaining({ name: 'testing', description: 'How we test', source: 'global' })]);
    const skill = await ok(cli, ['skill', 'get', 'testing']);
    expect(skill.content).toContain('Run vitest.');
    const human = await cli(['skill', 'get', 'testing']);
    expect(human.stdout).toBe('---\ndescription: How we test\n---\n# Testing\nRun vitest.\n');

    expect(await ok(cli, ['whoami'])).toEqual({ kind: 'user', apiUrl: server.url });
    const status = await ok(cli, ['status']);
    expect(status).toMatchObject({ projects: 1, tasks: { total: 4 }, sessions: { total: 2 } });
  });

  it('prints errors as {"error":{…}} on stdout and one human line on stderr', async () => {
    const r = await cli(['task', 'get', 'tsk_missing', '--json']);
    expect(r.code).toBe(1);
    expect(r.json()).toEqual({ error: { code: 'not_found', message: "task 'tsk_missing' does not exist", field: 'taskId' } });
    expect(r.stderr).toBe("error: task 'tsk_missing' does not exist (<id>)\n");

    const bad = await cli(['task', 'create', 'x', '--priority', 'urgent', '--json']);
    expect(bad.code).toBe(2);
    expect(bad.json().error).toMatchObject({ code: 'invalid_input', field: 'priority' });
  });
});
