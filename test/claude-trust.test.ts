/**
 * Extending a project's Claude Code trust to a session's worktree (src/pty/claude-trust.ts), on real
 * files in temp dirs: what is written to ~/.claude.json, and everything that must be left alone.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claudeConfigPath, extendClaudeTrust, pruneClaudeTrust, type TrustLog } from '../src/pty/claude-trust.js';

let root: string;
/** Claude's HOME (where .claude.json is), the project directory, the worktrees' parent. */
let home: string;
let project: string;
let worktrees: string;
let logged: { level: 'info' | 'warn'; obj: object; msg: string }[];
const log: TrustLog = {
  info: (obj, msg) => logged.push({ level: 'info', obj, msg }),
  warn: (obj, msg) => logged.push({ level: 'warn', obj, msg }),
};

beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'maestro-claude-trust-')));
  home = join(root, 'home');
  project = join(root, 'code', 'app');
  worktrees = join(root, 'maestro', 'worktrees', 'app');
  for (const dir of [home, project, worktrees]) mkdirSync(dir, { recursive: true });
  logged = [];
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const configFile = () => join(home, '.claude.json');
const writeConfig = (config: unknown, mode = 0o600) => {
  writeFileSync(configFile(), `${JSON.stringify(config, null, 2)}\n`, { mode });
  chmodSync(configFile(), mode);
};
const readConfig = () => JSON.parse(readFileSync(configFile(), 'utf8'));
const worktree = (name: string) => {
  const dir = join(worktrees, name);
  mkdirSync(dir, { recursive: true });
  return dir;
};
const extend = (worktreePath: string, env: Record<string, string | undefined> = { HOME: home }) =>
  extendClaudeTrust({ projectDir: project, worktreePath, env, log });
/** Nothing but the config (no lock directory, no temporary file) is left in Claude's HOME. */
const onlyTheConfig = () => expect(readdirSync(home)).toEqual(['.claude.json']);

/** A config like the one Claude Code keeps: user-level keys, the project with its history and MCP servers, another project. */
function claudeConfig(projectEntry: Record<string, unknown>) {
  return {
    numStartups: 12,
    theme: 'dark',
    hasCompletedOnboarding: true,
    userID: 'f'.repeat(64),
    mcpServers: { global: { command: 'global-server' } },
    projects: {
      [project]: {
        allowedTools: [],
        history: [{ display: 'fix the parser', pastedContents: {} }],
        mcpServers: { local: { command: 'local-server' } },
        enabledMcpjsonServers: [],
        projectOnboardingSeenCount: 3,
        lastCost: 1.25,
        ...projectEntry,
      },
      '/home/someone/other': { hasTrustDialogAccepted: true, history: [{ display: 'hello' }], allowedTools: ['Bash(ls)'] },
    },
    oauthAccount: { emailAddress: 'dev@example.com' },
  };
}

