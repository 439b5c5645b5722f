/**
 * The git engine (src/git) on real repositories in temporary folders: agents' worktrees (made from a
 * fetched base, with their untracked files copied in, removed only when nothing would be lost), their
 * diffs (committed, staged, unstaged and untracked work, the real index untouched), browsing their files
 * safely, and merging their branches with every promise of mergeBranch checked (refusals leave the
 * target, the person's files and `git status` exactly as they were; nothing half-done is left behind).
 * Git's global and system configuration are ignored, so the machine's settings cannot change the result.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitError } from '../src/git/errors.js';
import { currentBranch, defaultRemote, isGitRepo, repoRoot, resolveCommit, statusPorcelain, worktreeList } from '../src/git/repo.js';
import { createWorktree, isMerged, removeWorktree, worktreeStatus } from '../src/git/worktree.js';
import { diffStat, diffWorktree } from '../src/git/diff.js';
import { listTree, readFileAt } from '../src/git/files.js';
import { type MergeRequest, mergeBranch } from '../src/git/merge.js';

const saved = { global: process.env.GIT_CONFIG_GLOBAL, nosystem: process.env.GIT_CONFIG_NOSYSTEM };
const dirs: string[] = [];
const tempDir = (name = 'repo') => {
  const dir = mkdtempSync(join(tmpdir(), `maestro-git-${name}-`));
  dirs.push(dir);
  return dir;
};
beforeAll(() => {
  const empty = join(tempDir('config'), 'gitconfig');
  writeFileSync(empty, '');
  process.env.GIT_CONFIG_GLOBAL = empty; // no identity: the engine's own fallback is exercised
  process.env.GIT_CONFIG_NOSYSTEM = '1';
});
afterAll(() => {
  for (const [k, v] of [['GIT_CONFIG_GLOBAL', saved.global], ['GIT_CONFIG_NOSYSTEM', saved.nosystem]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** git in `cwd` for the test's own setup, with an identity (the engine must not need one). */
function g(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Tester', '-c', 'user.email=tester@example.com', ...args], {
    cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' },
  });
}
const write = (dir: string, file: string, content: string | Buffer) => {
  mkdirSync(join(dir, file, '..'), { recursive: true });
  writeFileSync(join(dir, file), content);
};
const commitAll = (dir: string, msg: string) => {
  g(dir, 'add', '-A');
  g(dir, 'commit', '-q', '-m', msg);
  return g(dir, 'rev-parse', 'HEAD').trim();
};
const sha = (dir: string, ref: string) => g(dir, 'rev-parse', ref).trim();
const status = (dir: string) => g(dir, 'status', '--porcelain=v1', '--untracked-files=all');

/** A repository on 'main' with a first commit. */
function newRepo(files: Record<string, string> = { 'README.md': '# demo\n' }): string {
  const dir = tempDir();
  g(dir, 'init', '-q', '-b', 'main');
  for (const [f, c] of Object.entries(files)) write(dir, f, c);
  commitAll(dir, 'first');
  return dir;
}

