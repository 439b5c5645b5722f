/**
 * `maestro demo` through the real binary on a fresh home: it starts a server in the background, makes
 * a git repository and a plan, and the built-in scripted agents (`maestro agent script`) work through
 * it in tmux under the real supervisor; one worker's question is answered with `maestro session send`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionInfo, SessionSummary, Task } from '../src/core/types.js';
import { readLock } from '../src/security/home-lock.js';
import { CLEAN_ENV } from './cli-support.js';
import { runCli, tempHome, waitFor } from './helpers.js';

let home = '';
const cli = (args: string[]) => runCli(args, { ...CLEAN_ENV, MAESTRO_HOME: home });
async function ok<T = any>(args: string[]): Promise<T> {
  const r = await cli([...args, '--json']);
  if (r.code !== 0) throw new Error(`maestro ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.json<T>();
}

/** The process is gone (or a zombie nobody reaped: in a container, PID 1 may not). */
function exited(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

afterEach(async () => {
  // Whatever a failed test left behind: the background server and the agents' tmux server.
  const lock = readLock(home);
  if (lock && lock.pid !== process.pid) {
    process.kill(lock.pid, 'SIGTERM');
    await waitFor(() => !readLock(home), 15_000, 'the demo server to stop').catch(() => process.kill(lock.pid, 'SIGKILL'));
  }
  spawnSync('tmux', ['-S', join(home, 'tmux.sock'), 'kill-server']);
});

describe('maestro demo', { timeout: 120_000 }, () => {
  it('runs an orchestrator, two workers and a queue worker on a fresh repository; a question is answered with session send; --stop ends it all', async () => {
    home = tempHome('maestro-demo-');
    const started = await ok(['demo', '--pace', '100']);
    expect(started.serverStarted).toBe(true);
    expect(started.loginLink).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{20,}$/);
    expect(existsSync(join(home, 'logs', 'server.log'))).toBe(true);
    const repo = join(home, 'demo');
    expect(started.repo).toBe(repo);
    expect(execFileSync('git', ['-C', repo, 'log', '--format=%s'], { encoding: 'utf8' }).trim()).toBe('greeter: initial commit');
    const [module, words, docs] = started.subtasks as Task[];
    expect(docs!.dependencies.sort()).toEqual([module!.id, words!.id].sort());
    expect([module, words, docs].map((t) => t!.priority)).toEqual(['high', 'medium', 'low']);

    // The first worker asks in its terminal; the answer goes in with `session send`.
    const asking = await waitFor(
      async () => (await ok<SessionSummary[]>(['session', 'list', '--project', 'maestro-demo'])).find((s) => s.status === 'needs_input'),
      60_000,
      'a worker to ask for input',
    );
    const info = await ok<SessionInfo>(['session', 'info', asking.id]);
    expect(info.timeline.map((e) => e.message)).toContain('Which language should greet() use by default? (en, fr or es)');
    expect((await cli(['session', 'send', asking.id, 'fr'])).code).toBe(0);

    await waitFor(async () => (await ok<Task>(['task', 'get', started.rootTask.id])).status === 'done', 60_000, 'the plan to be done');
    const sessions = await ok<SessionSummary[]>(['session', 'list', '--project', 'maestro-demo']);
    expect(sessions.map((s) => `${s.role}/${s.strategy}:${s.status}`).sort()).toEqual([
      'orchestrator/simple:completed',
      'worker/queue:completed',
      'worker/simple:completed',
      'worker/simple:completed',
    ]);
    // The orchestrator split the listed greetings into items, which the queue worker did one at a time.
    const { tasks: items } = await ok<{ tasks: Task[] }>(['task', 'list', '--parent', words!.id]);
    expect(items.map((t) => `${t.title}:${t.status}`)).toEqual(['French: Bonjour:done', 'Spanish: Hola:done', 'German: Hallo:done']);
    const queueWorker = sessions.find((s) => s.strategy === 'queue')!;
    expect(queueWorker.taskIds.sort()).toEqual(items.map((t) => t.id).sort());
    expect((await ok<Task>(['task', 'get', words!.id])).status).toBe('done');
    // The docs worker was spawned only once both tasks it waits on were done.
    const docsWorker = sessions.find((s) => s.taskIds[0] === docs!.id)!;
    const finished = await Promise.all([module!, words!].map((t) => ok<Task>(['task', 'get', t.id])));
    for (const t of finished) expect(docsWorker.createdAt >= t.completedAt!).toBe(true);
    // The workers left their work in the repository, with the answer.
    const expectedFiles = [module!.id, docs!.id, ...items.map((t) => t.id)].map((id) => `${id}.md`);
    expect(readdirSync(join(repo, 'work')).sort()).toEqual(expectedFiles.sort());
    expect(readFileSync(join(repo, 'work', `${asking.taskIds[0]}.md`), 'utf8')).toContain('Answer given: fr');

    // A second demo starts over on the same server (the first one's project, sessions and recordings
    // go); while it runs, a third is refused.
    const again = await ok(['demo', '--pace', '2000']);
    expect(again.serverStarted).toBe(false);
    expect(again.project.id).not.toBe(started.project.id);
    expect(readdirSync(repo)).not.toContain('work'); // a fresh repository
    expect((await cli(['session', 'info', started.orchestrator.id])).code).toBe(1);
    expect(existsSync(join(home, 'sessions', started.orchestrator.id))).toBe(false);
    const refused = await cli(['demo']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/a demo is already running .*maestro demo --stop/);

    // --stop ends its sessions, removes it all, and stops the server the demo started.
    const serverPid = readLock(home)!.pid;
    const stopped = await ok(['demo', '--stop']);
    expect(stopped.stopped).toContain(again.orchestrator.id);
    expect(stopped).toMatchObject({ removed: true, serverStopped: true });
    expect(existsSync(repo)).toBe(false);
    expect(existsSync(join(home, 'sessions', again.orchestrator.id))).toBe(false);
    const db = new Database(join(home, 'data', 'maestro.db'), { readonly: true });
    try {
      expect(db.prepare("SELECT COUNT(*) AS n FROM projects WHERE name = 'maestro-demo'").get()).toEqual({ n: 0 });
      expect(db.prepare("SELECT COUNT(*) AS n FROM templates WHERE name = 'demo-worker'").get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT COUNT(*) AS n FROM sessions').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
    expect(readLock(home)).toBeNull();
    await waitFor(() => exited(serverPid), 10_000, 'the server process to exit');
    const tmux = spawnSync('tmux', ['-S', join(home, 'tmux.sock'), 'list-sessions'], { encoding: 'utf8' });
    expect(tmux.stdout).toBe('');
  });

  it('never replaces a directory it did not make, and starts nothing then', async () => {
    home = tempHome('maestro-demo-');
    mkdirSync(join(home, 'demo'), { recursive: true });
    writeFileSync(join(home, 'demo', 'precious.txt'), 'mine');
    const r = await cli(['demo']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('was not made by `maestro demo`');
    expect(readFileSync(join(home, 'demo', 'precious.txt'), 'utf8')).toBe('mine');
    expect(readLock(home)).toBeNull();
  });

  it('says what is missing when tmux or git is not on PATH, and starts nothing', async () => {
    home = tempHome('maestro-demo-');
    const bin = join(home, 'bin-node-only');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    const r = await runCli(['demo'], { ...CLEAN_ENV, MAESTRO_HOME: home, PATH: bin });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the demo needs git and tmux on PATH');
    expect(readLock(home)).toBeNull();
  });

  it('refuses a bad pace, and says so when there is no demo to stop', async () => {
    home = tempHome('maestro-demo-');
    const bad = await cli(['demo', '--pace', 'fast']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--pace');
    const none = await cli(['demo', '--stop']);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('no demo session was running');
  });
});
