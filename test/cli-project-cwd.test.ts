/**
 * The project from the working directory, and the views across projects, through the built CLI:
 * `--project` > $MAESTRO_PROJECT_ID > the directory the command runs in (a project's folder, a nested
 * project's, or its sessions' worktree folder) > the only project; `session list --all` and `status --all`.
 */
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectAt } from '../src/core/project-dirs.js';
import type { Project } from '../src/core/types.js';
import { CLEAN_ENV } from './cli-support.js';
import { runCli, startTestServer, tempHome, type TestServer } from './helpers.js';

let server: TestServer;
let root: string;
let alpha: Project;
let beta: Project;
let nested: Project;
let env: Record<string, string | undefined>;

const cli = (args: string[], cwd: string, extra: Record<string, string | undefined> = {}) => runCli([...args, '--json'], { ...env, ...extra }, undefined, cwd);

beforeAll(async () => {
  server = await startTestServer();
  root = tempHome('maestro-cwd-');
  for (const d of ['alpha/src/deep', 'alpha/inner/lib', 'beta', 'outside', 'trees/beta-wt/feature']) mkdirSync(join(root, d), { recursive: true });
  const svc = server.svc;
  alpha = svc.projects.create({ name: 'alpha', workingDir: join(root, 'alpha') });
  beta = svc.projects.create({ name: 'beta', workingDir: join(root, 'beta') });
  nested = svc.projects.create({ name: 'alpha-inner', workingDir: join(root, 'alpha/inner') });
  svc.projects.update(beta.id, { worktreeRoot: join(root, 'trees') });
  env = { ...CLEAN_ENV, MAESTRO_HOME: server.home, MAESTRO_API_URL: server.url };
});

afterAll(async () => {
  await server?.dispose();
});

