/** How an agent is started: command resolution, prompt, MCP config, the wrapper script, shell helpers. */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Manifest } from '../src/core/types.js';
import { maestroBin } from '../src/install.js';
import {
  buildPrompt,
  launchFilePaths,
  mcpConfig,
  readExitCode,
  resolveAgentCommand,
  wrapperScript,
} from '../src/pty/launch-files.js';
import { commandExists, programOf, shellQuote, splitWords } from '../src/pty/shell.js';
import { ROOT } from './helpers.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'maestro-launch-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('resolveAgentCommand', () => {
  it('prefers the session (spawn or template) command, then the supervisor default, then MAESTRO_AGENT_CMD, then claude', () => {
    const none = { processEnv: {} };
    expect(resolveAgentCommand({ sessionCommand: 'aider', supervisorCommand: 'x', env: { MAESTRO_AGENT_CMD: 'y' }, ...none })).toMatchObject({
      commandLine: 'aider',
      source: 'session',
    });
    expect(resolveAgentCommand({ sessionCommand: null, supervisorCommand: 'x', env: { MAESTRO_AGENT_CMD: 'y' }, ...none })).toMatchObject({
      commandLine: 'x',
      source: 'supervisor',
    });
    expect(resolveAgentCommand({ sessionCommand: '  ', env: { MAESTRO_AGENT_CMD: 'y' }, ...none })).toMatchObject({ commandLine: 'y', source: 'env' });
    expect(resolveAgentCommand({ sessionCommand: null, processEnv: { MAESTRO_AGENT_CMD: 'z' } })).toMatchObject({ commandLine: 'z', source: 'env' });
    expect(resolveAgentCommand({ sessionCommand: null, ...none })).toMatchObject({
      commandLine: 'claude',
      source: 'default',
      kind: 'claude',
      program: 'claude',
    });
  });

  it('knows an agent CLI by its program (extra flags kept), and anything else as generic', () => {
    expect(resolveAgentCommand({ sessionCommand: '/opt/bin/claude --model opus', processEnv: {} }).kind).toBe('claude');
    expect(resolveAgentCommand({ sessionCommand: 'codex --model o3', processEnv: {} }).kind).toBe('codex');
    expect(resolveAgentCommand({ sessionCommand: '/usr/local/bin/gemini', processEnv: {} }).kind).toBe('gemini');
    expect(resolveAgentCommand({ sessionCommand: 'node agent.js', processEnv: {} })).toMatchObject({ kind: 'generic', program: 'node' });
  });

  it("a chosen agent kind starts its own program, before the server's default; a command given with it is kept", () => {
    expect(resolveAgentCommand({ sessionCommand: null, agent: 'gemini', supervisorCommand: 'x', processEnv: {} })).toMatchObject({
      commandLine: 'gemini',
      source: 'agent',
      kind: 'gemini',
    });
    expect(resolveAgentCommand({ sessionCommand: '/opt/codex-nightly', agent: 'codex', processEnv: {} })).toMatchObject({
      commandLine: '/opt/codex-nightly',
      kind: 'codex',
    });
  });
});

const manifest: Manifest = {
  manifestVersion: 1,
  generatedAt: '2025-01-01T00:00:00.000Z',
  session: { id: 'ses_1', name: 'form-worker', role: 'worker', strategy: 'simple', parentSessionId: 'ses_0' },
  project: { id: 'prj_1', name: 'web', workingDir: '/work/web' },
  tasks: [
    { id: 'tsk_1', title: 'Build the form', description: 'Email and password.', status: 'todo', priority: 'high', dependencies: [], parentId: null },
    { id: 'tsk_2', title: 'Test it', description: '', status: 'todo', priority: 'medium', dependencies: ['tsk_1'], parentId: null },
  ],
  skills: [{ name: 'testing', description: 'How we test', source: 'global', path: '/x/testing.md' }],
  server: { apiUrl: 'http://127.0.0.1:3000', mcpUrl: 'http://127.0.0.1:3000/mcp' },
  env: {},
  instructions: 'You are a Maestro worker. Do the work.',
};

describe('buildPrompt', () => {
  it('tells the agent who it is, its tasks, skills and where the manifest is', () => {
    const prompt = buildPrompt(manifest, '/home/.maestro/sessions/ses_1/manifest.json');
    expect(prompt).toContain('Maestro session ses_1 ("form-worker"): a worker with the simple strategy');
    expect(prompt).toContain('spawned by orchestrator session ses_0');
    expect(prompt).toContain('You are a Maestro worker. Do the work.');
    expect(prompt).toContain('- tsk_1 "Build the form" [todo, high priority]');
    expect(prompt).toContain('    Email and password.');
    expect(prompt).toContain('(after tsk_1)');
    expect(prompt).toContain('- testing: How we test');
    expect(prompt).toContain('/home/.maestro/sessions/ses_1/manifest.json');
  });
});

describe('mcpConfig', () => {
  it('runs `maestro mcp` with node and only the MAESTRO_* environment', () => {
    const config = mcpConfig({ MAESTRO_SESSION_ID: 'ses_1', MAESTRO_SESSION_TOKEN: 't', OTHER: 'no' });
    expect(config).toEqual({
      mcpServers: {
        maestro: { command: process.execPath, args: [join(ROOT, 'bin', 'maestro.js'), 'mcp'], env: { MAESTRO_SESSION_ID: 'ses_1', MAESTRO_SESSION_TOKEN: 't' } },
      },
    });
    expect(existsSync(maestroBin())).toBe(true);
  });
});

