/**
 * A git worktree per session, its diff, merge, clean-up, the merge queue, and dependencies that wait for
 * the merge (issue 11), end to end: the built `maestro` binary against a real server with its supervisor
 * (tmux), on real git repositories in temp dirs. The agents are a small shell script (test/worktree-support.ts)
 * that writes a file in its cwd, commits it and reports its task complete, as an agent would.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MergeQueueEntry, MergeResult, Session, SessionDiff, SessionFiles, Task, WorktreeInfo } from '../src/core/types.js';
import { ownerApi, startTestServer, tempHome, waitFor, type CliResult, type TestServer } from './helpers.js';
import { cliFor, ok } from './cli-support.js';
import { FAST_TIMING, killTmuxServer } from './pty-support.js';
import {
  agentCommand,
  agentCwd,
  branchExists,
  checkoutState,
  commitFile,
  git,
  isAncestor,
  makeRepo,
  porcelain,
  revParse,
  subjects,
  worktreeList,
  writeAgent,
  writeFiles,
} from './worktree-support.js';

let server: TestServer;
let root: string;
let agent: string;
const cli = cliFor(() => server.url, () => server.home);
const spawnedIds: string[] = [];

beforeAll(async () => {
  server = await startTestServer({ supervisor: true, supervisorTiming: FAST_TIMING });
  root = tempHome('maestro-wt-repos-');
  agent = writeAgent(root);
});

afterAll(async () => {
  if (server) {
    // Stop what still runs (the agents exit by themselves; this is for a test that failed half-way).
    for (const id of spawnedIds)
      if (server.supervisor?.isLive(id)) await ownerApi(server, 'POST', `/api/sessions/${id}/stop`, {}).catch(() => undefined);
    await server.close();
    await killTmuxServer(server.home);
    rmSync(server.home, { recursive: true, force: true });
  }
  if (root) rmSync(root, { recursive: true, force: true });
});

// ---- helpers ----------------------------------------------------------------------------------------

const text = (r: CliResult) => r.stdout + r.stderr;
const worktreesDir = () => join(server.home, 'worktrees');

async function createProject(name: string, dir: string): Promise<void> {
  await ok(cli, ['project', 'create', name, '--dir', dir]);
}

/*
 * Each CLI run is a node process (about half a second of CPU): what the tests look at and the plain set-up
 * go over REST as the owner; the commands of the feature itself go through the built binary.
 */