describe('extending Claude trust to a worktree', () => {
  it('copies only the trust fields of a trusted project to the worktree, marked as Maestro’s', async () => {
    const before = claudeConfig({ hasTrustDialogAccepted: true, allowedTools: ['Bash(npm test)', 'Edit'] });
    writeConfig(before);
    const wt = worktree('parser');
    const result = await extend(wt);
    expect(result).toMatchObject({ outcome: 'extended', configPath: configFile(), from: project, keys: [wt] });
    const after = readConfig();
    expect(after.projects[wt]).toEqual({ hasTrustDialogAccepted: true, allowedTools: ['Bash(npm test)', 'Edit'], maestroWorktreeOf: project });
    // everything else exactly as it was, in the same order
    const { [wt]: added, ...rest } = after.projects;
    expect(added).toBeDefined();
    expect({ ...after, projects: rest }).toEqual(before);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    expect(Object.keys(after.projects)).toEqual([...Object.keys(before.projects), wt]);
    expect(readFileSync(configFile(), 'utf8').endsWith('}\n')).toBe(true);
    expect(statSync(configFile()).mode & 0o777).toBe(0o600);
    onlyTheConfig();
    expect(logged).toEqual([expect.objectContaining({ level: 'info', msg: "extended the project's Claude trust to its worktree" })]);
  });

  it('without allowedTools in the project, the worktree gets the trust flag alone; a second launch writes nothing', async () => {
    writeConfig({ projects: { [project]: { hasTrustDialogAccepted: true, history: [] } } });
    const wt = worktree('plain');
    expect((await extend(wt)).outcome).toBe('extended');
    expect(readConfig().projects[wt]).toEqual({ hasTrustDialogAccepted: true, maestroWorktreeOf: project });
    const text = readFileSync(configFile(), 'utf8');
    const mtime = statSync(configFile()).mtimeMs;
    expect(await extend(wt)).toMatchObject({ outcome: 'already' });
    expect(readFileSync(configFile(), 'utf8')).toBe(text);
    expect(statSync(configFile()).mtimeMs).toBe(mtime);
  });

  it('an untrusted project (no entry, false, or a truthy non-true) leaves the config byte for byte, and the worktree untrusted', async () => {
    for (const entry of [undefined, { hasTrustDialogAccepted: false, allowedTools: ['Edit'] }, { hasTrustDialogAccepted: 'yes' }]) {
      const config = claudeConfig({});
      if (entry === undefined) delete (config.projects as Record<string, unknown>)[project];
      else Object.assign((config.projects as Record<string, Record<string, unknown>>)[project]!, entry);
      const text = `${JSON.stringify(config, null, 4)}`; // not the way this module would write it
      writeFileSync(configFile(), text, { mode: 0o644 });
      chmodSync(configFile(), 0o644);
      const mtime = statSync(configFile()).mtimeMs;
      expect(await extend(worktree('untrusted'))).toMatchObject({ outcome: 'untrusted' });
      expect(readFileSync(configFile(), 'utf8')).toBe(text);
      expect(statSync(configFile()).mtimeMs).toBe(mtime);
      expect(statSync(configFile()).mode & 0o777).toBe(0o644);
      onlyTheConfig();
    }
  });

  it('a missing config is not created', async () => {
    expect(await extend(worktree('none'))).toMatchObject({ outcome: 'no_config', configPath: configFile() });
    expect(readdirSync(home)).toEqual([]);
  });

  it('a config that does not parse (or is not an object) is left alone, with a warning, and nothing throws', async () => {
    for (const text of [`{"projects": {"${project}": {"hasTrustDialogAccepted": true}}`, '[1, 2]', '{"projects": []}', '']) {
      writeFileSync(configFile(), text);
      logged = [];
      expect(await extend(worktree('broken'))).toMatchObject({ outcome: 'unreadable' });
      expect(readFileSync(configFile(), 'utf8')).toBe(text);
      expect(logged).toEqual([expect.objectContaining({ level: 'warn' })]);
      onlyTheConfig();
    }
  });

  it('trust recorded for the git root of the project directory counts too', async () => {
    // the project is a subdirectory of a repository whose root the person trusted
    const repo = join(root, 'code', 'mono');
    mkdirSync(join(repo, '.git'), { recursive: true });
    const sub = join(repo, 'packages', 'web');
    mkdirSync(sub, { recursive: true });
    writeConfig({ projects: { [repo]: { hasTrustDialogAccepted: true, allowedTools: ['Read'] } } });
    const wt = worktree('web');
    const result = await extendClaudeTrust({ projectDir: sub, worktreePath: wt, env: { HOME: home }, log });
    expect(result).toMatchObject({ outcome: 'extended', from: repo });
    expect(readConfig().projects[wt]).toEqual({ hasTrustDialogAccepted: true, allowedTools: ['Read'], maestroWorktreeOf: sub });
  });

  it('keys the worktree by its path as given and as resolved when they differ (Claude keys by its real cwd)', async () => {
    writeConfig({ projects: { [project]: { hasTrustDialogAccepted: true } } });
    const real = worktree('linked');
    const link = join(root, 'via-link');
    symlinkSync(worktrees, link);
    const given = join(link, 'linked');
    expect(await extend(given)).toMatchObject({ outcome: 'extended', keys: [given, real] });
    const projects = readConfig().projects;
    expect(projects[given]).toEqual({ hasTrustDialogAccepted: true, maestroWorktreeOf: project });
    expect(projects[real]).toEqual({ hasTrustDialogAccepted: true, maestroWorktreeOf: project });
  });

  it('an existing untrusted entry of the worktree keeps its own fields and gains the trust', async () => {
    const wt = worktree('seen');
    writeConfig({ projects: { [project]: { hasTrustDialogAccepted: true }, [wt]: { hasTrustDialogAccepted: false, lastCost: 2 } } });
    expect((await extend(wt)).outcome).toBe('extended');
    expect(readConfig().projects[wt]).toEqual({ hasTrustDialogAccepted: true, lastCost: 2, maestroWorktreeOf: project });
  });

  it('honours CLAUDE_CONFIG_DIR over HOME', async () => {
    const configDir = join(root, 'claude-config');
    mkdirSync(configDir);
    const inConfigDir = join(configDir, '.claude.json');
    writeFileSync(inConfigDir, JSON.stringify({ projects: { [project]: { hasTrustDialogAccepted: true } } }));
    writeConfig({ projects: { [project]: { hasTrustDialogAccepted: true } } });
    const homeText = readFileSync(configFile(), 'utf8');
    const env = { HOME: home, CLAUDE_CONFIG_DIR: configDir };
    expect(claudeConfigPath(env)).toBe(inConfigDir);
    expect(claudeConfigPath({ HOME: home, CLAUDE_CONFIG_DIR: '  ' })).toBe(configFile());
    const wt = worktree('cfgdir');
    expect(await extend(wt, env)).toMatchObject({ outcome: 'extended', configPath: inConfigDir });
    expect(JSON.parse(readFileSync(inConfigDir, 'utf8')).projects[wt]).toEqual({ hasTrustDialogAccepted: true, maestroWorktreeOf: project });
    expect(readFileSync(configFile(), 'utf8')).toBe(homeText);
    // the file did not end in a newline: neither does the new one
    expect(readFileSync(inConfigDir, 'utf8').endsWith('}')).toBe(true);
  });

  it('concurrent launches in many worktrees all land, and nothing else is lost', async () => {
    const before = claudeConfig({ hasTrustDialogAccepted: true, allowedTools: ['Edit'] });
    writeConfig(before);
    const names = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight'];
    const paths = names.map(worktree);
    const results = await Promise.all(paths.map((p) => extend(p)));
    expect(results.map((r) => r.outcome)).toEqual(names.map(() => 'extended'));
    const after = readConfig();
    for (const p of paths) expect(after.projects[p]).toEqual({ hasTrustDialogAccepted: true, allowedTools: ['Edit'], maestroWorktreeOf: project });
    for (const [key, entry] of Object.entries(before.projects)) expect(after.projects[key]).toEqual(entry);
    expect(Object.keys(after.projects)).toHaveLength(Object.keys(before.projects).length + names.length);
    onlyTheConfig();
  });

  it("waits for Claude's config lock while it is held, then writes", async () => {
    writeConfig({ projects: { [project]: { hasTrustDialogAccepted: true } } });
    const lockDir = `${configFile()}.lock`;
    mkdirSync(lockDir); // as Claude's proper-lockfile holds it while it writes
    const wt = worktree('locked');
    const pending = extend(wt);
    await new Promise((r) => setTimeout(r, 300));
    expect(readConfig().projects[wt]).toBeUndefined(); // not while the lock is held
    // Claude writes meanwhile (another key), then releases its lock
    writeConfig({ ...readConfig(), numStartups: 13 });
    rmSync(lockDir, { recursive: true });
    expect((await pending).outcome).toBe('extended');
    const after = readConfig();
    expect(after.numStartups).toBe(13);
    expect(after.projects[wt]).toEqual({ hasTrustDialogAccepted: true, maestroWorktreeOf: project });
    onlyTheConfig();
  });

  it('takes over a lock left stale by a dead process', async () => {
    writeConfig({ projects: { [project]: { hasTrustDialogAccepted: true } } });
    const lockDir = `${configFile()}.lock`;
    mkdirSync(lockDir);
    const old = new Date(Date.now() - 120_000);
    utimesSync(lockDir, old, old);
    expect((await extend(worktree('stale'))).outcome).toBe('extended');
    onlyTheConfig();
  });

  it('keeps a symlinked config a symlink (the file it points at is written)', async () => {
    const dotfiles = join(root, 'dotfiles');
    mkdirSync(dotfiles);
    const target = join(dotfiles, 'claude.json');
    writeFileSync(target, JSON.stringify({ projects: { [project]: { hasTrustDialogAccepted: true } } }), { mode: 0o640 });
    chmodSync(target, 0o640);
    symlinkSync(target, configFile());
    const wt = worktree('dot');
    expect((await extend(wt)).outcome).toBe('extended');
    expect(lstatSync(configFile()).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(target, 'utf8')).projects[wt]).toMatchObject({ hasTrustDialogAccepted: true });
    expect(statSync(target).mode & 0o777).toBe(0o640);
    expect(readdirSync(dotfiles)).toEqual(['claude.json']);
  });

  it('a config it cannot read is a warning, not an error', async () => {
    mkdirSync(configFile()); // a directory where the file should be
    expect(await extend(worktree('dir'))).toMatchObject({ outcome: 'failed' });
    expect(logged).toEqual([expect.objectContaining({ level: 'warn' })]);
    expect(readdirSync(home)).toEqual(['.claude.json']);
  });

  it.skipIf(process.getuid?.() === 0)('a config it cannot write is a warning, not an error [skipped as root, who writes anywhere]', async () => {
    writeConfig({ projects: { [project]: { hasTrustDialogAccepted: true } } });
    const text = readFileSync(configFile(), 'utf8');
    chmodSync(home, 0o500); // no lock directory, no temporary file can be made there
    try {
      expect(await extend(worktree('readonly'))).toMatchObject({ outcome: 'failed' });
    } finally {
      chmodSync(home, 0o700);
    }
    expect(readFileSync(configFile(), 'utf8')).toBe(text);
    expect(logged).toEqual([expect.objectContaining({ level: 'warn' })]);
    expect(existsSync(`${configFile()}.lock`)).toBe(false);
  });
});