/** No MERGE_HEAD, CHERRY_PICK_HEAD or leftover temporary worktree anywhere. */
function assertNothingHalfDone(repo: string, tmp: string, worktrees: number) {
  const gitDir = join(repo, '.git');
  for (const f of ['MERGE_HEAD', 'CHERRY_PICK_HEAD']) expect(existsSync(join(gitDir, f))).toBe(false);
  const linked = existsSync(join(gitDir, 'worktrees')) ? readdirSync(join(gitDir, 'worktrees')) : [];
  for (const w of linked) for (const f of ['MERGE_HEAD', 'CHERRY_PICK_HEAD']) expect(existsSync(join(gitDir, 'worktrees', w, f))).toBe(false);
  expect(g(repo, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree ')).length).toBe(worktrees);
  expect(existsSync(tmp) ? readdirSync(tmp) : []).toEqual([]);
}

describe('repository reading', () => {
  it('answers where, which branch, which remote, which worktrees, what changed', async () => {
    const repo = newRepo();
    expect(await isGitRepo(repo)).toBe(true);
    expect(await isGitRepo(tempDir('plain'))).toBe(false);
    expect(await isGitRepo(join(repo, 'missing'))).toBe(false);
    expect(await currentBranch(repo)).toBe('main');
    expect(await defaultRemote(repo)).toBeNull();
    expect(await resolveCommit(repo, 'main')).toBe(sha(repo, 'main'));
    expect(await resolveCommit(repo, 'nope')).toBeNull();
    expect(await resolveCommit(repo, '--help')).toBeNull();
    const wt = join(tempDir('wt'), 'a');
    g(repo, 'worktree', 'add', '-q', '-b', 'side', wt);
    expect(await repoRoot(wt)).toBe(repo);
    const list = await worktreeList(repo);
    expect(list.map((w) => [w.branch, w.detached])).toEqual([['main', false], ['side', false]]);
    g(wt, 'checkout', '-q', '--detach');
    expect(await currentBranch(wt)).toBeNull();
    write(repo, 'new file.txt', 'x');
    write(repo, 'README.md', 'changed');
    expect(await statusPorcelain(repo)).toEqual([
      { path: 'README.md', code: ' M', untracked: false },
      { path: 'new file.txt', code: '??', untracked: true },
    ]);
    g(repo, 'mv', 'README.md', 'READ ME.md');
    expect((await statusPorcelain(repo)).map((s) => [s.path, s.code])).toEqual([['READ ME.md', 'RM'], ['new file.txt', '??']]);
  });
});

describe('createWorktree', () => {
  function projectWithLocalFiles() {
    const repo = newRepo({
      'README.md': '# demo\n',
      '.gitignore': '.env\n.env.local\nnode_modules/\ncache/\n',
      '.env.example': 'KEY=\n',
      '.worktreeinclude': 'cache/\n',
    });
    write(repo, '.env', 'KEY=secret\n');
    write(repo, '.env.local', 'LOCAL=1\n');
    write(repo, 'cache/a.bin', 'aaa');
    write(repo, 'cache/sub/b.bin', 'bbb');
    write(repo, 'node_modules/pkg/.env', 'NOT=copied\n');
    write(repo, 'node_modules/pkg/index.js', '');
    write(repo, '.env.example', 'KEY=changed-but-tracked\n');
    return repo;
  }

  it('branches from the base and copies .env* and .worktreeinclude files, not tracked or ignored-folder ones', async () => {
    const repo = projectWithLocalFiles();
    const path = join(tempDir('wt'), 'deep', 'alice');
    const made = await createWorktree({ repoDir: repo, path, branch: 'maestro/alice', base: 'main' });
    expect(made).toMatchObject({ path, branch: 'maestro/alice', base: 'main', baseCommit: sha(repo, 'main'), fetched: 'no_remote', warnings: [] });
    expect(made.copied).toEqual(['.env', '.env.local', 'cache']);
    expect(sha(path, 'HEAD')).toBe(sha(repo, 'main'));
    expect(await currentBranch(path)).toBe('maestro/alice');
    expect(readFileSync(join(path, '.env'), 'utf8')).toBe('KEY=secret\n');
    expect(readFileSync(join(path, 'cache/sub/b.bin'), 'utf8')).toBe('bbb');
    expect(readFileSync(join(path, '.env.example'), 'utf8')).toBe('KEY=\n'); // the checkout's, not the local edit
    expect(existsSync(join(path, 'node_modules'))).toBe(false);
    expect(() => g(path, 'rev-parse', '--abbrev-ref', '@{upstream}')).toThrow(); // no upstream: --no-track
  });

  it('copies a symlink as a link without following it, and skips what include=false leaves out', async () => {
    const repo = projectWithLocalFiles();
    const outside = join(tempDir('outside'), 'secret.txt');
    writeFileSync(outside, 'outside');
    symlinkSync(outside, join(repo, '.env.link'));
    const path = join(tempDir('wt'), 'bob');
    const made = await createWorktree({ repoDir: repo, path, branch: 'maestro/bob', base: 'main', fetch: false });
    expect(made.fetched).toBe('skipped');
    expect(made.copied).toContain('.env.link');
    expect(lstatSync(join(path, '.env.link')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(path, '.env.link'))).toBe(outside);
    const bare = await createWorktree({ repoDir: repo, path: join(tempDir('wt'), 'carol'), branch: 'maestro/carol', base: 'main', include: false });
    expect(bare.copied).toEqual([]);
    expect(existsSync(join(bare.path, '.env'))).toBe(false);
  });

  it('refuses an existing branch, naming it, and creates nothing', async () => {
    const repo = newRepo();
    g(repo, 'branch', 'maestro/alice');
    const path = join(tempDir('wt'), 'alice');
    const err = await createWorktree({ repoDir: repo, path, branch: 'maestro/alice', base: 'main' }).catch((e) => e);
    expect(err).toBeInstanceOf(GitError);
    expect(err.message).toContain('maestro/alice');
    expect(existsSync(path)).toBe(false);
    await expect(createWorktree({ repoDir: repo, path, branch: 'x', base: 'no-such-base' })).rejects.toThrow(/no-such-base/);
    // A folder already in use: refused before git makes the branch.
    write(path, 'occupied.txt', 'x');
    await expect(createWorktree({ repoDir: repo, path, branch: 'maestro/new', base: 'main' })).rejects.toMatchObject({ kind: 'exists' });
    expect(await resolveCommit(repo, 'refs/heads/maestro/new')).toBeNull();
    expect((await worktreeList(repo)).length).toBe(1);
  });

  it('fetches the remote and branches from origin/main when it is ahead; a failed fetch is a warning', async () => {
    const remote = tempDir('remote');
    g(remote, 'init', '-q', '--bare', '-b', 'main');
    const seed = newRepo();
    g(seed, 'push', '-q', remote, 'main');
    const work = join(tempDir('clone'), 'work');
    g(seed, 'clone', '-q', remote, work);
    // Someone else pushes: the clone's local main is now an ancestor of the remote's.
    write(seed, 'new.txt', 'new\n');
    const ahead = commitAll(seed, 'ahead');
    g(seed, 'push', '-q', remote, 'main');

    const made = await createWorktree({ repoDir: work, path: join(tempDir('wt'), 'a'), branch: 'maestro/a', base: 'main' });
    expect(made).toMatchObject({ fetched: 'yes', base: 'origin/main', baseCommit: ahead, warnings: [] });
    expect(existsSync(join(made.path, 'new.txt'))).toBe(true);

    // Local main with its own commit is not an ancestor of origin/main: it stays the base.
    write(work, 'local.txt', 'mine\n');
    const local = commitAll(work, 'local');
    const own = await createWorktree({ repoDir: work, path: join(tempDir('wt'), 'b'), branch: 'maestro/b', base: 'main', fetch: false });
    expect(own).toMatchObject({ base: 'main', baseCommit: local, fetched: 'skipped' });

    g(work, 'remote', 'set-url', 'origin', join(tempDir('gone'), 'missing.git'));
    const failed = await createWorktree({ repoDir: work, path: join(tempDir('wt'), 'c'), branch: 'maestro/c', base: 'main' });
    expect(failed.fetched).toBe('failed');
    expect(failed.warnings.join()).toMatch(/fetch origin failed/);
    expect(failed.baseCommit).toBe(local);
  });
});

describe('diffWorktree, readFileAt, listTree', () => {
  const long = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n') + '\n';
  let repo: string;
  let wt: string;
  beforeAll(async () => {
    repo = newRepo({
      'keep.txt': 'one\ntwo\nthree\n',
      'del.txt': 'gone soon\n',
      'old name.txt': long,
      'mod.txt': 'a\nb\n',
      'src/lib.ts': 'export {};\n',
      'bin.dat': '',
      '.gitignore': 'ignored.log\n',
    });
    writeFileSync(join(repo, 'bin.dat'), Buffer.from([0, 1, 2, 3]));
    commitAll(repo, 'binary');
    wt = (await createWorktree({ repoDir: repo, path: join(tempDir('wt'), 'agent'), branch: 'maestro/agent', base: 'main' })).path;
    // Committed on the branch.
    write(wt, 'mod.txt', 'a\nB\nc');
    commitAll(wt, 'committed change');
    // The base moves on: its commit must not show (the diff is against the merge base).
    write(repo, 'main-only.txt', 'main\n');
    commitAll(repo, 'main moves');
    // Uncommitted: staged rename, unstaged edit, deletion, untracked files, binary change, ignored file.
    g(wt, 'mv', 'old name.txt', 'new name.txt');
    write(wt, 'keep.txt', 'one\n2\nthree\nfour\n');
    rmSync(join(wt, 'del.txt'));
    write(wt, 'my file.txt', 'spaces\n');
    write(wt, 'héllo/naïve.txt', 'unicode\n');
    writeFileSync(join(wt, 'bin.dat'), Buffer.from([0, 9, 9, 9, 9]));
    write(wt, 'ignored.log', 'noise\n');
  });

  it('shows committed, staged, unstaged and untracked work against the merge base, the real index untouched', async () => {
    const indexHash = () => createHash('sha256').update(readFileSync(join(repo, '.git', 'worktrees', 'agent', 'index'))).digest('hex');
    const before = status(wt);
    const hash = indexHash();
    const d = await diffWorktree({ path: wt, base: 'main' });
    expect(status(wt)).toBe(before);
    expect(indexHash()).toBe(hash);

    expect(d.mergeBase).toBe(sha(wt, 'HEAD~1'));
    expect(d.head).toBe(sha(wt, 'HEAD'));
    expect(d.truncated).toBe(false);
    const by = Object.fromEntries(d.files.map((f) => [f.path, f]));
    expect(Object.keys(by).sort()).toEqual(['bin.dat', 'del.txt', 'héllo/naïve.txt', 'keep.txt', 'mod.txt', 'my file.txt', 'new name.txt']);
    expect(by['new name.txt']).toMatchObject({ status: 'renamed', oldPath: 'old name.txt', additions: 0, deletions: 0, untracked: false });
    expect(by['del.txt']).toMatchObject({ status: 'deleted', deletions: 1 });
    expect(by['my file.txt']).toMatchObject({ status: 'added', untracked: true, additions: 1 });
    expect(by['héllo/naïve.txt']).toMatchObject({ status: 'added', untracked: true });
    expect(by['bin.dat']).toMatchObject({ status: 'modified', binary: true, hunks: [] });
    expect(by['keep.txt']).toMatchObject({ status: 'modified', untracked: false, additions: 2, deletions: 1 });
    expect(by['keep.txt'].hunks[0]).toMatchObject({ oldStart: 1, oldLines: 3, newStart: 1, newLines: 4 });
    expect(by['keep.txt'].hunks[0].lines).toEqual([' one', '-two', '+2', ' three', '+four']);
    expect(by['mod.txt'].hunks[0].lines).toContain('\\ No newline at end of file');
    expect(d.patch).toContain('diff --git a/my file.txt b/my file.txt');
    expect(d.patch).toContain('héllo/naïve.txt'); // not octal-quoted
    expect(d.patch).toMatch(/Binary files a\/bin.dat and b\/bin.dat differ/);

    // The same counts as git's own, once the work is really staged.
    const scratch = join(tempDir('clone'), 'copy');
    g(repo, 'worktree', 'add', '-q', '--detach', scratch, 'maestro/agent');
    for (const f of ['keep.txt', 'my file.txt', 'bin.dat']) writeFileSync(join(scratch, f), readFileSync(join(wt, f)));
    write(scratch, 'héllo/naïve.txt', 'unicode\n');
    g(scratch, 'mv', 'old name.txt', 'new name.txt');
    g(scratch, 'rm', '-q', 'del.txt');
    g(scratch, 'add', '-A');
    const numstat = g(scratch, '-c', 'core.quotepath=false', 'diff', '--cached', '-M', '--numstat', d.mergeBase).trim().split('\n');
    const ours = d.files.map((f) => `${f.binary ? '-' : f.additions}\t${f.binary ? '-' : f.deletions}\t${f.oldPath ? `${f.oldPath} => ${f.path}` : f.path}`);
    expect(ours.sort()).toEqual(numstat.sort());
    const gitStat = g(scratch, 'diff', '--cached', '-M', '--stat', d.mergeBase).trim().split('\n');
    expect(diffStat(d).trim().split('\n').at(-1)).toBe(gitStat.at(-1));
    expect(diffStat(d)).toMatch(/ bin\.dat\s+\| Bin\n/);
    g(repo, 'worktree', 'remove', '--force', scratch);
  });

  it('cuts the patch at whole files beyond maxBytes, still listing every file with its counts', async () => {
    const full = await diffWorktree({ path: wt, base: 'main' });
    const cut = await diffWorktree({ path: wt, base: 'main', maxBytes: 400 });
    expect(cut.truncated).toBe(true);
    expect(cut.patch.length).toBeLessThanOrEqual(400);
    expect(full.patch.startsWith(cut.patch)).toBe(true);
    expect(cut.files.map((f) => [f.path, f.additions, f.deletions])).toEqual(full.files.map((f) => [f.path, f.additions, f.deletions]));
    expect(cut.files.at(-1)!.hunks).toEqual([]);
  });

  it('reads a file on disk or at a ref, and refuses paths leaving the worktree', async () => {
    expect(await readFileAt({ path: wt, file: 'keep.txt' })).toEqual({ content: 'one\n2\nthree\nfour\n', binary: false, size: 17, truncated: false });
    expect((await readFileAt({ path: wt, file: 'keep.txt', ref: 'main' })).content).toBe('one\ntwo\nthree\n');
    expect((await readFileAt({ path: wt, file: 'old name.txt', ref: 'HEAD' })).content).toBe(long);
    expect(await readFileAt({ path: wt, file: 'bin.dat' })).toMatchObject({ binary: true, content: '', size: 5 });
    const outside = join(tempDir('outside'), 'secret');
    writeFileSync(outside, 'secret');
    symlinkSync(outside, join(wt, 'escape'));
    symlinkSync('keep.txt', join(wt, 'inside-link'));
    expect((await readFileAt({ path: wt, file: 'inside-link' })).content).toContain('four');
    for (const file of ['../x', 'src/../../x', '/etc/passwd', 'escape', '.git/config', '']) {
      const err = await readFileAt({ path: wt, file }).catch((e) => e);
      expect(err, file).toBeInstanceOf(GitError);
      expect(err.kind, file).toBe('invalid');
    }
    await expect(readFileAt({ path: wt, file: 'nope.txt' })).rejects.toMatchObject({ kind: 'not_found' });
    await expect(readFileAt({ path: wt, file: 'nope.txt', ref: 'main' })).rejects.toMatchObject({ kind: 'not_found' });
    rmSync(join(wt, 'escape'));
    rmSync(join(wt, 'inside-link'));
  });

  it('lists tracked and untracked files with their folders, marking the changed ones', async () => {
    const d = await diffWorktree({ path: wt, base: 'main' });
    const tree = await listTree({ path: wt, changedPaths: d.files.map((f) => f.path) });
    const paths = tree.map((e) => e.path);
    expect(paths).toContain('my file.txt');
    expect(paths).toContain('new name.txt');
    expect(paths).not.toContain('ignored.log');
    expect(paths).not.toContain('del.txt'); // deleted on disk
    expect(tree.find((e) => e.path === 'src')).toEqual({ path: 'src', type: 'dir', changed: false });
    expect(tree.find((e) => e.path === 'héllo')).toEqual({ path: 'héllo', type: 'dir', changed: true });
    expect(tree.find((e) => e.path === 'keep.txt')).toEqual({ path: 'keep.txt', type: 'file', changed: true });
    expect(tree.find((e) => e.path === 'src/lib.ts')!.changed).toBe(false);
  });

  it('reports a worktree state: branch, dirty files, ahead and behind', async () => {
    const s = await worktreeStatus(wt, 'main');
    expect(s).toMatchObject({ branch: 'maestro/agent', head: sha(wt, 'HEAD'), ahead: 1, behind: 1, exists: true });
    expect(s.dirty).toEqual(expect.arrayContaining(['keep.txt', 'del.txt', 'my file.txt', 'new name.txt']));
    expect(await worktreeStatus(join(tempDir('gone'), 'x'))).toMatchObject({ exists: false, branch: null, head: null });
    expect(await isMerged(repo, 'maestro/agent', 'main')).toBe(false);
  });
});

describe('removeWorktree', () => {
  it('refuses a dirty worktree unless forced, deletes the branch only when asked, prunes a vanished one', async () => {
    const repo = newRepo();
    const a = (await createWorktree({ repoDir: repo, path: join(tempDir('wt'), 'a'), branch: 'maestro/a', base: 'main' })).path;
    write(a, 'README.md', 'edited\n');
    write(a, 'new.txt', 'new\n');
    const refused = await removeWorktree({ repoDir: repo, path: a, branch: 'maestro/a', deleteBranch: true, force: false });
    expect(refused).toMatchObject({ removedWorktree: false, deletedBranch: false });
    expect(refused.refusal).toMatch(/README\.md, new\.txt/);
    expect(readFileSync(join(a, 'README.md'), 'utf8')).toBe('edited\n');
    expect(await resolveCommit(repo, 'refs/heads/maestro/a')).not.toBeNull();

    expect(await removeWorktree({ repoDir: repo, path: a, branch: 'maestro/a', deleteBranch: false, force: true })).toEqual({
      removedWorktree: true, deletedBranch: false, refusal: null,
    });
    expect(existsSync(a)).toBe(false);
    expect(await resolveCommit(repo, 'refs/heads/maestro/a')).not.toBeNull();

    const b = (await createWorktree({ repoDir: repo, path: join(tempDir('wt'), 'b'), branch: 'maestro/b', base: 'main' })).path;
    expect(await removeWorktree({ repoDir: repo, path: b, branch: 'maestro/b', deleteBranch: true, force: false })).toEqual({
      removedWorktree: true, deletedBranch: true, refusal: null,
    });
    expect(await resolveCommit(repo, 'refs/heads/maestro/b')).toBeNull();

    const c = (await createWorktree({ repoDir: repo, path: join(tempDir('wt'), 'c'), branch: 'maestro/c', base: 'main' })).path;
    rmSync(c, { recursive: true, force: true });
    expect(await removeWorktree({ repoDir: repo, path: c, branch: 'maestro/c', deleteBranch: true, force: false })).toEqual({
      removedWorktree: true, deletedBranch: true, refusal: null,
    });
    expect((await worktreeList(repo)).length).toBe(1);
    expect((await removeWorktree({ repoDir: repo, path: repo, branch: 'main', deleteBranch: true, force: true })).refusal).toMatch(/main worktree/);
  });
});

describe('mergeBranch', () => {
  /** A project checked out on main, an agent's worktree on maestro/a with one commit, a scratch dir. */
  async function setup(files: Record<string, string> = { 'app.txt': 'one\ntwo\nthree\n', '.gitignore': '.env\n' }) {
    const repo = newRepo(files);
    write(repo, '.env', 'TOKEN=1\n');
    const tmp = join(tempDir('scratch'), 'tmp');
    const wt = (await createWorktree({ repoDir: repo, path: join(tempDir('wt'), 'a'), branch: 'maestro/a', base: 'main' })).path;
    const req = (o: Partial<MergeRequest> = {}): MergeRequest => ({
      repoDir: repo, branch: 'maestro/a', into: 'main', strategy: 'merge', message: 'Land maestro/a', tmpDir: tmp, allowWorktreeAt: [repo], ...o,
    });
    return { repo, wt, tmp, req };
  }

  it('fast-forwards for merge when possible, updating the clean checkout of the target', async () => {
    const { repo, wt, tmp, req } = await setup();
    write(wt, 'feature.txt', 'feature\n');
    const tip = commitAll(wt, 'feature');
    write(repo, 'notes.txt', 'my untracked notes\n');
    const before = sha(repo, 'main');
    const out = await mergeBranch(req());
    expect(out).toMatchObject({ ok: true, refusal: null, previous: before, commit: tip, updatedWorktree: repo, files: ['feature.txt'] });
    expect(out.message).toMatch(/fast-forward/);
    expect(sha(repo, 'main')).toBe(tip);
    expect(readFileSync(join(repo, 'feature.txt'), 'utf8')).toBe('feature\n');
    expect(readFileSync(join(repo, 'notes.txt'), 'utf8')).toBe('my untracked notes\n');
    expect(status(repo)).toBe('?? notes.txt\n');
    assertNothingHalfDone(repo, tmp, 2);
  });

  it('makes a merge commit, a squash commit, or a linear rebase when main moved on; the source stays untouched', async () => {
    for (const strategy of ['merge', 'squash', 'rebase'] as const) {
      const { repo, wt, tmp, req } = await setup();
      write(wt, 'feature.txt', 'feature\n');
      commitAll(wt, 'feature 1');
      write(wt, 'app.txt', 'one\ntwo\nthree\nfour\n');
      const tip = commitAll(wt, 'feature 2');
      write(repo, 'main.txt', 'main\n');
      const previous = commitAll(repo, 'main moves');
      const out = await mergeBranch(req({ strategy }));
      expect(out, strategy).toMatchObject({ ok: true, previous, updatedWorktree: repo, refusal: null });
      expect(out.files.sort()).toEqual(['app.txt', 'feature.txt']);
      const head = sha(repo, 'main');
      expect(out.commit).toBe(head);
      expect(sha(repo, 'maestro/a')).toBe(tip);
      expect(g(repo, 'status', '--porcelain')).toBe('');
      expect(readFileSync(join(repo, 'app.txt'), 'utf8')).toBe('one\ntwo\nthree\nfour\n');
      const parents = g(repo, 'log', '-1', '--format=%P', head).trim().split(' ');
      const subjects = g(repo, 'log', '--format=%s|%an', `${previous}..${head}`).trim().split('\n');
      if (strategy === 'merge') {
        expect(parents).toEqual([previous, tip]);
        expect(subjects[0]).toBe('Land maestro/a|Maestro');
      } else if (strategy === 'squash') {
        expect(parents).toEqual([previous]);
        expect(subjects).toEqual(['Land maestro/a|Maestro']);
      } else {
        expect(parents).toEqual([sha(repo, `${head}~1`)]);
        expect(subjects).toEqual(['feature 2|Tester', 'feature 1|Tester']);
        expect(sha(repo, `${head}~2`)).toBe(previous);
      }
      expect(await isMerged(repo, 'maestro/a', 'main')).toBe(strategy === 'merge');
      assertNothingHalfDone(repo, tmp, 2);
    }
  });

  it('squashes into one new commit even when a fast-forward was possible; rebase fast-forwards', async () => {
    const { repo, wt, req } = await setup();
    write(wt, 'f.txt', 'f\n');
    const tip = commitAll(wt, 'f');
    const previous = sha(repo, 'main');
    const squash = await mergeBranch(req({ strategy: 'squash', dryRun: true }));
    expect(squash).toMatchObject({ ok: true, dryRun: true, commit: null });
    const out = await mergeBranch(req({ strategy: 'squash' }));
    expect(out.commit).not.toBe(tip);
    expect(g(repo, 'log', '-1', '--format=%P', 'main').trim()).toBe(previous);
    const { repo: r2, wt: w2, req: q2 } = await setup();
    write(w2, 'f.txt', 'f\n');
    const tip2 = commitAll(w2, 'f');
    expect(await mergeBranch(q2({ strategy: 'rebase' }))).toMatchObject({ ok: true, commit: tip2 });
    expect(sha(r2, 'main')).toBe(tip2);
  });

  it('refuses a conflict, naming the file, with the target, the files and git status unchanged', async () => {
    const { repo, wt, tmp, req } = await setup();
    write(wt, 'app.txt', 'one\nTWO (agent)\nthree\n');
    commitAll(wt, 'agent edit');
    write(repo, 'app.txt', 'one\nTWO (main)\nthree\n');
    const previous = commitAll(repo, 'main edit');
    write(repo, 'scratch.txt', 'untracked\n');
    const before = { status: status(repo), app: readFileSync(join(repo, 'app.txt')), wt: status(wt) };
    for (const strategy of ['merge', 'squash', 'rebase'] as const) {
      const out = await mergeBranch(req({ strategy }));
      expect(out).toMatchObject({ ok: false, refusal: 'conflict', files: ['app.txt'], previous, commit: null });
      expect(out.message).toContain('app.txt');
    }
    expect(sha(repo, 'main')).toBe(previous);
    expect(status(repo)).toBe(before.status);
    expect(status(wt)).toBe(before.wt);
    expect(readFileSync(join(repo, 'app.txt'))).toEqual(before.app);
    assertNothingHalfDone(repo, tmp, 2);
  });

  it('refuses a rebase whose replay conflicts at one commit even though the whole merge is clean', async () => {
    const { repo, wt, tmp, req } = await setup();
    write(wt, 'app.txt', 'one\nTWO\nthree\n');
    const bad = commitAll(wt, 'shout two');
    write(wt, 'app.txt', 'one\ntwo\nthree\n');
    commitAll(wt, 'calm down');
    write(wt, 'extra.txt', 'extra\n');
    commitAll(wt, 'extra');
    write(repo, 'app.txt', 'one\ntwo (main)\nthree\n');
    const previous = commitAll(repo, 'main edit');
    const out = await mergeBranch(req({ strategy: 'rebase' }));
    expect(out).toMatchObject({ ok: false, refusal: 'conflict', files: ['app.txt'], commit: null });
    expect(out.message).toContain(bad.slice(0, 12));
    expect(out.message).toContain('shout two');
    expect(sha(repo, 'main')).toBe(previous);
    assertNothingHalfDone(repo, tmp, 2);
    expect((await mergeBranch(req({ strategy: 'merge' }))).ok).toBe(true); // the same branch merges cleanly
  });

  it('refuses a dirty target checkout, leaving the person\'s edit byte-identical', async () => {
    const { repo, wt, tmp, req } = await setup();
    write(wt, 'feature.txt', 'feature\n');
    commitAll(wt, 'feature');
    const mine = Buffer.from('one\ntwo\nthree\nmy edit \u00e9\r\n');
    writeFileSync(join(repo, 'app.txt'), mine);
    const previous = sha(repo, 'main');
    const before = status(repo);
    const out = await mergeBranch(req());
    expect(out).toMatchObject({ ok: false, refusal: 'dirty_target', files: ['app.txt'], previous });
    expect(out.message).toContain('app.txt');
    expect(readFileSync(join(repo, 'app.txt'))).toEqual(mine);
    expect(status(repo)).toBe(before);
    expect(sha(repo, 'main')).toBe(previous);
    g(repo, 'add', 'app.txt'); // staged counts too
    expect((await mergeBranch(req())).refusal).toBe('dirty_target');
    assertNothingHalfDone(repo, tmp, 2);
  });

  it('refuses a target checked out in a worktree it may not touch; moves an unchecked-out target by compare-and-swap', async () => {
    const { repo, wt, tmp, req } = await setup();
    write(wt, 'feature.txt', 'feature\n');
    const tip = commitAll(wt, 'feature');
    g(repo, 'branch', 'release', 'main');
    const rel = join(tempDir('wt'), 'release');
    g(repo, 'worktree', 'add', '-q', rel, 'release');
    const out = await mergeBranch(req({ into: 'release' }));
    expect(out).toMatchObject({ ok: false, refusal: 'checked_out_elsewhere' });
    expect(out.message).toContain(rel);
    expect((await mergeBranch(req({ allowWorktreeAt: [] }))).refusal).toBe('checked_out_elsewhere'); // main, in the repo itself
    g(repo, 'worktree', 'remove', rel);
    const moved = await mergeBranch(req({ into: 'release' }));
    expect(moved).toMatchObject({ ok: true, commit: tip, updatedWorktree: null });
    expect(sha(repo, 'release')).toBe(tip);
    expect(sha(repo, 'main')).not.toBe(tip);
    assertNothingHalfDone(repo, tmp, 2);
  });

  it('runs the tests on the candidate: a failure stops the merge, a pass lets it land', async () => {
    const { repo, wt, tmp, req } = await setup();
    write(wt, 'feature.txt', 'feature\n');
    const tip = commitAll(wt, 'feature');
    const previous = sha(repo, 'main');
    const failing = await mergeBranch(req({ testCmd: 'echo checking; grep -q nope feature.txt || { echo "FAILED: no nope" >&2; exit 3; }' }));
    expect(failing).toMatchObject({ ok: false, refusal: 'test_failed', commit: null, previous });
    expect(failing.test).toMatchObject({ exitCode: 3, timedOut: false });
    expect(failing.test!.output).toContain('FAILED: no nope');
    expect(sha(repo, 'main')).toBe(previous);
    assertNothingHalfDone(repo, tmp, 2);

    const slow = await mergeBranch(req({ testCmd: 'sleep 5', testTimeoutMs: 300 }));
    expect(slow).toMatchObject({ refusal: 'test_failed', test: { timedOut: true, exitCode: null } });
    expect(sha(repo, 'main')).toBe(previous);

    // The candidate has the branch's files and the project's .env.
    const passing = await mergeBranch(req({ testCmd: 'test -f feature.txt && grep -q TOKEN .env && echo all good' }));
    expect(passing).toMatchObject({ ok: true, commit: tip, test: { exitCode: 0, timedOut: false } });
    expect(passing.test!.output).toContain('all good');
    expect(sha(repo, 'main')).toBe(tip);
    assertNothingHalfDone(repo, tmp, 2);
  });

  it('does every check on a dry run and moves nothing', async () => {
    const { repo, wt, tmp, req } = await setup();
    write(wt, 'feature.txt', 'feature\n');
    commitAll(wt, 'feature');
    write(repo, 'main.txt', 'main\n');
    const previous = commitAll(repo, 'main moves');
    const before = status(repo);
    for (const strategy of ['merge', 'squash', 'rebase'] as const) {
      const out = await mergeBranch(req({ strategy, dryRun: true, testCmd: 'exit 1' }));
      expect(out).toMatchObject({ ok: true, dryRun: true, commit: null, previous, test: null, files: ['feature.txt'] });
      expect(out.message).toMatch(/dry run/);
    }
    expect(sha(repo, 'main')).toBe(previous);
    expect(status(repo)).toBe(before);
    expect(existsSync(join(repo, 'feature.txt'))).toBe(false);
    write(repo, 'app.txt', 'dirty\n');
    expect((await mergeBranch(req({ dryRun: true }))).refusal).toBe('dirty_target');
    assertNothingHalfDone(repo, tmp, 2);
  });

  it('says when there is nothing to merge or a branch does not exist', async () => {
    const { repo, wt, req } = await setup();
    expect(await mergeBranch(req())).toMatchObject({ ok: false, refusal: 'nothing_to_merge' });
    expect((await mergeBranch(req())).message).toMatch(/already merged/);
    expect(await mergeBranch(req({ branch: 'maestro/nobody' }))).toMatchObject({ refusal: 'not_found' });
    expect(await mergeBranch(req({ into: 'nowhere' }))).toMatchObject({ refusal: 'not_found', previous: null });
    // A change already in main by another commit: a rebase has nothing left to land.
    write(wt, 'same.txt', 'same\n');
    commitAll(wt, 'agent adds same');
    write(repo, 'same.txt', 'same\n');
    commitAll(repo, 'main adds same');
    expect(await mergeBranch(req({ strategy: 'rebase' }))).toMatchObject({ refusal: 'nothing_to_merge' });
  });

  it('refuses when untracked files in the target checkout are in the way, leaving them as they were', async () => {
    const { repo, wt, tmp, req } = await setup();
    write(wt, 'docs/guide.md', 'from the agent\n');
    commitAll(wt, 'guide');
    write(repo, 'docs/guide.md', 'my own draft\n');
    const previous = sha(repo, 'main');
    const out = await mergeBranch(req());
    expect(out).toMatchObject({ ok: false, refusal: 'untracked_in_the_way', files: ['docs/guide.md'] });
    expect(readFileSync(join(repo, 'docs/guide.md'), 'utf8')).toBe('my own draft\n');
    expect(sha(repo, 'main')).toBe(previous);
    assertNothingHalfDone(repo, tmp, 2);
  });
});
