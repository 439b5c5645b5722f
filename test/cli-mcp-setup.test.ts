/**
 * Setting Maestro up in an MCP client, through the built binary: `maestro mcp config` (the entry to
 * paste), `maestro mcp install --claude` (merged into .mcp.json, or through Claude Code's own CLI), and
 * `maestro mcp` starting the home's server in the background when none runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, runCli, tempHome, waitFor } from './helpers.js';
import { CLEAN_ENV, closedPort } from './cli-support.js';
import { callTool, ok, runMcpRaw } from './mcp-support.js';

/** Temp dirs to delete, and homes whose background server (and tmux server) must be stopped first. */
const dirs: string[] = [];
const homes: string[] = [];

const fresh = (prefix: string, list = dirs) => {
  const dir = tempHome(prefix);
  list.push(dir);
  return dir;
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const lockOf = (home: string): { pid: number; url: string | null } | null => {
  try {
    return JSON.parse(readFileSync(join(home, 'server.lock'), 'utf8'));
  } catch {
    return null;
  }
};

/** Stops the server a test started on `home` (it is detached: nothing else would), and its agents' tmux server. */
async function stopServer(home: string): Promise<void> {
  const pid = lockOf(home)?.pid;
  if (pid && alive(pid)) {
    process.kill(pid, 'SIGTERM');
    try {
      await waitFor(() => !alive(pid), 15_000, `server ${pid} to stop`);
    } catch {
      process.kill(pid, 'SIGKILL');
    }
  }
  spawnSync('tmux', ['-S', join(home, 'tmux.sock'), 'kill-server'], { stdio: 'ignore' });
}

afterEach(async () => {
  for (const home of homes.splice(0)) {
    await stopServer(home);
    rmSync(home, { recursive: true, force: true });
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The built binary with a clean Maestro environment (overridable), in `cwd`. */
const maestro = (args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string } = {}) =>
  runCli(args, { ...CLEAN_ENV, ...opts.env }, undefined, opts.cwd);

async function entryFor(env: Record<string, string | undefined> = {}, cwd?: string) {
  const r = await maestro(['mcp', 'config'], { env, cwd });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).mcpServers.maestro as { command: string; args: string[]; env?: Record<string, string> };
}

describe('maestro mcp config', () => {
  it('prints the entry for this install: absolute node and bin/maestro.js, no npx, no env when MAESTRO_HOME is unset', async () => {
    const r = await maestro(['mcp', 'config'], { env: { MAESTRO_HOME: undefined } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/npx/);
    const config = JSON.parse(r.stdout);
    expect(r.stdout).toBe(`${JSON.stringify(config, null, 2)}\n`); // pretty-printed
    expect(Object.keys(config)).toEqual(['mcpServers']);
    expect(Object.keys(config.mcpServers)).toEqual(['maestro']);
    const entry = config.mcpServers.maestro;
    expect(Object.keys(entry).sort()).toEqual(['args', 'command']);
    expect(entry.command).toBe(process.execPath);
    expect(isAbsolute(entry.command)).toBe(true);
    expect(entry.args).toHaveLength(2);
    expect(isAbsolute(entry.args[0])).toBe(true);
    expect(entry.args[0]).toMatch(/[/\\]bin[/\\]maestro\.js$/);
    expect(statSync(entry.args[0]).isFile()).toBe(true);
    expect(realpathSync(entry.args[0])).toBe(realpathSync(BIN));
    expect(entry.args[1]).toBe('mcp');
    // --json (also before the command) prints the same document
    for (const args of [['mcp', 'config', '--json'], ['--json', 'mcp', 'config']])
      expect((await maestro(args, { env: { MAESTRO_HOME: undefined } })).stdout).toBe(r.stdout);
  });

  it('includes MAESTRO_HOME, made absolute, when it is set', async () => {
    const cwd = fresh('maestro-mcp-config-');
    const set = await entryFor({ MAESTRO_HOME: '/srv/maestro-home' });
    expect(set.env).toEqual({ MAESTRO_HOME: '/srv/maestro-home' });
    const relative = await entryFor({ MAESTRO_HOME: 'my-home' }, cwd);
    expect(relative.env).toEqual({ MAESTRO_HOME: join(realpathSync(cwd), 'my-home') });
    // the help says where the entry goes
    const help = await maestro(['mcp', 'config', '--help']);
    expect(help.stdout).toMatch(/\.mcp\.json/);
    expect(help.stdout).toMatch(/Claude Desktop/);
    expect(help.stdout).toMatch(/any MCP client/);
  });
});

describe('maestro mcp install --claude (project scope: <dir>/.mcp.json)', () => {
  const read = (file: string) => readFileSync(file, 'utf8');

  it('creates .mcp.json in the current directory, then leaves it alone on a second run', async () => {
    const dir = fresh('maestro-mcp-install-');
    const home = fresh('maestro-mcp-install-home-');
    const env = { MAESTRO_HOME: home };
    const entry = await entryFor(env);
    const file = join(dir, '.mcp.json');

    const first = await maestro(['mcp', 'install', '--claude'], { env, cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`installed maestro in ${join(realpathSync(dir), '.mcp.json')}`);
    const text = read(file);
    expect(JSON.parse(text)).toEqual({ mcpServers: { maestro: entry } });
    expect(text).toBe(`${JSON.stringify({ mcpServers: { maestro: entry } }, null, 2)}\n`);

    const before = statSync(file);
    const second = await maestro(['mcp', 'install', '--claude', '--dir', dir], { env });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/already installed/);
    expect(read(file)).toBe(text);
    expect(statSync(file).ino).toBe(before.ino); // not even rewritten with the same bytes
    expect(statSync(file).mtimeMs).toBe(before.mtimeMs);

    const json = await maestro(['mcp', 'install', '--claude', '--dir', dir, '--json'], { env });
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ file, changed: false, entry });
    expect(readdirSync(dir)).toEqual(['.mcp.json']);
  });

  it('keeps every other server and top-level key, in place', async () => {
    const dir = fresh('maestro-mcp-install-');
    const file = join(dir, '.mcp.json');
    const original = {
      $comment: 'team servers',
      mcpServers: {
        sentry: { command: 'npx', args: ['-y', '@sentry/mcp-server'], env: { SENTRY_TOKEN: '${SENTRY_TOKEN}' } },
        remote: { type: 'http', url: 'https://example.invalid/mcp' },
      },
      extra: { nested: [1, 2, { deep: true }] },
    };
    writeFileSync(file, JSON.stringify(original));
    const r = await maestro(['mcp', 'install', '--claude', '--dir', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ file, changed: true });
    const after = JSON.parse(read(file));
    expect(Object.keys(after)).toEqual(['$comment', 'mcpServers', 'extra']);
    expect(Object.keys(after.mcpServers)).toEqual(['sentry', 'remote', 'maestro']);
    expect(after).toEqual({ ...original, mcpServers: { ...original.mcpServers, maestro: out.entry } });
    expect(read(file).endsWith('}\n')).toBe(true);
  });

  it('replaces an outdated maestro entry (another path, another home) and says so', async () => {
    const dir = fresh('maestro-mcp-install-');
    const file = join(dir, '.mcp.json');
    const old = { command: '/opt/old/node', args: ['/opt/old/maestro/bin/maestro.js', 'mcp'] };
    writeFileSync(file, `${JSON.stringify({ mcpServers: { maestro: old, other: { command: 'other-server' } } }, null, 2)}\n`);
    const env = { MAESTRO_HOME: undefined };
    const r = await maestro(['mcp', 'install', '--claude', '--dir', dir], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/replaced an outdated maestro entry/);
    expect(r.stdout).toContain('/opt/old/maestro/bin/maestro.js');
    const entry = await entryFor(env);
    const after = JSON.parse(read(file));
    expect(Object.keys(after.mcpServers)).toEqual(['maestro', 'other']);
    expect(after.mcpServers).toEqual({ maestro: entry, other: { command: 'other-server' } });

    // the same install for another home is another entry
    const home = fresh('maestro-mcp-install-home-');
    const moved = await maestro(['mcp', 'install', '--claude', '--dir', dir, '--json'], { env: { MAESTRO_HOME: home } });
    expect(moved.code, moved.stderr).toBe(0);
    expect(JSON.parse(moved.stdout)).toEqual({ file, changed: true, entry: { ...entry, env: { MAESTRO_HOME: home } } });
    expect(JSON.parse(read(file)).mcpServers.maestro.env).toEqual({ MAESTRO_HOME: home });
  });

  it('refuses a malformed .mcp.json, naming it, and leaves it byte for byte', async () => {
    const dir = fresh('maestro-mcp-install-');
    const file = join(dir, '.mcp.json');
    for (const bad of ['{"mcpServers": {"other": {"command": "x"},}', '[1, 2]', '{"mcpServers": ["x"]}', '', '// comment\n{}']) {
      writeFileSync(file, bad);
      const r = await maestro(['mcp', 'install', '--claude', '--dir', dir]);
      expect(r.code, `${JSON.stringify(bad)}: ${r.stderr}`).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(file);
      expect(r.stderr).toMatch(/left untouched/);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(read(file)).toBe(bad);
      expect(readdirSync(dir)).toEqual(['.mcp.json']); // no temporary file left behind
    }
    const json = await maestro(['mcp', 'install', '--claude', '--dir', dir, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).error.message).toContain(file);
  });

  it('needs --claude (exit 2, and writes nothing)', async () => {
    const dir = fresh('maestro-mcp-install-');
    const r = await maestro(['mcp', 'install', '--dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/add --claude/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('rejects a bad --scope or --dir', async () => {
    const dir = fresh('maestro-mcp-install-');
    const scope = await maestro(['mcp', 'install', '--claude', '--scope', 'bogus', '--dir', dir]);
    expect(scope.code).toBe(2);
    expect(scope.stderr).toMatch(/--scope/);
    expect(scope.stderr).toMatch(/bogus/);
    expect(scope.stderr).toMatch(/project, user, local/);
    const missing = await maestro(['mcp', 'install', '--claude', '--dir', join(dir, 'nonexistent')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(join(dir, 'nonexistent'));
    expect(missing.stderr).toMatch(/no such directory/);
    writeFileSync(join(dir, 'a-file'), '');
    const notDir = await maestro(['mcp', 'install', '--claude', '--dir', join(dir, 'a-file')]);
    expect(notDir.code).toBe(2);
    expect(readdirSync(dir)).toEqual(['a-file']);
  });
});

/** A real Claude Code CLI, when this machine has one (CI may not). */
const claudeBin = (() => {
  const r = spawnSync('which', ['claude'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
})();

describe('maestro mcp install --claude --scope user|local (through the claude CLI)', () => {
  it('says clearly that `claude` is missing from PATH, and suggests the project scope (exit 1)', async () => {
    const dir = fresh('maestro-mcp-install-');
    const emptyPath = fresh('maestro-mcp-empty-path-');
    for (const scope of ['user', 'local']) {
      const r = await maestro(['mcp', 'install', '--claude', '--scope', scope, '--dir', dir], { env: { PATH: emptyPath } });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/`claude` command is not on PATH/);
      expect(r.stderr).toMatch(/leave out --scope/);
      expect(r.stderr).toMatch(/\.mcp\.json/);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it.skipIf(!claudeBin)('installs in the local scope with `claude mcp add-json`, idempotently; `claude mcp get` shows it', { timeout: 120_000 }, async () => {
    const dir = fresh('maestro-mcp-claude-project-');
    const userHome = fresh('maestro-mcp-claude-home-');
    const home = fresh('maestro-mcp-claude-maestro-', homes); // `claude mcp get` health-checks: it runs `maestro mcp`
    const env = { HOME: userHome, MAESTRO_HOME: home, CLAUDE_CONFIG_DIR: undefined, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' };
    const entry = await entryFor(env);

    const first = await maestro(['mcp', 'install', '--claude', '--scope', 'local', '--dir', dir], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/installed maestro in Claude Code's local config/);
    const stored = JSON.parse(readFileSync(join(userHome, '.claude.json'), 'utf8'));
    expect(stored.projects[realpathSync(dir)].mcpServers.maestro).toEqual(entry);
    expect(existsSync(join(dir, '.mcp.json'))).toBe(false);

    const again = await maestro(['mcp', 'install', '--claude', '--scope', 'local', '--dir', dir, '--json'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ scope: 'local', changed: false, entry });

    // an entry for another home is outdated: replaced, still through claude
    const otherHome = fresh('maestro-mcp-claude-other-', homes);
    const moved = await maestro(['mcp', 'install', '--claude', '--scope', 'local', '--dir', dir], { env: { ...env, MAESTRO_HOME: otherHome } });
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toMatch(/replaced an outdated maestro entry/);
    expect(moved.stdout).toContain(`MAESTRO_HOME=${home}`);
    const back = await maestro(['mcp', 'install', '--claude', '--scope', 'local', '--dir', dir], { env });
    expect(back.code, back.stderr).toBe(0);

    const get = spawnSync(claudeBin!, ['mcp', 'get', 'maestro'], {
      cwd: dir,
      env: { ...process.env, ...CLEAN_ENV, ...env, MAESTRO_HOME: undefined } as NodeJS.ProcessEnv, // the entry sets it
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(get.status, get.stderr).toBe(0);
    expect(get.stdout).toMatch(/^maestro:/m);
    expect(get.stdout).toMatch(/Local config/);
    // Claude Code's health check launched the entry: `maestro mcp` started the home's server and answered.
    expect(get.stdout).toMatch(/Connected/);
    expect(lockOf(home)?.pid).toBeGreaterThan(0);
  });
});


const INITIALIZE = [
  { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } },
  { jsonrpc: '2.0', method: 'notifications/initialized' },
];

/** What an MCP client launches: the printed entry, in an environment with nothing of Maestro's but the entry's own. */
async function connect(home: string): Promise<{ client: Client; stderr: () => string; pid: () => number | null }> {
  const entry = await entryFor({ MAESTRO_HOME: home });
  expect(entry.env).toEqual({ MAESTRO_HOME: home });
  const transport = new StdioClientTransport({
    command: entry.command,
    args: entry.args,
    env: { ...getDefaultEnvironment(), ...entry.env, MAESTRO_LOG_LEVEL: 'warn' },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr!.on('data', (d) => (stderr += d));
  const client = new Client({ name: 'maestro-setup-test', version: '0.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr, pid: () => transport.pid };
}

const projectNames = async (client: Client) => ((await ok(client, 'project_list')) as Array<{ name: string }>).map((p) => p.name);

describe('maestro mcp starts the server when none runs', { timeout: 90_000 }, () => {
  it('starts the home server in the background, says so on stderr, and a second maestro mcp reuses it', async () => {
    const home = fresh('maestro-mcp-auto-', homes);
    expect(lockOf(home)).toBeNull();

    const first = await connect(home);
    let serverPid: number;
    try {
      const tools = (await first.client.listTools()).tools.map((t) => t.name);
      expect(tools).toEqual(expect.arrayContaining(['project_create', 'project_list', 'task_create']));
      const created = await callTool(first.client, 'project_create', { name: 'auto-started', workingDir: home });
      expect(created.isError, created.text).toBe(false);
      expect(await projectNames(first.client)).toEqual(['auto-started']);

      const logFile = join(home, 'logs', 'server.log');
      const said = /maestro mcp: started the Maestro server at (http:\/\/127\.0\.0\.1:\d+) \(pid (\d+)\).*log: (\S+)$/m.exec(first.stderr());
      expect(said, first.stderr()).not.toBeNull();
      expect(said![3]).toBe(logFile);
      expect(first.stderr().match(/started the Maestro server/g)).toHaveLength(1);
      expect(readFileSync(logFile, 'utf8')).toContain(`Maestro is running at ${said![1]}`);
      const lock = lockOf(home)!;
      expect(lock.url).toBe(said![1]);
      serverPid = lock.pid;
      expect(String(serverPid)).toBe(said![2]);
      expect(serverPid).not.toBe(first.pid());
      expect(alive(serverPid)).toBe(true);
    } finally {
      await first.client.close();
    }
    // The server outlives the `maestro mcp` that started it.
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(serverPid)).toBe(true);

    // A second `maestro mcp`: same server, nothing started, nothing but JSON-RPC on stdout.
    const second = await runMcpRaw({ ...getDefaultEnvironment(), MAESTRO_HOME: home, MAESTRO_LOG_LEVEL: 'trace' }, [
      ...INITIALIZE,
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'project_list', arguments: {} } },
    ]);
    expect(second.code, second.stderr).toBe(0);
    const lines = second.stdout.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(2);
    // Answers come as they are ready, so by id: a tool call can be answered before the initialize sent with it.
    const replies = lines.map((l) => JSON.parse(l)).sort((a, b) => a.id - b.id);
    for (const m of replies) expect(m.jsonrpc).toBe('2.0');
    expect(JSON.parse(replies[1].result.content[0].text).map((p: { name: string }) => p.name)).toEqual(['auto-started']);
    expect(second.stderr).not.toMatch(/started the Maestro server/);
    expect(lockOf(home)!.pid).toBe(serverPid);
  });

  it('starts one server when two maestro mcp start at once', async () => {
    const home = fresh('maestro-mcp-race-', homes);
    const [a, b] = await Promise.all([connect(home), connect(home)]);
    try {
      await callTool(a.client, 'project_create', { name: 'from-a', workingDir: home });
      expect(await projectNames(b.client)).toEqual(['from-a']);
      const started = [a.stderr(), b.stderr()].filter((s) => /started the Maestro server/.test(s));
      expect(started).toHaveLength(1);
      const lock = lockOf(home)!;
      expect(started[0]).toContain(`(pid ${lock.pid})`);
      expect(readFileSync(join(home, 'logs', 'server.log'), 'utf8').match(/Maestro is running at/g)).toHaveLength(1);
    } finally {
      await Promise.all([a.client.close(), b.client.close()]);
    }
  });

  it('--no-start fails (exit 3) saying how to start the server, and starts nothing', async () => {
    const home = fresh('maestro-mcp-nostart-', homes);
    const port = await closedPort();
    const r = await runMcpRaw({ ...getDefaultEnvironment(), MAESTRO_HOME: home, MAESTRO_PORT: String(port), MAESTRO_LOG_LEVEL: 'silent' }, [], ['mcp', '--no-start']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`cannot reach the Maestro server at http://127.0.0.1:${port}`);
    expect(r.stderr).toContain('start it with `maestro serve`');
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(join(home, 'server.lock'))).toBe(false);
    expect(existsSync(join(home, 'logs'))).toBe(false);
  });

  it('never starts a server when MAESTRO_API_URL names one', async () => {
    const home = fresh('maestro-mcp-apiurl-', homes);
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await runMcpRaw({ ...getDefaultEnvironment(), MAESTRO_HOME: home, MAESTRO_API_URL: url, MAESTRO_LOG_LEVEL: 'silent' }, []);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`cannot reach the Maestro server at ${url}`);
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(join(home, 'server.lock'))).toBe(false);
    expect(existsSync(join(home, 'logs'))).toBe(false);
  });

  it('exits 3 naming the log file when the server it starts fails', async () => {
    const home = fresh('maestro-mcp-broken-', homes);
    writeFileSync(join(home, 'data'), 'a file where the server wants its data directory');
    const r = await runMcpRaw({ ...getDefaultEnvironment(), MAESTRO_HOME: home, MAESTRO_LOG_LEVEL: 'silent' }, []);
    const logFile = join(home, 'logs', 'server.log');
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^maestro mcp: no Maestro server runs on .* and starting one failed: .*exited with code \d+/);
    expect(r.stderr).toContain(logFile);
    expect(readFileSync(logFile, 'utf8')).toMatch(/data/);
    expect(lockOf(home)).toBeNull();
  });
});
