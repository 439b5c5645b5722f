/**
 * File leases end to end (issue 12): two sessions spawned through a real server (the supervisor off: the
 * sessions get real git worktrees, and this test acts as their agents with their own tokens), the CLI
 * binary and REST. Conflicts naming holder and expiry, shared vs exclusive, renewal, all-or-nothing,
 * release (own and forced), expiry by TTL (the lease clock moved on), release on session end, bad input
 * and outsiders, and the pre-commit guard on the real worktrees: a commit touching another session's
 * exclusive lease refused with the message, other commits passing, the user's own hook chained, the
 * main checkout untouched, `--no-lease-guard` installing nothing, an unreachable server letting commits by.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MaestroEvent } from '../src/core/events.js';
import { BIN, ownerApi, requestJson, runCli, startTestServer, type TestServer } from './helpers.js';
import { git, makeRepo, writeFiles } from './worktree-support.js';

let server: TestServer;
let root: string;
let repo: string;
let projectDir: string;
const events: MaestroEvent[] = [];
type S = { id: string; name: string; worktreePath: string | null };
let A: S;
let B: S;
let envA: Record<string, string>;
let envB: Record<string, string>;

const CLEAN_ENV: Record<string, string | undefined> = Object.fromEntries(
  Object.keys(process.env)
    .filter((k) => k.startsWith('MAESTRO_') || k.startsWith('GIT_'))
    .map((k) => [k, undefined]),
);

/** The CLI as the owner (no session), or as a session with its own environment. */
const owner = (args: string[]) => runCli(args, { ...CLEAN_ENV, MAESTRO_HOME: server.home, MAESTRO_API_URL: server.url });
const as = (env: Record<string, string>, args: string[]) => runCli(args, { ...CLEAN_ENV, ...env });

/** A REST call with a session's own token (as its agent makes them). */
const sessionApi = (env: Record<string, string>, method: string, path: string, body?: unknown) =>
  requestJson(server.url + path, method, body, { authorization: `Bearer ${env.MAESTRO_SESSION_TOKEN}` });

async function spawn(project: string, name: string): Promise<S> {
  const r = await ownerApi(server, 'POST', '/api/sessions', { project, name, worktree: true });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.session as S;
}

/** `git commit` in a worktree the way an agent runs it: its environment, the hook in between. */
function commit(cwd: string, env: Record<string, string | undefined>, message: string): Promise<{ code: number; stderr: string }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_') && !k.startsWith('MAESTRO_')));
  return new Promise((resolve) => {
    execFile('git', ['commit', '-q', '-m', message], { cwd, env: { ...base, ...env } as NodeJS.ProcessEnv }, (err, _out, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr: String(stderr) }),
    );
  });
}

const stage = (dir: string, files: Record<string, string>) => {
  writeFiles(dir, files);
  git(dir, 'add', '-A');
};

beforeAll(async () => {
  server = await startTestServer();
  server.svc.bus.subscribe((e) => events.push(e));
  root = mkdtempSync(join(tmpdir(), 'maestro-leases-'));
  // The project is a folder of its repository: staged paths (from the repo's top) map to the project's.
  repo = makeRepo(root, 'repo', {
    'README.md': '# repo\n',
    'app/src/a.ts': 'a\n',
    'app/src/b.md': 'b\n',
    'app/lib/x.ts': 'x\n',
  });
  projectDir = join(repo, 'app');
  // The user's own pre-commit hook in the main checkout: it must still run (chained) and stay as it is.
  writeFileSync(join(repo, '.git', 'hooks', 'pre-commit'), `#!/bin/sh\necho ran >> "${join(root, 'user-hook.log')}"\nexit 0\n`);
  chmodSync(join(repo, '.git', 'hooks', 'pre-commit'), 0o755);
  expect((await ownerApi(server, 'POST', '/api/projects', { name: 'app', workingDir: projectDir })).status).toBe(201);
  A = await spawn('app', 'alice');
  B = await spawn('app', 'bob');
  envA = server.svc.sessionEnv(A.id);
  envB = server.svc.sessionEnv(B.id);
}, 60_000);