describe('the project of the working directory', () => {
  it('a command inside a project directory, or below it, uses that project', async () => {
    const r = await cli(['task', 'create', 'from deep inside alpha'], join(root, 'alpha/src/deep'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().projectId).toBe(alpha.id);
    const b = await cli(['task', 'create', 'in beta'], join(root, 'beta'));
    expect(b.json().projectId).toBe(beta.id);
  });

  it('a project nested in another one wins inside its own folder', async () => {
    const r = await cli(['task', 'create', 'nested'], join(root, 'alpha/inner/lib'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().projectId).toBe(nested.id);
  });

  it("a session's worktree folder belongs to its project (the project's worktree root, or $MAESTRO_HOME/worktrees/<name>)", async () => {
    const r = await cli(['task', 'list'], join(root, 'trees/beta-wt/feature'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().tasks.map((t: { projectId: string }) => t.projectId)).toEqual([beta.id]);
    const homeTree = join(server.home, 'worktrees', 'alpha', 'worker-1');
    mkdirSync(homeTree, { recursive: true });
    const a = await cli(['task', 'create', 'from a worktree'], homeTree);
    expect(a.json().projectId).toBe(alpha.id);
  });

  it('a symbolic link to a project directory is that project', async () => {
    const link = join(root, 'link-to-beta');
    symlinkSync(join(root, 'beta'), link);
    const r = await cli(['task', 'create', 'through a link'], link);
    expect(r.json().projectId).toBe(beta.id);
  });

  it('--project wins over $MAESTRO_PROJECT_ID, which wins over the directory', async () => {
    const byEnv = await cli(['task', 'create', 'env wins'], join(root, 'alpha'), { MAESTRO_PROJECT_ID: 'beta' });
    expect(byEnv.json().projectId).toBe(beta.id);
    const byFlag = await cli(['task', 'create', 'flag wins', '--project', 'alpha-inner'], join(root, 'alpha'), { MAESTRO_PROJECT_ID: 'beta' });
    expect(byFlag.json().projectId).toBe(nested.id);
    const leading = await runCli(['--project', 'alpha', 'task', 'create', 'leading flag', '--json'], env, undefined, join(root, 'beta'));
    expect(leading.json().projectId).toBe(alpha.id);
  });

  it('outside every project, with more than one project, the project must be named', async () => {
    const r = await cli(['task', 'create', 'nowhere'], join(root, 'outside'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/project is required/);
  });

  it("a subtask goes to its parent's project, wherever the command runs", async () => {
    const parent = (await cli(['task', 'create', 'parent in alpha'], join(root, 'alpha'))).json();
    const child = await cli(['task', 'create', 'child', '--parent', parent.id], join(root, 'beta'));
    expect(child.code, child.stderr).toBe(0);
    expect(child.json().projectId).toBe(alpha.id);
    const tree = await cli(['task', 'tree', parent.id], join(root, 'beta'));
    expect(tree.code, tree.stderr).toBe(0);
    expect(tree.json()[0].children.map((t: { id: string }) => t.id)).toEqual([child.json().id]);
  });

  it('sessions spawned inside a project directory belong to it', async () => {
    const r = await cli(['session', 'spawn', '--name', 'alpha-worker'], join(root, 'alpha/src'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().session.projectId).toBe(alpha.id);
  });

  it('with only one project, any directory uses it', async () => {
    const lone = await startTestServer();
    try {
      const dir = tempHome('maestro-lone-');
      lone.svc.projects.create({ name: 'lone', workingDir: dir });
      const r = await runCli(['task', 'create', 'anywhere', '--json'], { ...CLEAN_ENV, MAESTRO_HOME: lone.home, MAESTRO_API_URL: lone.url }, undefined, root);
      expect(r.code, r.stderr).toBe(0);
      expect(r.json().projectId).toBe(lone.svc.projects.list()[0]!.id);
    } finally {
      await lone.dispose();
    }
  });
});

describe('views across projects', () => {
  beforeAll(async () => {
    for (const [dir, name] of [
      ['beta', 'beta-worker'],
      ['alpha/inner', 'inner-worker'],
    ]) {
      const r = await cli(['session', 'spawn', '--name', name], join(root, dir));
      expect(r.code, r.stderr).toBe(0);
    }
  });

  it('session list covers the project of the directory; --all covers every project, with a PROJECT column', async () => {
    const here = await cli(['session', 'list'], join(root, 'beta'));
    expect(here.json().map((s: { name: string }) => s.name)).toEqual(['beta-worker']);
    const all = await cli(['session', 'list', '--all'], join(root, 'beta'), { MAESTRO_PROJECT_ID: 'beta' });
    expect(all.code, all.stderr).toBe(0);
    const sessions = all.json() as Array<{ name: string; projectName: string }>;
    expect(sessions.map((s) => `${s.projectName}/${s.name}`).sort()).toEqual(['alpha-inner/inner-worker', 'alpha/alpha-worker', 'beta/beta-worker']);
    const human = await runCli(['session', 'list', '--all'], env, undefined, join(root, 'beta'));
    expect(human.stdout.split('\n')[0]).toMatch(/^PROJECT\s+ID\s+NAME/);
    expect(human.stdout).toMatch(/alpha-inner\s+ses_\S+\s+inner-worker/);
  });

  it('status --all counts every project, one line each', async () => {
    const r = await cli(['status', '--all'], join(root, 'alpha'));
    expect(r.code, r.stderr).toBe(0);
    const s = r.json();
    expect(s.projects).toBe(3);
    expect(s.byProject.map((p: { name: string }) => p.name)).toEqual(['alpha', 'alpha-inner', 'beta']);
    const sum = s.byProject.reduce((n: number, p: { tasks: { total: number } }) => n + p.tasks.total, 0);
    expect(sum).toBe(s.tasks.total);
    const one = (await cli(['status'], join(root, 'alpha'))).json();
    expect(one.projects).toBe(1);
    expect(one.byProject.map((p: { name: string }) => p.name)).toEqual(['alpha']);
    const human = await runCli(['status', '--all'], env, undefined, join(root, 'alpha'));
    expect(human.stdout).toMatch(/^PROJECT\s+TASKS\s+READY\s+DONE\s+ACTIVE\s+NEEDS INPUT\s+BLOCKED/);
    expect(human.stdout).toMatch(/\nbeta\s+\d+/);
  });

  it('--all with --project is refused, and a session may not look past its project', async () => {
    const both = await cli(['session', 'list', '--all', '--project', 'beta'], root);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--project or --all/);
    const worker = server.svc.sessions.list({ projectId: beta.id })[0]!;
    const asSession = { MAESTRO_SESSION_ID: worker.id, MAESTRO_SESSION_TOKEN: server.svc.sessions.token(worker.id) };
    const r = await cli(['status', '--all'], root, asSession);
    expect(r.code).toBe(1);
    expect(r.json().error).toMatchObject({ code: 'forbidden', field: 'all' });
    // An agent's own calls are about its project, whatever directory it runs them in.
    const own = await cli(['status'], join(root, 'alpha'), asSession);
    expect(own.json().byProject.map((p: { projectId: string }) => p.projectId)).toEqual([beta.id]);
  });
});

describe('projectAt (the choice itself)', () => {
  const p = (name: string, workingDir: string, worktreeRoot: string | null = null) => ({ name, workingDir, worktreeRoot });

  it('takes the deepest folder, and no project when two claim the same folder', () => {
    const a = p('a', '/w/a');
    const inner = p('inner', '/w/a/inner');
    expect(projectAt([a, inner], '/w/a/inner/x', '/h')).toBe(inner);
    expect(projectAt([a, inner], '/w/a/other', '/h')).toBe(a);
    expect(projectAt([a, inner], '/w/ab', '/h')).toBeNull();
    expect(projectAt([a, p('twin', '/w/a')], '/w/a/x', '/h')).toBeNull();
    expect(projectAt([a], '/h/worktrees/a/s1', '/h')).toBe(a);
  });
});