describe('pruneClaudeTrust', () => {
  it('removes the entries Maestro made for worktrees that are gone, and nothing else', async () => {
    writeConfig(claudeConfig({ hasTrustDialogAccepted: true }));
    const [gone, kept] = [worktree('gone'), worktree('kept')];
    expect((await extend(gone)).outcome).toBe('extended');
    expect((await extend(kept)).outcome).toBe('extended');
    rmSync(gone, { recursive: true, force: true });
    // An entry of the person's for a directory that is gone too: not Maestro's, so it stays.
    const config = readConfig();
    config.projects['/nowhere/of/theirs'] = { hasTrustDialogAccepted: true };
    writeConfig(config);

    expect(await pruneClaudeTrust({ env: { HOME: home }, log })).toEqual([gone]);
    const after = readConfig();
    expect(Object.keys(after.projects).sort()).toEqual([project, '/home/someone/other', '/nowhere/of/theirs', kept].sort());
    expect(after.projects[project].history).toEqual([{ display: 'fix the parser', pastedContents: {} }]);
    expect(after.numStartups).toBe(12);
    onlyTheConfig();
    // Nothing left to prune: the file is not rewritten.
    const before = readFileSync(configFile(), 'utf8');
    expect(await pruneClaudeTrust({ env: { HOME: home }, log })).toEqual([]);
    expect(readFileSync(configFile(), 'utf8')).toBe(before);
  });

  it('leaves a missing or unparsable config alone', async () => {
    expect(await pruneClaudeTrust({ env: { HOME: home }, log })).toEqual([]);
    expect(existsSync(configFile())).toBe(false);
    writeFileSync(configFile(), '{ not json');
    expect(await pruneClaudeTrust({ env: { HOME: home }, log })).toEqual([]);
    expect(readFileSync(configFile(), 'utf8')).toBe('{ not json');
  });
});
