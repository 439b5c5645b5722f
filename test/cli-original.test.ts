import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.js';
import { CLEAN_ENV, cliFor, ok } from './cli-support.js';

/*
 * The original product's CLI, verbatim: every command its README documents, spelled as it spells them
 * (plus `--json`), against a real server: as the owner, then as a session, both with the owner's secret
 * and MAESTRO_SESSION_ID and with the session's own MAESTRO_SESSION_TOKEN alone.
 */

let server: TestServer;
const cli = cliFor(() => server.url, () => server.home);
const ids: Record<string, string> = {};

beforeAll(async () => {
  server = await startTestServer();
  mkdirSync(join(server.home, 'skills'), { recursive: true });
  writeFileSync(join(server.home, 'skills', 'deploy.md'), '---\ndescription: how to deploy\n---\n# Deploy\n\nRun the script.\n');
});

afterAll(async () => {
  await server?.dispose();
});

describe('the original CLI as the owner', { timeout: 120_000 }, () => {
  it('project list | create <name>', async () => {
    expect(await ok(cli, ['project', 'list'])).toEqual([]);
    const r = await cli(['project', 'create', 'my-app']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^created project prj_\w+ {2}my-app {2}\(/);
    const projects = await ok(cli, ['project', 'list']);
    expect(projects).toHaveLength(1);
    expect(projects[0]).toMatchObject({ name: 'my-app', workingDir: process.cwd() });
    ids.project = projects[0].id;
    expect((await cli(['project', 'list'])).stdout).toContain(`${ids.project}  my-app`);
    const again = await ok(cli, ['project', 'create', 'second', '-d', server.home]);
    expect(again).toMatchObject({ name: 'second', workingDir: server.home });
  });

  it('task create --title, with --parent, --priority, --description/--desc (the positional title stays)', async () => {
    const env = { MAESTRO_PROJECT_ID: ids.project };
    const auth = await ok(cli, ['task', 'create', '--title', 'Build auth system'], env);
    expect(auth).toMatchObject({ title: 'Build auth system', status: 'todo', priority: 'medium', parentId: null });
    const login = await ok(cli, ['task', 'create', '--title', 'Add login endpoint', '--parent', auth.id], env);
    expect(login).toMatchObject({ title: 'Add login endpoint', parentId: auth.id });
    const signup = await cli(['task', 'create', '--title', 'Add signup endpoint', '--parent', auth.id], env);
    expect(signup.code).toBe(0);
    expect(signup.stdout).toMatch(/^created tsk_\w+ {2}Add signup endpoint {2}\[todo, medium, ready\]\n$/);
    Object.assign(ids, { auth: auth.id, login: login.id, signup: signup.stdout.split(/\s+/)[1]! });

    const desc = await ok(cli, ['task', 'create', '-t', 'Docs', '--desc', 'Write them', '--priority', 'high'], env);
    expect(desc).toMatchObject({ title: 'Docs', description: 'Write them', priority: 'high' });
    const long = await ok(cli, ['task', 'create', 'Positional title', '--description', 'Long form', '-p', 'low'], env);
    expect(long).toMatchObject({ title: 'Positional title', description: 'Long form', priority: 'low' });
    ids.docs = desc.id;
    ids.positional = long.id;
  });

  it('task create with both a <title> and --title, or neither, is a usage error (exit 2)', async () => {
    const env = { MAESTRO_PROJECT_ID: ids.project };
    const both = await cli(['task', 'create', 'One', '--title', 'Two', '--json'], env);
    expect(both.code).toBe(2);
    expect(both.stderr.split('\n')[0]).toBe('error: give the title once: as the <title> argument or with --title, not both');
    const neither = await cli(['task', 'create', '--priority', 'high'], env);
    expect(neither.code).toBe(2);
    expect(neither.stderr.split('\n')[0]).toBe("error: missing required argument 'title'");
    const help = await cli(['task', 'create', '--help']);
    expect(help.stdout).toContain('-t, --title <title>');
    expect((await ok(cli, ['task', 'list'], env)).tasks.map((t: { title: string }) => t.title)).not.toContain('Two');
  });

  it('task tree | list | get <id>', async () => {
    const env = { MAESTRO_PROJECT_ID: ids.project };
    const tree = await cli(['task', 'tree'], env);
    expect(tree.code).toBe(0);
    const lines = tree.stdout.split('\n');
    expect(lines).toContain(`○ Build auth system  ${ids.auth}  [todo, medium, ready]`);
    expect(lines).toContain(`├── ○ Add login endpoint  ${ids.login}  [todo, medium, ready]`);
    expect(lines).toContain(`└── ○ Add signup endpoint  ${ids.signup}  [todo, medium, ready]`);
    const json = await ok(cli, ['task', 'tree'], env);
    const root = json.find((n: { id: string }) => n.id === ids.auth);
    expect(root.children.map((c: { id: string }) => c.id).sort()).toEqual([ids.login, ids.signup].sort());

    const list = await cli(['task', 'list'], env);
    expect(list.code).toBe(0);
    for (const title of ['Build auth system', 'Add login endpoint', 'Add signup endpoint', 'Docs']) expect(list.stdout).toContain(title);
    expect((await ok(cli, ['task', 'list'], env)).tasks).toHaveLength(5);
    const { tasks: high } = await ok(cli, ['task', 'list', '--priority', 'high'], env);
    expect(high.map((t: { id: string }) => t.id)).toEqual([ids.docs]);
    const badPriority = await cli(['task', 'list', '--priority', 'urgent', '--json'], env);
    expect(badPriority.code).toBe(2);
    expect(JSON.parse(badPriority.stdout).error, badPriority.stdout).toMatchObject({ code: 'invalid_input', field: 'priority.0', message: expect.stringContaining('critical') });
    const { tasks: children } = await ok(cli, ['task', 'list', '--parent', ids.auth!], env);
    expect(children.map((t: { id: string }) => t.id).sort()).toEqual([ids.login, ids.signup].sort());
    // The global options of the original, before the command.
    const global = await cli(['--json', '--project', 'my-app', 'task', 'list', '--status', 'todo']);
    expect(global.code).toBe(0);
    expect(global.json().tasks).toHaveLength(5);

    const got = await ok(cli, ['task', 'get', ids.login!]);
    expect(got).toMatchObject({ id: ids.login, title: 'Add login endpoint', parentId: ids.auth });
    const human = await cli(['task', 'get', ids.login!]);
    expect(human.stdout).toMatch(new RegExp(`^${ids.login} {2}Add login endpoint\\n`));
  });

  it('task update <id> (status, priority, title) | complete <id>', async () => {
    const env = { MAESTRO_PROJECT_ID: ids.project };
    const updated = await ok(cli, ['task', 'update', ids.docs!, '--status', 'in_progress', '--priority', 'critical', '--title', 'Write docs']);
    expect(updated).toMatchObject({ id: ids.docs, status: 'in_progress', priority: 'critical', title: 'Write docs' });
    const desc = await ok(cli, ['task', 'update', ids.docs!, '--desc', 'In the README']);
    expect(desc.description).toBe('In the README');
    const human = await cli(['task', 'update', ids.docs!, '--priority', 'high']);
    expect(human.stdout).toContain(`updated ${ids.docs}  Write docs  [in_progress, high`);
    // The original's status name `completed` is our `done`.
    const completed = await ok(cli, ['task', 'update', ids.positional!, '--status', 'completed']);
    expect(completed.status).toBe('done');
    expect((await ok(cli, ['task', 'list', '--status', 'completed'], env)).tasks.map((t: { id: string }) => t.id)).toEqual([ids.positional]);

    const done = await ok(cli, ['task', 'complete', ids.docs!]);
    expect(done).toMatchObject({ id: ids.docs, status: 'done' });
    const r = await cli(['task', 'complete', ids.signup!]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`completed ${ids.signup}  Add signup endpoint  [done`);
    expect((await ok(cli, ['task', 'get', ids.signup!])).status).toBe('done');
  });

  it('session spawn --task <id> | list | info <id>, manifest generate, report and queue for a session', async () => {
    const env = { MAESTRO_PROJECT_ID: ids.project };
    const spawned = await ok(cli, ['session', 'spawn', '--task', ids.login!], env);
    expect(spawned.session).toMatchObject({ role: 'worker', strategy: 'simple', taskIds: [ids.login], projectId: ids.project });
    expect(existsSync(spawned.manifestPath)).toBe(true);
    const sid: string = spawned.session.id;
    ids.worker = sid;
    const human = await cli(['session', 'spawn', '--task', ids.auth!], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^spawned ses_\w+/);

    const list = await ok(cli, ['session', 'list']);
    expect(list.map((s: { id: string }) => s.id)).toContain(sid);
    expect(list).toHaveLength(2);
    expect((await ok(cli, ['session', 'list', '--task', ids.login!])).map((s: { id: string }) => s.id)).toEqual([sid]);
    expect((await cli(['session', 'list'])).stdout).toMatch(new RegExp(`${sid} .+worker +simple`));

    const info = await ok(cli, ['session', 'info', sid]);
    expect(info.session.id).toBe(sid);
    expect(info.tasks.map((t: { id: string }) => t.id)).toEqual([ids.login]);
    // The owner has no session of its own: `session info` needs an id then.
    const noId = await cli(['session', 'info', '--json']);
    expect(noId.code).toBe(2);
    expect(noId.json().error.code).toBe('invalid_input');

    const manifest = await ok(cli, ['manifest', 'generate', '--session', sid]);
    expect(manifest.manifest.session.id).toBe(sid);
    expect(JSON.parse(readFileSync(manifest.manifestPath, 'utf8')).session.id).toBe(sid);

    // The owner reports and drives queues for a session it names.
    const rep = await ok(cli, ['report', 'progress', '--session', sid, 'Started on login']);
    expect(rep).toMatchObject({ task: { id: ids.login, status: 'in_progress' }, session: { id: sid, status: 'running' } });
    expect(rep.event.message).toBe('Started on login');
    const q = await ok(cli, ['queue', 'list', '--session', sid]);
    expect(Array.isArray(q)).toBe(true);
  });

  it('whoami | status | skill list', async () => {
    expect(await ok(cli, ['whoami'])).toEqual({ kind: 'user', apiUrl: server.url });
    expect((await cli(['whoami'])).stdout).toBe(`user (no session: full rights)\nserver: ${server.url}\n`);
    // my-app's directory is this one (it was created here): a plain `status` is about it; --all about both.
    const status = await ok(cli, ['status', '--all']);
    expect(status).toMatchObject({ projects: 2, tasks: { total: 5 }, sessions: { total: 2 } });
    expect((await cli(['status', '--all'])).stdout).toMatch(/^projects: 2$/m);
    expect(await ok(cli, ['status'])).toMatchObject({ projects: 1, byProject: [{ name: 'my-app', tasks: { total: 5 } }] });
    const skills = await ok(cli, ['skill', 'list', '--project', 'my-app']);
    expect(skills).toEqual([expect.objectContaining({ name: 'deploy', source: 'global', description: 'how to deploy' })]);
    expect((await cli(['skill', 'list'], { MAESTRO_PROJECT_ID: ids.project })).stdout).toMatch(/deploy +global +how to deploy/);
  });
});

/** Runs every command of the original's docs as a session, with `as()` giving its environment. */
function asSession(label: string, envFor: (sid: string) => Record<string, string | undefined>) {
  describe(`the original CLI as a session (${label})`, { timeout: 120_000 }, () => {
    const t: Record<string, string> = {};
    let env: Record<string, string | undefined> = {};

    beforeAll(async () => {
      const p = { MAESTRO_PROJECT_ID: ids.project };
      t.one = (await ok(cli, ['task', 'create', '--title', `${label} one`], p)).id;
      t.two = (await ok(cli, ['task', 'create', '--title', `${label} two`, '--priority', 'high'], p)).id;
      const spawned = await ok(cli, ['session', 'spawn', '--task', t.one, '--task', t.two, '--role', 'orchestrator', '--strategy', 'queue'], p);
      t.sid = spawned.session.id;
      env = envFor(t.sid);
    });

    it('whoami | session info | manifest generate need no id', async () => {
      const me = await ok(cli, ['whoami'], env);
      expect(me).toMatchObject({ kind: 'session', session: { id: t.sid, role: 'orchestrator', strategy: 'queue' } });
      expect((await cli(['whoami'], env)).stdout).toMatch(new RegExp(`^session ${t.sid} `));

      const info = await ok(cli, ['session', 'info'], env);
      expect(info.session.id).toBe(t.sid);
      expect(info.tasks.map((x: { id: string }) => x.id).sort()).toEqual([t.one, t.two].sort());
      expect((await cli(['session', 'info'], env)).stdout).toMatch(new RegExp(`^${t.sid} `));

      const manifest = await ok(cli, ['manifest', 'generate'], env);
      expect(manifest.manifest.session).toMatchObject({ id: t.sid, role: 'orchestrator', strategy: 'queue' });
      expect(existsSync(manifest.manifestPath)).toBe(true);
      expect((await cli(['manifest', 'generate'], env)).stdout).toMatch(/^wrote .+manifest\.json$/m);
    });

    it('queue start | status | list | skip | complete and every report, with no id', async () => {
      const items = await ok(cli, ['queue', 'list'], env);
      expect(items.map((i: { taskId: string }) => i.taskId)).toEqual([t.one, t.two]);
      expect((await cli(['queue', 'list'], env)).stdout).toContain(`${label} one`);

      const started = await ok(cli, ['queue', 'start'], env);
      expect(started.item).toMatchObject({ taskId: t.one, state: 'in_progress' });
      const status = await ok(cli, ['queue', 'status'], env);
      expect(status).toMatchObject({ sessionId: t.sid, current: { taskId: t.one }, counts: { total: 2, inProgress: 1 } });
      expect((await cli(['queue', 'status'], env)).stdout).toContain(`current: ${t.one}`);

      const progress = await ok(cli, ['report', 'progress', 'Finished the login route, starting tests'], env);
      expect(progress).toMatchObject({ session: { id: t.sid }, task: { id: t.one, status: 'in_progress' } });
      expect(progress.event.message).toBe('Finished the login route, starting tests');
      const question = await ok(cli, ['report', 'needs-input', 'Which database?'], env);
      expect(question.session.status).toBe('needs_input');
      const blocked = await cli(['report', 'blocked', 'Need database credentials'], env);
      expect(blocked.code).toBe(0);
      expect(blocked.stdout).toContain(`reported blocked for ${t.sid}`);
      expect(blocked.stdout).toContain('session blocked');
      const error = await ok(cli, ['report', 'error', 'Tests crashed'], env);
      expect(error.event.message).toBe('Tests crashed');

      const skipped = await ok(cli, ['queue', 'skip'], env);
      expect(skipped).toMatchObject({ taskId: t.one, skipCount: 1 });
      const next = await ok(cli, ['queue', 'start'], env);
      expect(next.item.taskId).toBe(t.two);
      const done = await ok(cli, ['queue', 'complete'], env);
      expect(done).toMatchObject({ taskId: t.two, state: 'done' });
      expect((await cli(['queue', 'start'], env)).stdout).toBe(`started ${t.one}  ${label} one  [in_progress, skipped 1x]\n`);
      const last = await cli(['queue', 'complete'], env);
      expect(last.stdout).toMatch(new RegExp(`^completed ${t.one} `));
      expect((await ok(cli, ['queue', 'status'], env)).counts).toMatchObject({ total: 2, done: 2 });
    });

    it('task create --title | list | get | update | complete | tree in its own project', async () => {
      const made = await ok(cli, ['task', 'create', '--title', `${label} sub`, '--parent', t.one, '--desc', 'a subtask'], env);
      expect(made).toMatchObject({ title: `${label} sub`, parentId: t.one, description: 'a subtask', projectId: ids.project });
      const { tasks: list } = await ok(cli, ['task', 'list'], env);
      expect(list.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining([t.one, t.two, made.id]));
      expect((await ok(cli, ['task', 'get', made.id], env)).title).toBe(`${label} sub`);
      const upd = await ok(cli, ['task', 'update', made.id, '--priority', 'high', '--status', 'in_progress'], env);
      expect(upd).toMatchObject({ priority: 'high', status: 'in_progress' });
      expect((await ok(cli, ['task', 'complete', made.id], env)).status).toBe('done');
      const tree = await ok(cli, ['task', 'tree'], env);
      const node = tree.find((n: { id: string }) => n.id === t.one);
      expect(node.children.map((c: { id: string }) => c.id)).toEqual([made.id]);
      expect((await cli(['task', 'tree'], env)).stdout).toContain(`└── ✓ ${label} sub  ${made.id}`);
    });

    it('session list | spawn --task <id> as an orchestrator; project list, status, skill list; project create is the owner\u2019s', async () => {
      const task = await ok(cli, ['task', 'create', '--title', `${label} worker task`], env);
      const spawned = await ok(cli, ['session', 'spawn', '--task', task.id], env);
      expect(spawned.session).toMatchObject({ parentSessionId: t.sid, taskIds: [task.id], role: 'worker' });
      const sessions = await ok(cli, ['session', 'list'], env);
      expect(sessions.map((s: { id: string }) => s.id)).toEqual(expect.arrayContaining([t.sid, spawned.session.id]));
      expect((await ok(cli, ['session', 'list', '--task', task.id], env)).map((s: { id: string }) => s.id)).toEqual([spawned.session.id]);

      expect((await ok(cli, ['project', 'list'], env)).map((p: { name: string }) => p.name)).toContain('my-app');
      const status = await ok(cli, ['status'], env);
      expect(status.tasks.total).toBeGreaterThan(0);
      const skills = await ok(cli, ['skill', 'list'], env);
      expect(skills.map((s: { name: string }) => s.name)).toContain('deploy');

      const create = await cli(['project', 'create', 'not-mine', '--json'], env);
      expect(create.code).toBe(1);
      expect(create.json().error.code).toBe('forbidden');
      expect(create.stderr).toMatch(/^error: /);
    });

    it('report complete <summary> last (it ends the session)', async () => {
      const complete = await ok(cli, ['report', 'complete', 'Auth system is done'], env);
      expect(complete.event.message).toBe('Auth system is done');
      expect(complete.session).toMatchObject({ id: t.sid, status: 'completed' });
      const timeline = (await ok(cli, ['session', 'info', t.sid])).timeline.map((e: { message?: string }) => e.message);
      for (const m of ['Finished the login route, starting tests', 'Which database?', 'Need database credentials', 'Tests crashed', 'Auth system is done'])
        expect(timeline).toContain(m);
    });
  });
}

asSession('owner secret + MAESTRO_SESSION_ID', (sid) => ({ MAESTRO_SESSION_ID: sid }));
asSession('MAESTRO_SESSION_TOKEN alone', (sid) => ({
  MAESTRO_HOME: CLEAN_ENV.MAESTRO_HOME, // no owner secret: the token is the only credential
  MAESTRO_SESSION_TOKEN: server.svc.sessions.token(sid),
}));