const AGENT_ID = '6f1c3c0e-8f3a-4d0e-9a57-1d2b3c4d5e6f';

describe('wrapperScript', () => {
  function setup(commandLine: string) {
    const dir = tempDir();
    const work = join(dir, 'work dir');
    mkdirSync(work);
    const files = launchFilePaths(join(dir, 'session'), join(dir, 'session', 'mcp.json'));
    mkdirSync(files.dir);
    writeFileSync(files.promptPath, 'Do the "work" — it\'s $HOME\nsecond line\n');
    writeFileSync(files.briefPath, 'You are "ses_1"\nreport as you go\n');
    const command = resolveAgentCommand({ sessionCommand: commandLine, processEnv: {} });
    // `true` stands in for tmux: its wait-for returns at once
    const script = wrapperScript({ sessionId: 'ses_1', cwd: work, env: { MAESTRO_SESSION_ID: 'ses_1', ODD: `it's "quoted" $x` }, command, files, tmuxArgs: ['true'], agentSessionId: AGENT_ID });
    writeFileSync(files.scriptPath, script);
    return { dir, work, files };
  }

  it('runs a custom command with the session env, MCP config and prompt paths, in the working dir, and keeps its exit code', () => {
    const { work, files } = setup(
      `printf '%s|%s|%s|%s|%s|%s|%s' "$MAESTRO_SESSION_ID" "$ODD" "$MAESTRO_MCP_CONFIG" "$MAESTRO_PROMPT_FILE" "$MAESTRO_HOOK_SETTINGS" "$MAESTRO_AGENT_SESSION_ID" "$(pwd)"; exit 4`,
    );
    const run = spawnSync('/bin/sh', [files.scriptPath], { encoding: 'utf8', env: { PATH: process.env.PATH, TMUX: 'x' } });
    expect(run.status).toBe(4);
    expect(run.stdout).toBe(`ses_1|it's "quoted" $x|${files.mcpConfigPath}|${files.promptPath}|${files.settingsPath}|${AGENT_ID}|${work}`);
    expect(readExitCode(files.exitCodePath)).toBe(4);
  });

  it('starts Claude Code with its hook settings, its session id, the brief, --mcp-config and the prompt as one argument', () => {
    const { dir, files } = setup('claude --model opus');
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'claude'), '#!/bin/sh\nfor a in "$@"; do printf "[%s]" "$a"; done\n');
    chmodSync(join(bin, 'claude'), 0o755);
    const run = spawnSync('/bin/sh', [files.scriptPath], { encoding: 'utf8', env: { PATH: `${bin}:${process.env.PATH}` } });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      `[--model][opus][--settings][${files.settingsPath}][--session-id][${AGENT_ID}][--append-system-prompt][You are "ses_1"\nreport as you go]` +
        `[--mcp-config][${files.mcpConfigPath}][--][Do the "work" — it's $HOME\nsecond line]`,
    );
    expect(readExitCode(files.exitCodePath)).toBe(0);
  });

  it("gives a commander-style CLI like Claude Code's the prompt as the prompt, not as a second --mcp-config value", () => {
    const { dir, files } = setup('claude');
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    // Claude Code declares `--mcp-config <configs...>` (variadic); this fake parses its arguments the same way.
    const commander = join(ROOT, 'node_modules', 'commander', 'index.js');
    writeFileSync(
      join(bin, 'claude'),
      `#!${process.execPath}\nconst { program } = require(${JSON.stringify(commander)});\n` +
        `program.option('--settings <file>').option('--session-id <id>').option('--append-system-prompt <text>').option('--mcp-config <configs...>').argument('[prompt]').action((prompt, o) => process.stdout.write(JSON.stringify({ prompt, configs: o.mcpConfig }))).parse();\n`,
    );
    chmodSync(join(bin, 'claude'), 0o755);
    const run = spawnSync('/bin/sh', [files.scriptPath], { encoding: 'utf8', env: { PATH: `${bin}:${process.env.PATH}` } });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ prompt: 'Do the "work" — it\'s $HOME\nsecond line', configs: [files.mcpConfigPath] });
  });

  it('reads no exit code when there is none', () => {
    expect(readExitCode(join(tempDir(), 'missing'))).toBeNull();
  });
});

describe('shell helpers', () => {
  it('quotes anything safely for sh', () => {
    for (const value of ['plain', 'with space', `it's`, '"dq" $HOME `cmd` \\ ;&|', 'multi\nline', '']) {
      const out = spawnSync('/bin/sh', ['-c', `printf %s ${shellQuote(value)}`], { encoding: 'utf8' }).stdout;
      expect(out).toBe(value);
    }
  });

  it('finds the program a command line runs', () => {
    expect(programOf('claude --x')).toBe('claude');
    expect(programOf('FOO=1 BAR="a b" exec /usr/bin/node app.js')).toBe('/usr/bin/node');
    expect(programOf(`'/path with space/agent' -v`)).toBe('/path with space/agent');
    expect(programOf('env X=1 aider; echo done')).toBe('aider');
    expect(programOf('(cd x && run)')).toBeNull();
    expect(splitWords(`a "b c" d\\ e 'f'`)).toEqual(['a', 'b c', 'd e', 'f']);
  });

  it('checks commands on PATH', () => {
    expect(commandExists('sh')).toBe(true);
    expect(commandExists('cd')).toBe(true); // builtins count
    expect(commandExists('definitely-not-a-command-xyz')).toBe(false);
    expect(commandExists('sh', { path: '/nonexistent' })).toBe(false);
  });
});
