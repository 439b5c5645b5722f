/**
 * The merge queue in the core, on real git repositories: what the contract suite cannot arrange over a
 * transport (a server stopped mid-merge, an entry cancelled before it runs, a red test in the queue, an
 * entry whose predecessor failed). The service runs in-process with a stand-in launcher.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MaestroService } from '../src/core/service.js';
import type { Project, Session } from '../src/core/types.js';
import { tempHome } from './helpers.js';

let home: string;
let svc: MaestroService;

/** The service's URL, where no server listens: the service runs in-process. */
const API_URL = 'http://127.0.0.1:9';

/**
 * git as the test's person. A worktree's lease guard asks the server when a commit is made; it is told this
 * service's URL, where nobody answers (the guard lets the commit through), and not the default port, where
 * another test file's server may be running and refuse a caller it does not know.
 */
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@localhost', ...args], { cwd, encoding: 'utf8', env: { ...process.env, MAESTRO_API_URL: API_URL } }).trim();

function open(): MaestroService {
  const s = MaestroService.open({ home, apiUrl: API_URL });
  s.launcher = { launch: async () => undefined, stop: async () => undefined };
  return s;
}

function repoProject(name: string): Project {
  const dir = join(home, name);
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'shared.txt'), 'base\n');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'initial');
  return svc.projects.create({ name, workingDir: dir });
}

async function worker(p: Project, name: string, taskIds: string[] = []): Promise<Session> {
  return (await svc.spawn({ projectId: p.id, taskIds, name, worktree: true })).session;
}

function commit(s: Session, file: string, text: string): void {
  writeFileSync(join(s.worktreePath!, file), text);
  git(s.worktreePath!, 'add', '-A');
  git(s.worktreePath!, 'commit', '-q', '-m', `${s.name}: ${file}`);
}

beforeEach(() => {
  home = tempHome();
  svc = open();
});
afterEach(() => {
  svc.close();
  rmSync(home, { recursive: true, force: true });
});

describe('merge queue', () => {
  it('a cancelled entry never runs; the others land', async () => {
    const p = repoProject('cancel');
    const [a, b] = [await worker(p, 'a'), await worker(p, 'b')];
    commit(a, 'a.txt', 'a\n');
    commit(b, 'b.txt', 'b\n');
    const [ea, eb] = svc.mergeQueue.add(p.id, [a.id, b.id], { strategy: 'merge', into: null });
    expect(svc.mergeQueue.cancel(ea!.id)).toMatchObject({ status: 'cancelled', reason: 'cancelled on request' });
    await svc.mergeQueueRunner.kick(p.id);
    expect(svc.mergeQueue.get(eb!.id)).toMatchObject({ status: 'merged' });
    expect(svc.mergeQueue.get(ea!.id)).toMatchObject({ status: 'cancelled', commit: null });
    expect(git(p.workingDir, 'ls-tree', '--name-only', 'main')).not.toContain('a.txt');
  });

  it('a red test stops its entry with the output, and what builds on it; the rest land', async () => {
    const p = repoProject('red');
    svc.projects.update(p.id, { testCmd: 'if [ -f broken.txt ]; then echo "suite: 1 failed"; exit 1; fi' });
    const ta = svc.tasks.create({ projectId: p.id, title: 'A' });
    const tb = svc.tasks.create({ projectId: p.id, title: 'B', dependencies: [ta.id] });
    const [a, b, c] = [await worker(p, 'a', [ta.id]), await worker(p, 'b', [tb.id]), await worker(p, 'c')];
    commit(a, 'broken.txt', 'x\n');
    commit(b, 'b.txt', 'b\n');
    commit(c, 'c.txt', 'c\n');
    const before = git(p.workingDir, 'rev-parse', 'main');
    const [ea, eb, ec] = svc.mergeQueue.add(p.id, [a.id, b.id, c.id], { strategy: 'merge', into: null });
    await svc.mergeQueueRunner.kick(p.id);
    const failed = svc.mergeQueue.get(ea!.id);
    expect(failed.status).toBe('failed');
    expect(failed.reason).toContain('suite: 1 failed');
    expect(svc.mergeQueue.get(eb!.id)).toMatchObject({ status: 'failed' });
    expect(svc.mergeQueue.get(eb!.id).reason).toContain(`session ${a.id}`);
    expect(svc.mergeQueue.get(ec!.id)).toMatchObject({ status: 'merged' });
    expect(git(p.workingDir, 'rev-list', 'main')).toContain(before);
    expect(git(p.workingDir, 'ls-tree', '--name-only', 'main').split('\n').sort()).toEqual(['c.txt', 'shared.txt']);
    // The refusal is on the session's timeline, with the test's verdict.
    const refused = svc.sessions.timeline(a.id).find((e) => e.kind === 'worktree' && e.message.startsWith('merge refused'));
    expect(refused?.message).toContain('suite: 1 failed');
  });

  it('after a restart, an entry left running goes back to the queue and lands', async () => {
    const p = repoProject('restart');
    const a = await worker(p, 'a');
    commit(a, 'a.txt', 'a\n');
    const [entry] = svc.mergeQueue.add(p.id, [a.id], { strategy: 'squash', into: null });
    svc.mergeQueue.setStatus(entry!.id, 'running'); // the server stopped here
    svc.close();
    svc = open();
    svc.mergeQueueRunner.resume();
    await svc.mergeQueueRunner.kick(p.id);
    const landed = svc.mergeQueue.get(entry!.id);
    expect(landed).toMatchObject({ status: 'merged' });
    expect(landed.commit).toBe(git(p.workingDir, 'rev-parse', 'main'));
    expect(svc.sessions.get(a.id).mergeCommit).toBe(landed.commit);
  });
});

describe('cleanup', () => {
  it('a session whose agent does not start leaves no worktree or branch behind', async () => {
    svc.launcher = {
      launch: async () => {
        throw new Error('no such agent');
      },
      stop: async () => undefined,
    };
    const p = repoProject('failed');
    await expect(svc.spawn({ projectId: p.id, taskIds: [], name: 'stillborn', worktree: true })).rejects.toThrow(/no such agent/);
    const [s] = svc.sessions.list({ projectId: p.id });
    expect(s).toMatchObject({ status: 'failed', branch: 'maestro/stillborn' });
    expect(existsSync(s!.worktreePath!)).toBe(false);
    expect(git(p.workingDir, 'branch', '--list', 'maestro/*')).toBe('');
    expect(svc.sessions.timeline(s!.id).map((e) => e.message)).toContainEqual(expect.stringMatching(/did not start: worktree .* removed/));
  });

  it('tells the launcher once the worktree is gone (it forgets what it set up outside, e.g. Claude trust), not on a refusal', async () => {
    const removed: string[] = [];
    svc.launcher = { launch: async () => undefined, stop: async () => undefined, worktreeRemoved: async (s) => void removed.push(s.id) };
    const p = repoProject('tidy');
    const a = await worker(p, 'a');
    writeFileSync(join(a.worktreePath!, 'left.txt'), 'uncommitted\n');
    await svc.stopSession(a.id);
    await expect(svc.merges.cleanup(a.id)).rejects.toThrow(/uncommitted|left\.txt/);
    expect(removed).toEqual([]);
    expect(await svc.merges.cleanup(a.id, true)).toMatchObject({ removedWorktree: true, deletedBranch: true });
    expect(removed).toEqual([a.id]);
  });
});