async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const r = await ownerApi<T>(server, method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** A task; with options (`--depends-on`, `--until`) through the CLI, else over REST. */
async function createTask(project: string, title: string, ...extra: string[]): Promise<Task> {
  if (extra.length) return ok<Task>(cli, ['task', 'create', title, '--project', project, ...extra]);
  return api<Task>('POST', '/api/tasks', { project, title });
}

const getTask = (id: string) => api<Task>('GET', `/api/tasks/${id}`);

async function spawn(project: string, taskId: string, name: string, command: string, ...flags: string[]): Promise<{ session: Session; manifestPath: string }> {
  const r = await cli(['session', 'spawn', '--task', taskId, '--name', name, '--agent-command', command, '--project', project, ...flags, '--json']);
  if (r.code !== 0) throw new Error(`session spawn ${name} exited ${r.code}: ${r.stderr}`);
  const result = r.json<{ session: Session; manifestPath: string }>();
  spawnedIds.push(result.session.id);
  return result;
}

/** Waits for a session's agent to have exited and the session to be settled; says what its screen showed otherwise. */
async function settle(id: string, timeoutMs = 45_000): Promise<Session> {
  const finished = () => {
    const s = server.svc.sessions.get(id);
    return ['completed', 'failed', 'stopped'].includes(s.status) && !server.supervisor!.isLive(id) ? s : null;
  };
  try {
    await waitFor(finished, timeoutMs, `the agent of ${id} to exit`);
  } catch (err) {
    const screen = await server.supervisor!.screen(id).catch(() => '(no screen)');
    const events = server.svc.sessions.timeline(id).map((e) => `${e.kind}: ${e.message}`);
    throw new Error(`${(err as Error).message}\n--- screen ---\n${screen}\n--- timeline ---\n${events.join('\n')}`);
  }
  const s = server.svc.sessions.get(id);
  if (s.status !== 'completed') {
    const events = server.svc.sessions.timeline(id).map((e) => `${e.kind}: ${e.message}`);
    throw new Error(`session ${id} ended ${s.status} (exit ${s.exitCode}):\n${events.join('\n')}`);
  }
  return s;
}

/** `session merge <id> … --json`: the exit code and the MergeResult it printed. */
async function mergeJson(id: string, ...flags: string[]): Promise<{ code: number; result: MergeResult; raw: CliResult }> {
  const raw = await cli(['session', 'merge', id, ...flags, '--json']);
  let result: MergeResult;
  try {
    result = raw.json<MergeResult>();
  } catch {
    throw new Error(`session merge ${id} ${flags.join(' ')} printed no JSON (exit ${raw.code}): ${raw.stdout}${raw.stderr}`);
  }
  return { code: raw.code, result, raw };
}

/**
 * A merge that must be refused, with --json: exit 1 and the `conflict` error it printed (a dry run answers
 * with the MergeResult and its refusal instead; a real refusal is an error naming the files).
 */
async function refusedJson(id: string, ...flags: string[]): Promise<{ code: string; message: string; field?: string }> {
  const raw = await cli(['session', 'merge', id, ...flags, '--json']);
  expect(raw.code, `session merge ${id} ${flags.join(' ')}: ${raw.stdout}`).toBe(1);
  const body = raw.json<{ error: { code: string; message: string; field?: string } }>();
  expect(body.error, raw.stdout).toBeDefined();
  expect(body.error.code).toBe('conflict');
  return body.error;
}

type TimelineEntry = { kind: string; message: string; data: Record<string, any> | null };
const info = (id: string) => api<{ session: Session; timeline: TimelineEntry[] }>('GET', `/api/sessions/${id}`);
const readyIds = async (project: string) => (await ok<{ tasks: Task[] }>(cli, ['task', 'list', '--ready', '--project', project])).tasks.map((t) => t.id);

// ---- the "done when" list -------------------------------------------------------------------

// Every test has its own repository and project on the one server, so they run concurrently; the first three
// share the two agents of 'alpha' (the later two wait for the first).
describe.concurrent('a git worktree per session', { timeout: 120_000 }, () => {
  const alpha = {} as { repo: string; one: Session; two: Session; oneManifest: string };
  let alphaReady!: (ok: boolean) => void;
  const alphaDone = new Promise<boolean>((resolve) => (alphaReady = resolve));
  const alphaAgents = async () => {
    if (!(await alphaDone)) throw new Error("the first test's agents did not get that far");
    return alpha;
  };

  it('two agents in two worktrees, each on its own branch, with separate diffs', async ({ expect, onTestFinished }) => {
    let passed = false;
    onTestFinished(() => alphaReady(passed));
    const repo = makeRepo(root, 'alpha', {
      'README.md': '# alpha\n',
      '.gitignore': '.env*\nlocal/\n',
      '.worktreeinclude': 'local/settings.json\n',
    });
    // Ignored files a person has in the project directory: a new worktree gets copies.
    writeFiles(repo, { '.env': 'SECRET=1\n', '.env.local': 'LOCAL=2\n', 'local/settings.json': '{"debug":true}\n', 'local/other.txt': 'not listed\n' });
    await createProject('alpha', repo);
    const [t1, t2] = await Promise.all([createTask('alpha', 'first half'), createTask('alpha', 'second half')]);
    const [one, two] = await Promise.all([
      spawn('alpha', t1.id, 'w-one', agentCommand(agent, 'one.txt', 'from one', 'add one'), '--worktree'),
      spawn('alpha', t2.id, 'w-two', agentCommand(agent, 'two.txt', 'from two', 'add two'), '--worktree'),
    ]);
    Object.assign(alpha, { repo, oneManifest: one.manifestPath });

    for (const [s, name] of [[one.session, 'w-one'], [two.session, 'w-two']] as const) {
      expect(s.worktreePath).toBe(join(worktreesDir(), 'alpha', name));
      expect(s.branch).toBe(`maestro/${name}`);
      expect(s.baseRef).toBe('main');
      expect(s.mergedAt).toBeNull();
      expect(git(s.worktreePath!, 'branch', '--show-current')).toBe(`maestro/${name}`);
      expect(worktreeList(repo)).toContain(s.worktreePath);
    }
    // The agent is told where it works.
    const manifest = JSON.parse(readFileSync(one.manifestPath, 'utf8'));
    expect(manifest.workspace).toMatchObject({ path: one.session.worktreePath, branch: 'maestro/w-one' });

    alpha.one = await settle(one.session.id);
    alpha.two = await settle(two.session.id);
    const [wt1, wt2] = [one.session.worktreePath!, two.session.worktreePath!];
    expect(agentCwd(server.home, one.session.id)).toBe(wt1);
    expect(agentCwd(server.home, two.session.id)).toBe(wt2);
    expect(readFileSync(join(wt1, 'one.txt'), 'utf8')).toBe('from one\n');
    expect(existsSync(join(wt1, 'two.txt'))).toBe(false);
    expect(existsSync(join(wt2, 'one.txt'))).toBe(false);
    expect(existsSync(join(repo, 'one.txt'))).toBe(false);
    expect(existsSync(join(repo, 'two.txt'))).toBe(false);
    expect(porcelain(repo)).toBe('');
    expect(subjects(repo)).toEqual(['initial']);

    const where = await ok<WorktreeInfo>(cli, ['session', 'worktree', one.session.id]);
    expect(where).toMatchObject({ sessionId: one.session.id, worktree: true, path: wt1, branch: 'maestro/w-one', exists: true, dirty: [], ahead: 1, behind: 0, mergedAt: null });
    // Without an id: the session it runs as.
    const mine = await ok<WorktreeInfo>(cli, ['session', 'worktree'], { MAESTRO_SESSION_ID: two.session.id });
    expect(mine).toMatchObject({ sessionId: two.session.id, path: wt2, branch: 'maestro/w-two' });

    for (const [s, file, other] of [[one.session, 'one.txt', 'two.txt'], [two.session, 'two.txt', 'one.txt']] as const) {
      const diff = await ok<SessionDiff>(cli, ['session', 'diff', s.id]);
      expect(diff.files.map((f) => f.path)).toEqual([file]);
      expect(diff.files[0]).toMatchObject({ status: 'added', additions: 1, deletions: 0, binary: false });
      expect(diff.files[0]!.hunks).toHaveLength(1);
      expect(diff.files[0]!.hunks[0]!.lines).toContain(`+from ${file === 'one.txt' ? 'one' : 'two'}`);
      expect(diff).toMatchObject({ sessionId: s.id, branch: s.branch, additions: 1, deletions: 0 });
      expect(diff.patch).toContain(file);
      expect(diff.patch).not.toContain(other);

      const stat = await cli(['session', 'diff', s.id, '--stat']);
      expect(stat.code).toBe(0);
      expect(stat.stdout).toContain(file);
      expect(stat.stdout).not.toContain(other);
      expect(stat.stdout).toMatch(/1 file/);
    }

    const files = await ok<SessionFiles>(cli, ['session', 'files', one.session.id]);
    expect(files.root).toBe(wt1);
    const byPath = new Map(files.files.map((f) => [f.path, f]));
    expect(byPath.get('one.txt')).toMatchObject({ type: 'file', changed: true });
    expect(byPath.get('README.md')).toMatchObject({ type: 'file', changed: false });
    expect(byPath.has('two.txt')).toBe(false);
    expect(byPath.has('.env')).toBe(false); // ignored files are not shown

    const cat = await cli(['session', 'cat', one.session.id, 'one.txt']);
    expect(cat.code).toBe(0);
    expect(cat.stdout).toContain('from one');
    const base = await cli(['session', 'cat', one.session.id, 'README.md', '--base']);
    expect(base.code).toBe(0);
    expect(base.stdout).toContain('# alpha');
    passed = true;
  });

  it('copies .env* and the files .worktreeinclude names into a new worktree, and nothing else ignored', async ({ expect }) => {
    await alphaAgents();
    for (const s of [alpha.one, alpha.two]) {
      const wt = s.worktreePath!;
      expect(readFileSync(join(wt, '.env'), 'utf8')).toBe('SECRET=1\n');
      expect(readFileSync(join(wt, '.env.local'), 'utf8')).toBe('LOCAL=2\n');
      expect(readFileSync(join(wt, 'local/settings.json'), 'utf8')).toBe('{"debug":true}\n');
      expect(existsSync(join(wt, 'local/other.txt'))).toBe(false);
    }
  });

  it('merges both: main has both commits, the sessions say when, the timeline says so', async ({ expect }) => {
    const { repo, one, two } = await alphaAgents();
    const before = revParse(repo)!;

    const dry = await mergeJson(one.id, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.result).toMatchObject({ ok: true, dryRun: true, refusal: null, branch: 'maestro/w-one', into: 'main' });
    expect(revParse(repo)).toBe(before);

    const first = await cli(['session', 'merge', one.id]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/merged/i);
    expect(first.stdout).toContain('maestro/w-one');

    const second = await mergeJson(two.id);
    expect(second.code).toBe(0);
    expect(second.result).toMatchObject({ ok: true, dryRun: false, refusal: null, strategy: 'merge', branch: 'maestro/w-two', into: 'main' });
    const main = revParse(repo)!;
    expect(second.result.commit).toBe(main);
    expect(second.result.files).toContain('two.txt');

    const log = subjects(repo);
    expect(log).toContain('add one');
    expect(log).toContain('add two');
    expect(git(repo, 'show', 'main:one.txt')).toBe('from one');
    expect(git(repo, 'show', 'main:two.txt')).toBe('from two');
    // main is checked out in the project directory: it moved with the branch, nothing left staged or missing.
    expect(porcelain(repo)).toBe('');
    expect(readFileSync(join(repo, 'two.txt'), 'utf8')).toBe('from two\n');
    expect(checkoutState(repo, 'main').inProgress).toEqual([]);

    for (const s of [one, two]) {
      const i = await info(s.id);
      expect(i.session.mergedAt).toEqual(expect.any(String));
      expect(isAncestor(repo, i.session.mergeCommit!, main)).toBe(true);
      expect(i.timeline.some((e) => e.kind === 'worktree' && /merged/i.test(e.message))).toBe(true);
    }
    const human = await cli(['session', 'info', two.id]);
    expect(human.stdout).toMatch(/merged/i);
    expect((await ok<WorktreeInfo>(cli, ['session', 'worktree', two.id])).mergedAt).toEqual(expect.any(String));
  });

  it('refuses a conflicting change, naming the file, and touches nothing', async ({ expect }) => {
    const repo = makeRepo(root, 'clash', { 'shared.txt': 'base line\n', 'other.txt': 'other\n' });
    await createProject('clash', repo);
    const t = await createTask('clash', 'edit shared');
    const { session } = await spawn('clash', t.id, 'c-agent', agentCommand(agent, 'shared.txt', 'agent line', 'agent edits shared'), '--worktree');
    await settle(session.id);
    commitFile(repo, 'shared.txt', 'main line\n', 'main edits shared');
    const wt = session.worktreePath!;
    const state = () => ({
      project: checkoutState(repo, 'main', ['shared.txt', 'other.txt']),
      worktree: checkoutState(wt, 'maestro/c-agent', ['shared.txt']),
      worktrees: worktreeList(repo),
    });
    const before = state();
    expect(before.worktree.files['shared.txt']).toBe('agent line\n');

    const refused = await cli(['session', 'merge', session.id]);
    expect(refused.code).toBe(1);
    expect(text(refused)).toMatch(/conflict/i);
    expect(text(refused)).toContain('shared.txt');
    expect(state()).toEqual(before);

    for (const strategy of ['merge', 'squash', 'rebase']) {
      const error = await refusedJson(session.id, '--strategy', strategy);
      expect(error.message, strategy).toContain('shared.txt');
      expect(state(), strategy).toEqual(before);
    }
    const dry = await mergeJson(session.id, '--dry-run');
    expect(dry.result).toMatchObject({ ok: false, dryRun: true, refusal: 'conflict', files: ['shared.txt'], commit: null });
    expect(state()).toEqual(before);
    expect(existsSync(join(repo, '.git', 'MERGE_HEAD'))).toBe(false);

    const i = await info(session.id);
    expect(i.session.mergedAt).toBeNull();
    const refusals = i.timeline.filter((e) => e.kind === 'worktree' && e.data?.merge?.refusal === 'conflict');
    expect(refusals).toHaveLength(4); // the four real attempts; a dry run is only a question
    expect(refusals[0]!.message).toContain('shared.txt');
  });

  it("refuses a dirty target, a dirty worktree (unless --commit) and a target checked out elsewhere, with the person's work intact", async ({ expect }) => {
    const repo = makeRepo(root, 'dirty', { 'notes.txt': 'v1\n' });
    await createProject('dirty', repo);
    const [t1, t2] = await Promise.all([createTask('dirty', 'feature'), createTask('dirty', 'wip')]);
    const [feature, wip] = await Promise.all([
      spawn('dirty', t1.id, 'd-feature', agentCommand(agent, 'feature.txt', 'feature', 'add feature'), '--worktree'),
      spawn('dirty', t2.id, 'd-wip', agentCommand(agent, 'wip.txt', 'unfinished', 'never committed', 'dirty'), '--worktree'),
    ]);
    await Promise.all([settle(feature.session.id), settle(wip.session.id)]);

    // The person edits a tracked file in the project directory and does not commit.
    const theirs = "v1\nthe person's unsaved work \u00e9\n";
    writeFileSync(join(repo, 'notes.txt'), theirs);
    const before = checkoutState(repo, 'main', ['notes.txt', 'feature.txt']);
    const refused = await cli(['session', 'merge', feature.session.id]);
    expect(refused.code).toBe(1);
    expect(text(refused)).toContain('notes.txt');
    expect(text(refused)).toMatch(/uncommitted|dirty|local changes/i);
    expect(checkoutState(repo, 'main', ['notes.txt', 'feature.txt'])).toEqual(before);
    expect(readFileSync(join(repo, 'notes.txt'), 'utf8')).toBe(theirs);
    const dry = await mergeJson(feature.session.id, '--dry-run');
    expect(dry.result).toMatchObject({ ok: false, refusal: 'dirty_target' });
    expect(dry.result.files).toContain('notes.txt');

    // Once the person has committed, it lands on top of their work.
    git(repo, 'commit', '-q', '-am', "the person's work");
    const landed = await mergeJson(feature.session.id);
    expect(landed.code).toBe(0);
    expect(landed.result.ok).toBe(true);
    expect(readFileSync(join(repo, 'notes.txt'), 'utf8')).toBe(theirs);
    expect(git(repo, 'show', 'main:feature.txt')).toBe('feature');
    expect(porcelain(repo)).toBe('');

    // The session's own uncommitted work is refused, naming it, unless --commit.
    const wt = wip.session.worktreePath!;
    const wipState = () => ({ project: checkoutState(repo, 'main'), worktree: checkoutState(wt, 'maestro/d-wip', ['wip.txt']) });
    const wipBefore = wipState();
    expect(wipBefore.worktree.status).toContain('wip.txt');
    const dirtySource = await refusedJson(wip.session.id);
    expect(dirtySource.message).toContain('wip.txt');
    expect(dirtySource.message).toMatch(/--commit/);
    const dirtyDry = await mergeJson(wip.session.id, '--dry-run');
    expect(dirtyDry.result).toMatchObject({ ok: false, refusal: 'dirty_source', files: ['wip.txt'] });
    expect(wipState()).toEqual(wipBefore);

    // A target branch checked out in another worktree: a clear refusal, and --commit has committed nothing.
    git(repo, 'branch', 'release', 'main');
    const elsewhere = join(root, 'dirty-release');
    git(repo, 'worktree', 'add', '-q', elsewhere, 'release');
    const releaseBefore = checkoutState(elsewhere, 'release');
    const busyDry = await mergeJson(wip.session.id, '--commit', '--into', 'release', '--dry-run');
    expect(wipState()).toEqual(wipBefore);
    // A dry run of --commit checks the merge its commit would make.
    expect.soft(busyDry.result, 'the dry run of a --commit merge').toMatchObject({ ok: false, dryRun: true, refusal: 'checked_out_elsewhere' });
    const busy = await cli(['session', 'merge', wip.session.id, '--commit', '--into', 'release']);
    expect(busy.code).toBe(1);
    expect(text(busy)).toContain('release');
    expect(text(busy)).toMatch(/checked out/i);
    expect(checkoutState(elsewhere, 'release')).toEqual(releaseBefore);
    expect(checkoutState(repo, 'main')).toEqual(wipBefore.project);
    // A refused merge leaves the session's uncommitted work uncommitted (--commit only commits for a merge that happens).
    expect.soft(wipState().worktree, 'a refused --commit merge committed nothing').toEqual(wipBefore.worktree);

    git(repo, 'worktree', 'remove', elsewhere);
    const main = revParse(repo);
    const committed = await mergeJson(wip.session.id, '--commit', '--into', 'release');
    expect(committed.code).toBe(0);
    expect(committed.result).toMatchObject({ ok: true, into: 'release' });
    expect(revParse(repo, 'release')).toBe(committed.result.commit);
    expect(git(repo, 'show', 'release:wip.txt')).toBe('unfinished');
    expect(revParse(repo)).toBe(main);
    expect(porcelain(wt)).toBe('');
  });

  it('a failing test command stops the merge, naming it and showing its output; a passing one lets it land', async ({ expect }) => {
    const repo = makeRepo(root, 'tested');
    await createProject('tested', repo);
    // Its output ("status 42") is not in the command line itself.
    const testCmd = "printf 'status %s\\n' $((40+2)); test -f must-exist";
    const updated = await ok(cli, ['project', 'update', 'tested', '--test-cmd', testCmd]);
    expect(updated.testCmd).toBe(testCmd);
    const [t1, t2] = await Promise.all([createTask('tested', 'feature'), createTask('tested', 'the file the test wants')]);
    const [feature, fixer] = await Promise.all([
      spawn('tested', t1.id, 't-feature', agentCommand(agent, 'feature.txt', 'feature', 'add feature'), '--worktree'),
      spawn('tested', t2.id, 't-fixer', agentCommand(agent, 'must-exist', 'here', 'add must-exist'), '--worktree'),
    ]);
    await Promise.all([settle(feature.session.id), settle(fixer.session.id)]);
    const state = () => ({ project: checkoutState(repo, 'main'), worktree: checkoutState(feature.session.worktreePath!, 'maestro/t-feature') });
    const before = state();

    const red = await cli(['session', 'merge', feature.session.id]);
    expect(red.code).toBe(1);
    expect(text(red)).toContain('test -f must-exist');
    expect(text(red)).toMatch(/test/i);
    expect(state()).toEqual(before);

    const redJson = await refusedJson(feature.session.id);
    expect(redJson.message).toContain(testCmd);
    expect(state()).toEqual(before);
    // The timeline keeps what the test said.
    const refusals = (await info(feature.session.id)).timeline.filter((e) => e.kind === 'worktree' && e.data?.merge?.refusal === 'test_failed');
    expect(refusals).toHaveLength(2);
    expect(refusals[0]!.data!.merge.test).toMatchObject({ cmd: testCmd, exitCode: 1, timedOut: false });
    expect(refusals[0]!.data!.merge.test.output).toContain('status 42');

    const green = await mergeJson(fixer.session.id);
    expect(green.code).toBe(0);
    expect(green.result).toMatchObject({ ok: true, refusal: null });
    expect(green.result.test).toMatchObject({ cmd: testCmd, exitCode: 0 });
    expect(git(repo, 'show', 'main:must-exist')).toBe('here');
    // With must-exist on main, the first one's merged result passes too.
    const retried = await mergeJson(feature.session.id);
    expect(retried.result.ok).toBe(true);
    expect(subjects(repo)).toEqual(expect.arrayContaining(['add feature', 'add must-exist']));

    const cleared = await ok(cli, ['project', 'update', 'tested', '--test-cmd', '']);
    expect(cleared.testCmd).toBeNull();

    // The refusal itself shows what the test printed (not only the timeline).
    expect.soft(text(red), 'the refusal shows the output of the test').toContain('status 42');
    expect.soft(redJson.message, 'the --json refusal shows the output of the test').toContain('status 42');
  });

  it('cleans up: the worktree, the branch once merged, an unmerged one only with --force, a live session not at all', async ({ expect }) => {
    const repo = makeRepo(root, 'tidy');
    await createProject('tidy', repo);
    const [tm, tu, tl] = await Promise.all([createTask('tidy', 'merged'), createTask('tidy', 'unmerged'), createTask('tidy', 'live')]);
    const [m, u, l] = await Promise.all([
      spawn('tidy', tm.id, 'x-merged', agentCommand(agent, 'm.txt', 'm', 'add m'), '--worktree'),
      spawn('tidy', tu.id, 'x-unmerged', agentCommand(agent, 'u.txt', 'u', 'add u'), '--worktree'),
      spawn('tidy', tl.id, 'x-live', agentCommand(agent, 'l.txt', 'l', 'add l', 'stay'), '--worktree'),
    ]);
    await Promise.all([settle(m.session.id), settle(u.session.id)]);
    const base = revParse(repo)!;
    await waitFor(() => revParse(repo, 'maestro/x-live') !== base, 45_000, 'the live agent to commit');

    expect((await mergeJson(m.session.id)).result.ok).toBe(true);
    const cm = await ok(cli, ['session', 'cleanup', m.session.id]);
    expect(cm).toMatchObject({ sessionId: m.session.id, removedWorktree: true, deletedBranch: true, branch: 'maestro/x-merged' });
    expect(existsSync(m.session.worktreePath!)).toBe(false);
    expect(branchExists(repo, 'maestro/x-merged')).toBe(false);
    expect(worktreeList(repo)).not.toContain(m.session.worktreePath);
    expect(await ok<WorktreeInfo>(cli, ['session', 'worktree', m.session.id])).toMatchObject({ exists: false });
    expect(git(repo, 'show', 'main:m.txt')).toBe('m'); // the work stays on main

    const unmergedTip = revParse(repo, 'maestro/x-unmerged');
    const cu = await ok(cli, ['session', 'cleanup', u.session.id]);
    expect(cu).toMatchObject({ removedWorktree: true, deletedBranch: false, branch: 'maestro/x-unmerged' });
    expect(cu.message).toMatch(/not merged|unmerged/i);
    expect(existsSync(u.session.worktreePath!)).toBe(false);
    expect(revParse(repo, 'maestro/x-unmerged')).toBe(unmergedTip);
    const forced = await ok(cli, ['session', 'cleanup', u.session.id, '--force']);
    expect(forced).toMatchObject({ deletedBranch: true });
    expect(branchExists(repo, 'maestro/x-unmerged')).toBe(false);

    const live = await cli(['session', 'cleanup', l.session.id, '--force']);
    expect(live.code).toBe(1);
    expect(text(live)).toMatch(/live|running|stop/i);
    expect(existsSync(l.session.worktreePath!)).toBe(true);
    expect(branchExists(repo, 'maestro/x-live')).toBe(true);

    const stop = await cli(['session', 'stop', l.session.id]);
    expect(stop.code).toBe(0);
    await waitFor(() => !server.supervisor!.isLive(l.session.id), 20_000, 'the live agent to stop');
    const cl = await ok(cli, ['session', 'cleanup', l.session.id, '--force']);
    expect(cl).toMatchObject({ removedWorktree: true, deletedBranch: true });
    expect(worktreeList(repo)).toEqual([repo]);
    expect(porcelain(repo)).toBe('');
  });

  it('a dependency with --until merged becomes ready only once the work has landed', async ({ expect }) => {
    const repo = makeRepo(root, 'deps');
    await createProject('deps', repo);
    const a = await createTask('deps', 'A');
    const b = await createTask('deps', 'B waits for A merged', '--depends-on', a.id, '--until', 'merged');
    const c = await createTask('deps', 'C waits for A done', '--depends-on', a.id);
    expect(b).toMatchObject({ dependencies: [a.id], mergedDependencies: [a.id], ready: false });
    expect(c).toMatchObject({ dependencies: [a.id], mergedDependencies: [], ready: false });
    const f = await createTask('deps', 'F');
    const fUpdated = await ok<Task>(cli, ['task', 'update', f.id, '--depends-on', a.id, '--until', 'merged']);
    expect(fUpdated).toMatchObject({ dependencies: [a.id], mergedDependencies: [a.id], ready: false });
    // The project's default for new dependencies.
    expect((await ok(cli, ['project', 'update', 'deps', '--until', 'merged'])).dependencyUntil).toBe('merged');
    const g = await createTask('deps', 'G (project default)', '--depends-on', a.id);
    expect(g.mergedDependencies).toEqual([a.id]);
    // A task done by a session without a worktree has landed when it is done.
    const d = await createTask('deps', 'D');
    const e = await createTask('deps', 'E waits for D merged', '--depends-on', d.id, '--until', 'merged');

    const [sa, sd] = await Promise.all([
      spawn('deps', a.id, 'dep-a', agentCommand(agent, 'a.txt', 'a', 'do A'), '--worktree'),
      spawn('deps', d.id, 'dep-d', agentCommand(agent, '-', '', 'did D'), '--no-worktree'),
    ]);
    expect(sd.session.worktreePath).toBeNull();
    await Promise.all([settle(sa.session.id), settle(sd.session.id)]);
    expect(agentCwd(server.home, sd.session.id)).toBe(repo);

    const aDone = await getTask(a.id);
    expect(aDone).toMatchObject({ status: 'done', mergedAt: null });
    expect((await getTask(d.id)).mergedAt).toEqual(expect.any(String));
    let ready = await readyIds('deps');
    expect(ready).toContain(c.id);
    expect(ready).toContain(e.id);
    for (const waiting of [b, f, g]) expect(ready).not.toContain(waiting.id);
    expect((await getTask(b.id)).ready).toBe(false);

    const merged = await cli(['session', 'merge', sa.session.id]);
    expect(merged.code).toBe(0);
    expect((await getTask(a.id)).mergedAt).toEqual(expect.any(String));
    ready = await readyIds('deps');
    for (const now of [b, f, g]) expect(ready).toContain(now.id);
    expect((await getTask(b.id)).ready).toBe(true);
  });

  it('a merge queue lands three sessions in dependency order, and fails a conflicting entry with a reason', async ({ expect }) => {
    const repo = makeRepo(root, 'train', { 'README.md': '# train\n', 'shared.txt': 'base\n' });
    await createProject('train', repo);
    const a = await createTask('train', 'A');
    const b = await createTask('train', 'B', '--depends-on', a.id);
    const c = await createTask('train', 'C', '--depends-on', b.id);
    const x = await createTask('train', 'X');
    // Spawned C first, then A, then B.
    const spawnX = spawn('train', x.id, 'q-x', agentCommand(agent, 'shared.txt', 'from x', 'x edits shared', 'exit'), '--worktree');
    const sc = await spawn('train', c.id, 'q-c', agentCommand(agent, 'c.txt', 'c', 'land C', 'exit'), '--worktree');
    const sa = await spawn('train', a.id, 'q-a', agentCommand(agent, 'a.txt', 'a', 'land A', 'exit'), '--worktree');
    const sb = await spawn('train', b.id, 'q-b', agentCommand(agent, 'b.txt', 'b', 'land B', 'exit'), '--worktree');
    const sx = await spawnX;
    await Promise.all([sc, sa, sb, sx].map((s) => settle(s.session.id)));
    // main moves on after they branched: X now conflicts; A, B and C are rebased onto it.
    commitFile(repo, 'shared.txt', 'from main\n', 'main edits shared');
    const xTip = revParse(repo, 'maestro/q-x');

    const added = await ok<MergeQueueEntry[]>(cli, ['merge-queue', 'add', sc.session.id, sa.session.id, sb.session.id, '--strategy', 'rebase']);
    expect(added.map((en) => en.sessionId).sort()).toEqual([sa, sb, sc].map((s) => s.session.id).sort());
    expect(added.every((en) => en.strategy === 'rebase')).toBe(true);
    await ok(cli, ['merge-queue', 'add', sx.session.id, '--strategy', 'rebase']);

    const entries = await waitFor(
      async () => {
        const list = await api<MergeQueueEntry[]>('GET', '/api/merge-queue?project=train');
        return list.length === 4 && list.every((en) => en.status === 'merged' || en.status === 'failed') ? list : null;
      },
      45_000,
      'the merge queue to finish',
    );
    // What the CLI lists is the same.
    expect(await ok<MergeQueueEntry[]>(cli, ['merge-queue', 'list', '--project', 'train'])).toEqual(entries);
    const entryOf = (s: { session: Session }) => entries.find((en) => en.sessionId === s.session.id)!;
    for (const s of [sa, sb, sc]) expect(entryOf(s), s.session.name).toMatchObject({ status: 'merged', reason: null });
    expect(entryOf(sx).status).toBe('failed');
    expect(entryOf(sx).reason).toMatch(/conflict/i);
    expect(entryOf(sx).reason).toContain('shared.txt');

    expect(subjects(repo)).toEqual(['land C', 'land B', 'land A', 'main edits shared', 'initial']);
    const main = revParse(repo)!;
    expect(entryOf(sc).commit).toBe(main);
    expect(isAncestor(repo, entryOf(sa).commit!, entryOf(sb).commit!)).toBe(true);
    expect(isAncestor(repo, entryOf(sb).commit!, entryOf(sc).commit!)).toBe(true);
    expect(git(repo, 'show', 'main:shared.txt')).toBe('from main');
    expect(porcelain(repo)).toBe('');
    expect(checkoutState(repo, 'main').inProgress).toEqual([]);
    for (const s of [sa, sb, sc]) expect((await info(s.session.id)).session.mergedAt).toEqual(expect.any(String));
    expect((await info(sx.session.id)).session.mergedAt).toBeNull();
    expect(revParse(repo, 'maestro/q-x')).toBe(xTip);
    expect(porcelain(sx.session.worktreePath!)).toBe('');

    const human = await cli(['merge-queue', 'list', '--project', 'train']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/merged/);
    expect(human.stdout).toMatch(/failed/);
  });
});

describe.concurrent('worktree settings and bad input', { timeout: 120_000 }, () => {
  it('a project default, a template and --no-worktree decide; --base and --worktree-root are used', async ({ expect }) => {
    const repo = makeRepo(root, 'prefs');
    git(repo, 'tag', 'v1');
    commitFile(repo, 'later.txt', 'later\n', 'after v1');
    await createProject('prefs', repo);
    const treeRoot = join(root, 'prefs-trees');
    const updated = await ok(cli, ['project', 'update', 'prefs', '--worktree', '--worktree-root', treeRoot, '--base-branch', 'main']);
    expect(updated).toMatchObject({ worktrees: true, worktreeRoot: treeRoot, baseBranch: 'main' });
    const tpl = await ok(cli, ['template', 'create', 'no-tree', '--no-worktree']);
    expect(tpl.worktree).toBe(false);
    expect((await ok(cli, ['template', 'create', 'tree', '--worktree'])).worktree).toBe(true);

    const tasks = await Promise.all(['default', 'off', 'template', 'base'].map((t) => createTask('prefs', t)));
    const quiet = agentCommand(agent, '-', '', 'nothing', 'exit');
    const [byDefault, off, byTemplate, fromTag] = await Promise.all([
      spawn('prefs', tasks[0]!.id, 'p-default', quiet),
      spawn('prefs', tasks[1]!.id, 'p-off', quiet, '--no-worktree'),
      spawn('prefs', tasks[2]!.id, 'p-template', quiet, '--template', 'no-tree'),
      spawn('prefs', tasks[3]!.id, 'p-base', quiet, '--worktree', '--base', 'v1'),
    ]);
    await Promise.all([byDefault, off, byTemplate, fromTag].map((s) => settle(s.session.id)));

    const wt = byDefault.session.worktreePath!;
    expect(wt.startsWith(`${treeRoot}/`)).toBe(true);
    expect(wt.endsWith('/p-default')).toBe(true);
    expect(byDefault.session.branch).toBe('maestro/p-default');
    expect(agentCwd(server.home, byDefault.session.id)).toBe(wt);
    expect(revParse(wt, 'HEAD')).toBe(revParse(repo, 'main'));

    for (const s of [off, byTemplate]) {
      expect(s.session).toMatchObject({ worktreePath: null, branch: null });
      expect(agentCwd(server.home, s.session.id)).toBe(repo);
    }
    const offInfo = await ok<WorktreeInfo>(cli, ['session', 'worktree', off.session.id]);
    expect(offInfo).toMatchObject({ worktree: false, path: repo, branch: null });

    expect(fromTag.session).toMatchObject({ baseRef: 'v1', branch: 'maestro/p-base' });
    expect(revParse(fromTag.session.worktreePath!, 'HEAD')).toBe(revParse(repo, 'v1'));
    expect(existsSync(join(fromTag.session.worktreePath!, 'later.txt'))).toBe(false);
  });

  it('bad input gets a clear error and a non-zero exit', async ({ expect }) => {
    const repo = makeRepo(root, 'bad');
    await createProject('bad', repo);
    const t = await createTask('bad', 'x');
    const quiet = agentCommand(agent, 'x.txt', 'x', 'add x', 'exit');

    const badBase = await cli(['session', 'spawn', '--task', t.id, '--worktree', '--base', 'no-such-ref', '--agent-command', quiet, '--project', 'bad']);
    expect(badBase.code).not.toBe(0);
    expect(badBase.stderr).toContain('no-such-ref');
    const dashBase = await cli(['session', 'spawn', '--task', t.id, '--worktree', '--base', '--upload-pack=x', '--agent-command', quiet, '--project', 'bad']);
    expect(dashBase.code).toBe(2);

    const plain = await spawn('bad', t.id, 'b-plain', quiet, '--no-worktree');
    await settle(plain.session.id);
    const noTree = await cli(['session', 'merge', plain.session.id]);
    expect(noTree.code).not.toBe(0);
    expect(noTree.stderr + noTree.stdout).toMatch(/worktree/i);

    const t2 = await createTask('bad', 'y');
    const tree = await spawn('bad', t2.id, 'b-tree', agentCommand(agent, 'y.txt', 'y', 'add y', 'exit'), '--worktree');
    await settle(tree.session.id);
    const main = revParse(repo);
    const strategy = await cli(['session', 'merge', tree.session.id, '--strategy', 'octopus']);
    expect(strategy.code).toBe(2);
    expect(strategy.stderr).toMatch(/strategy/);
    const into = await cli(['session', 'merge', tree.session.id, '--into', 'no-such-branch']);
    expect(into.code).toBe(1);
    expect(into.stderr + into.stdout).toContain('no-such-branch');
    expect(revParse(repo)).toBe(main);

    const missing = await cli(['session', 'diff', 'ses_doesnotexist']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('ses_doesnotexist');
    const entry = await cli(['merge-queue', 'remove', 'mq_doesnotexist']);
    expect(entry.code).toBe(1);
    expect(entry.stderr).toContain('mq_doesnotexist');
    const until = await cli(['project', 'update', 'bad', '--until', 'sometime']);
    expect(until.code).toBe(2);
    const empty = await cli(['merge-queue', 'add']);
    expect(empty.code).toBe(2);
  });
});