afterAll(async () => {
  await server?.dispose().catch(() => undefined);
  if (server) rmSync(server.home, { recursive: true, force: true });
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('lease_acquire, lease_list, lease_check, lease_release', () => {
  it('refuses an overlapping request, naming the holder, its pattern and when it expires', async () => {
    const a = await as(envA, ['lease', 'acquire', 'src/**', '--reason', 'refactoring the parser', '--json']);
    expect(a.code, a.stderr).toBe(0);
    const granted = a.json().leases[0];
    expect(granted).toMatchObject({ pattern: 'src/**', exclusive: true, sessionId: A.id, sessionName: 'alice', state: 'active', reason: 'refactoring the parser' });
    // default TTL: an hour
    expect(Date.parse(granted.expiresAt) - Date.parse(granted.acquiredAt)).toBe(3600_000);
    expect(events.some((e) => e.type === 'lease.updated' && e.action === 'acquired' && e.leaseIds.includes(granted.id))).toBe(true);

    const b = await as(envB, ['lease', 'acquire', 'src/a.ts']);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain(`session ${A.id} (alice)`);
    expect(b.stderr).toContain("'src/**'");
    expect(b.stderr).toContain('exclusively');
    expect(b.stderr).toContain(granted.expiresAt);
    expect(b.stderr).toMatch(/\(in (59|60) min\)/);
    expect(b.stderr).toContain('refactoring the parser');

    // the same over REST with the agent's own token: 409 conflict on `paths`
    const rest = await sessionApi(envB, 'POST', '/api/leases', { paths: ['src/deep/**/*.ts'] });
    expect(rest.status).toBe(409);
    expect(rest.json.error).toMatchObject({ code: 'conflict', field: 'paths' });
    expect(rest.json.error.message).toContain(A.id);
  });

  it('keeps disjoint globs apart, and shared leases out only of exclusive ones', async () => {
    // src/** is alice's, lib/*.ts is not: bob gets it exclusively.
    const b1 = await sessionApi(envB, 'POST', '/api/leases', { paths: ['lib/*.ts'] });
    expect(b1.status, b1.text).toBe(201);
    // alice may not even share a file bob holds exclusively
    const a1 = await as(envA, ['lease', 'acquire', 'lib/x.ts', '--shared']);
    expect(a1.code).toBe(1);
    expect(a1.stderr).toContain(`session ${B.id} (bob)`);
    // shared with shared is fine; exclusive over a shared one is not
    expect((await as(envB, ['lease', 'acquire', 'docs/', '--shared'])).code).toBe(0);
    const a2 = await as(envA, ['lease', 'acquire', 'docs/readme.md', '--shared', '--json']);
    expect(a2.code, a2.stderr).toBe(0);
    expect(a2.json().leases[0].exclusive).toBe(false);
    const a3 = await as(envA, ['lease', 'acquire', 'docs/guide.md']);
    expect(a3.code).toBe(1);
    expect(a3.stderr).toContain("'docs/**'");
    expect(a3.stderr).toContain('shared');
  });

  it('is all or nothing', async () => {
    const b = await as(envB, ['lease', 'acquire', 'tools/**', 'src/b.md']);
    expect(b.code).toBe(1);
    const mine = (await as(envB, ['lease', 'list', '--session', B.id, '--json'])).json() as Array<{ pattern: string }>;
    expect(mine.map((l) => l.pattern).sort()).toEqual(['docs/**', 'lib/*.ts']);
  });

  it('renews a pattern its holder acquires again instead of refusing it', async () => {
    const before = (await as(envA, ['lease', 'list', '--json'])).json().find((l: { pattern: string }) => l.pattern === 'src/**');
    const r = await as(envA, ['lease', 'acquire', 'src/**', '--ttl', '2h', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { leases, renewed } = r.json();
    expect(renewed).toEqual(['src/**']);
    expect(leases[0].id).toBe(before.id);
    expect(Date.parse(leases[0].expiresAt) - Date.parse(leases[0].renewedAt)).toBe(7200_000);
    expect((await as(envA, ['lease', 'acquire', 'src/**'])).stdout).toMatch(/^renewed /);
  });

  it('lists who holds what (holder, pattern, mode, expiry) and checks paths from each side', async () => {
    const l = await owner(['lease', 'list', '--project', 'app']);
    expect(l.code, l.stderr).toBe(0);
    expect(l.stdout).toMatch(/src\/\*\*\s+exclusive\s+ses_\w+ \(alice\)/);
    expect(l.stdout).toMatch(/docs\/\*\*\s+shared\s+ses_\w+ \(bob\)/);
    // bob may not touch src/a.ts; alice may (it is hers); README.md is nobody's
    const cb = await as(envB, ['lease', 'check', 'src/a.ts', 'README.md', '--json']);
    expect(cb.code).toBe(1);
    expect(cb.json().conflicts.map((h: { path: string; lease: { sessionId: string } }) => [h.path, h.lease.sessionId])).toEqual([['src/a.ts', A.id]]);
    expect((await as(envA, ['lease', 'check', 'src/a.ts'])).code).toBe(0);
    const shared = await as(envA, ['lease', 'check', 'docs/x.md']);
    expect(shared.code).toBe(0);
    expect(shared.stdout).toContain('shared');
  });

  it('refuses bad input naming the field, outsiders, and sessions acting for others', async () => {
    for (const [args, field] of [
      [['/etc/passwd'], 'paths'],
      [['../outside.ts'], 'paths'],
      [['src/../../x'], 'paths'],
      [['x', '--ttl', '5'], 'ttlSeconds'],
      [['x', '--ttl', '2d'], 'ttlSeconds'],
    ] as const) {
      const r = await as(envA, ['lease', 'acquire', ...args, '--json']);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.json().error).toMatchObject({ code: 'invalid_input', field });
    }
    const abs = await as(envA, ['lease', 'acquire', '/etc/passwd']);
    expect(abs.stderr).toMatch(/absolute/);
    const tooMany = await sessionApi(envA, 'POST', '/api/leases', { paths: Array.from({ length: 101 }, (_, i) => `f${i}`) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.error.field).toBe('paths');
    const none = await sessionApi(envA, 'POST', '/api/leases', { paths: [] });
    expect([none.status, none.json.error.field]).toEqual([400, 'paths']);
    // no credential
    expect((await requestJson(`${server.url}/api/leases`, 'GET')).status).toBe(401);
    expect((await requestJson(`${server.url}/api/leases`, 'POST', { paths: ['x'] })).status).toBe(401);
    // a worker acquiring or releasing for another session
    const forA = await sessionApi(envB, 'POST', '/api/leases', { paths: ['z'], sessionId: A.id });
    expect(forA.status).toBe(403);
    const aLease = (await as(envA, ['lease', 'list', '--session', A.id, '--json'])).json()[0];
    const steal = await as(envB, ['lease', 'release', '--id', aLease.id, '--json']);
    expect(steal.code).toBe(1);
    expect(steal.json().error.code).toBe('forbidden');
    // the owner must say for whom
    const noSession = await owner(['lease', 'acquire', 'x', '--json']);
    expect(noSession.json().error).toMatchObject({ code: 'invalid_input', field: 'sessionId' });
  });
});

describe('the pre-commit guard on real worktrees', () => {
  it('is installed in the session worktrees only; the main checkout keeps its config and hooks', () => {
    for (const s of [A, B]) {
      expect(git(s.worktreePath!, 'config', '--worktree', '--get', 'core.hooksPath')).toBe(join(server.home, 'sessions', s.id, 'git-hooks'));
      expect(existsSync(join(server.home, 'sessions', s.id, 'git-hooks', 'pre-commit'))).toBe(true);
    }
    expect(() => git(repo, 'config', '--get', 'core.hooksPath')).toThrow();
    expect(readFileSync(join(repo, '.git', 'hooks', 'pre-commit'), 'utf8')).toContain('user-hook.log');
  });

  it("refuses bob's commit of a file under alice's exclusive lease, naming file, holder and expiry", async () => {
    stage(B.worktreePath!, { 'app/src/a.ts': 'bob was here\n' });
    const r = await commit(B.worktreePath!, envB, 'touch a.ts');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('commit refused');
    expect(r.stderr).toContain("'src/a.ts'");
    expect(r.stderr).toContain(`session ${A.id} (alice)`);
    expect(r.stderr).toMatch(/until \d{4}-\d\d-\d\dT[\d:.]+Z \(in \d+ min\)/);
    expect(git(B.worktreePath!, 'log', '--format=%s', '-1')).toBe('initial');
    // the user's hook did not run for a refused commit
    expect(existsSync(join(root, 'user-hook.log'))).toBe(false);
  });

  it('refuses it too when committed without the agent token (the owner secret of the home written in the hook)', async () => {
    const r = await commit(B.worktreePath!, {}, 'touch a.ts by hand');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`session ${A.id} (alice)`);
  });

  it("passes a commit of other files (bob's own lease, files outside the project) and chains to the user's hook", async () => {
    git(B.worktreePath!, 'reset', '-q', '--', 'app/src/a.ts');
    git(B.worktreePath!, 'checkout', '--', 'app/src/a.ts');
    stage(B.worktreePath!, { 'app/lib/x.ts': 'x2\n', 'README.md': '# repo, by bob\n', 'app/src/new.md': 'hmm\n' });
    // src/new.md is under src/**: alice's. Unstage it first: only lib/x.ts and README.md go.
    git(B.worktreePath!, 'reset', '-q', '--', 'app/src/new.md');
    const r = await commit(B.worktreePath!, envB, 'bob: lib and readme');
    expect(r.code, r.stderr).toBe(0);
    expect(git(B.worktreePath!, 'log', '--format=%s', '-1')).toBe('bob: lib and readme');
    expect(readFileSync(join(root, 'user-hook.log'), 'utf8')).toBe('ran\n');
    // alice commits in her own lease freely
    stage(A.worktreePath!, { 'app/src/a.ts': 'alice\n' });
    expect((await commit(A.worktreePath!, envA, 'alice: a.ts')).code).toBe(0);
    expect(readFileSync(join(root, 'user-hook.log'), 'utf8')).toBe('ran\nran\n');
  });

  it("the main checkout's commits run the user's hook alone", async () => {
    stage(repo, { 'app/src/a.ts': 'main\n' });
    const r = await commit(repo, {}, 'main: a.ts');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('maestro');
    expect(readFileSync(join(root, 'user-hook.log'), 'utf8')).toBe('ran\nran\nran\n');
  });

  it('chains to the repository core.hooksPath when it sets one', async () => {
    writeFiles(repo, { '.githooks/pre-commit': `#!/bin/sh\necho repo-hooks >> "${join(root, 'repo-hook.log')}"\nexit 0\n` });
    chmodSync(join(repo, '.githooks', 'pre-commit'), 0o755);
    git(repo, 'config', 'core.hooksPath', join(repo, '.githooks'));
    try {
      stage(A.worktreePath!, { 'app/src/b.md': 'alice b\n' });
      expect((await commit(A.worktreePath!, envA, 'alice: b.md')).code).toBe(0);
      expect(readFileSync(join(root, 'repo-hook.log'), 'utf8')).toBe('repo-hooks\n');
      // still the guard first: bob's commit of alice's file is refused before the repo's hook
      stage(B.worktreePath!, { 'app/src/b.md': 'bob b\n' });
      expect((await commit(B.worktreePath!, envB, 'bob: b.md')).code).toBe(1);
      expect(readFileSync(join(root, 'repo-hook.log'), 'utf8')).toBe('repo-hooks\n');
      git(B.worktreePath!, 'reset', '-q', '--hard');
    } finally {
      git(repo, 'config', '--unset', 'core.hooksPath');
    }
  });

  it('`--no-lease-guard` installs nothing in new worktrees', async () => {
    const off = await owner(['project', 'update', 'app', '--no-lease-guard', '--json']);
    expect(off.code, off.stderr).toBe(0);
    expect(off.json().leaseGuard).toBe(false);
    const C = await spawn('app', 'carol');
    try {
      expect(() => git(C.worktreePath!, 'config', '--worktree', '--get', 'core.hooksPath')).toThrow();
      expect(existsSync(join(server.home, 'sessions', C.id, 'git-hooks'))).toBe(false);
      // her commit of alice's file goes through (no guard), running the user's hook only
      stage(C.worktreePath!, { 'app/src/a.ts': 'carol\n' });
      const r = await commit(C.worktreePath!, server.svc.sessionEnv(C.id), 'carol: a.ts');
      expect(r.code, r.stderr).toBe(0);
    } finally {
      await ownerApi(server, 'POST', `/api/sessions/${C.id}/stop`, {});
      expect((await owner(['project', 'update', 'app', '--lease-guard', '--json'])).json().leaseGuard).toBe(true);
    }
  });
});

describe('leases end', () => {
  it('by TTL: an expired lease keeps nobody out, and shows as expired in the history', async () => {
    const a = await as(envA, ['lease', 'acquire', 'tmp/**', '--ttl', '10', '--json']);
    expect(a.code, a.stderr).toBe(0);
    const id = a.json().leases[0].id;
    const refused = await as(envB, ['lease', 'acquire', 'tmp/x']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/\(in (9|10) s\)/);
    const real = server.svc.leases.now;
    server.svc.leases.now = () => Date.now() + 11_000; // the TTL runs out
    try {
      expect((await as(envB, ['lease', 'check', 'tmp/x'])).code).toBe(0);
      const b = await as(envB, ['lease', 'acquire', 'tmp/x', '--ttl', '60', '--json']);
      expect(b.code, b.stderr).toBe(0);
      const history = (await owner(['lease', 'list', '--project', 'app', '--all', '--json'])).json() as Array<{ id: string; state: string; endedBy: string }>;
      expect(history.find((l) => l.id === id)).toMatchObject({ state: 'expired', endedBy: 'expired' });
      const active = (await owner(['lease', 'list', '--project', 'app', '--json'])).json() as Array<{ id: string }>;
      expect(active.some((l) => l.id === id)).toBe(false);
    } finally {
      server.svc.leases.now = real;
    }
    // back in real time: bob's tmp/x lease runs another 60 s, alice's tmp/** is still over
    expect((await as(envA, ['lease', 'acquire', 'tmp/**'])).code).toBe(1);
  });

  it('by release: the holder gives one back; the owner may force any', async () => {
    const released = await as(envB, ['lease', 'release', 'tmp/x', '--json']);
    expect(released.code, released.stderr).toBe(0);
    expect(released.json().released.map((l: { pattern: string; endedBy: string }) => [l.pattern, l.endedBy])).toEqual([['tmp/x', 'released']]);
    expect(events.some((e) => e.type === 'lease.updated' && e.action === 'released' && e.sessionId === B.id)).toBe(true);
    const docs = (await owner(['lease', 'list', '--project', 'app', '--session', B.id, '--json'])).json().find((l: { pattern: string }) => l.pattern === 'docs/**');
    const forced = await owner(['lease', 'release', '--id', docs.id, '--json']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.json().released[0]).toMatchObject({ id: docs.id, state: 'released', endedBy: 'forced' });
    // now alice may take docs/guide.md exclusively
    expect((await as(envA, ['lease', 'acquire', 'docs/guide.md'])).code).toBe(0);
  });

  it('with the session: stopping bob releases his leases', async () => {
    expect((await as(envA, ['lease', 'acquire', 'lib/x.ts'])).code).toBe(1);
    expect((await ownerApi(server, 'POST', `/api/sessions/${B.id}/stop`, {})).status).toBe(200);
    const history = (await owner(['lease', 'list', '--project', 'app', '--session', B.id, '--all', '--json'])).json() as Array<{ pattern: string; state: string; endedBy: string }>;
    expect(history.find((l) => l.pattern === 'lib/*.ts')).toMatchObject({ state: 'released', endedBy: 'session_ended' });
    expect((await as(envA, ['lease', 'acquire', 'lib/x.ts'])).code).toBe(0);
    // a finished session holds nothing new (its token is no good any more; the owner asks for it)
    expect((await sessionApi(envB, 'POST', '/api/leases', { paths: ['q'] })).status).toBe(401);
    const late = await ownerApi(server, 'POST', '/api/leases', { paths: ['q'], sessionId: B.id });
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: 'conflict', field: 'sessionId' });
    // and alice releases all of hers at once
    const all = await as(envA, ['lease', 'release', '--json']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.json().released.length).toBeGreaterThanOrEqual(3);
    expect((await as(envA, ['lease', 'list', '--session', A.id, '--json'])).json()).toEqual([]);
  });

  it('go with their project when it is deleted', async () => {
    const dir = join(root, 'gone');
    writeFiles(dir, { 'x.txt': 'x\n' });
    expect((await ownerApi(server, 'POST', '/api/projects', { name: 'gone', workingDir: dir })).status).toBe(201);
    const s = (await ownerApi(server, 'POST', '/api/sessions', { project: 'gone', name: 'doomed' })).body.session;
    expect((await ownerApi(server, 'POST', '/api/leases', { paths: ['x.txt'], sessionId: s.id })).status).toBe(201);
    await ownerApi(server, 'POST', `/api/sessions/${s.id}/stop`, {});
    const del = await owner(['project', 'delete', 'gone', '--yes']);
    expect(del.code, del.stderr).toBe(0);
    const left = server.svc.db.prepare('SELECT COUNT(*) AS n FROM leases WHERE session_id = ?').get(s.id) as { n: number };
    expect(left.n).toBe(0);
  });

  it('the guard lets a commit through with a warning when the server cannot be reached', async () => {
    await as(envA, ['lease', 'acquire', 'lib/']);
    // bob has ended (his token with him): a commit in his worktree is still checked, as the owner for him
    stage(B.worktreePath!, { 'app/lib/x.ts': 'after the end\n' });
    const ended = await commit(B.worktreePath!, envB, 'after bob ended');
    expect(ended.code).toBe(1);
    expect(ended.stderr).toContain(`session ${A.id} (alice) as 'lib/**'`);
    const hook = readFileSync(join(server.home, 'sessions', B.id, 'git-hooks', 'pre-commit'), 'utf8');
    expect(hook).toContain(`MAESTRO_SESSION_ID='${B.id}'`);
    expect(hook).not.toContain('MAESTRO_API_URL'); // the agent's environment or the home's lock says where the server is
    expect(hook).toContain(BIN);
    await server.close();
    stage(B.worktreePath!, { 'app/lib/x.ts': 'offline\n' });
    const r = await commit(B.worktreePath!, envB, 'offline commit');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: cannot check leases/);
  });
});
