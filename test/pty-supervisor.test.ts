/**
 * The supervisor with real tmux and node-pty, driving small shell "agents" (no HTTP server, no MCP):
 * launch, environment, input, recording, state detection, exit codes, stop, restart and reattach.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MaestroError } from '../src/core/errors.js';
import { readRecording, recordingOutput } from '../src/pty/asciicast.js';
import { ROOT } from './helpers.js';
import { FAST_TIMING, ptyWorld, until, type PtyWorld } from './pty-support.js';

let world: PtyWorld;

beforeEach(async () => {
  world = await ptyWorld();
});

afterEach(async () => {
  await world?.dispose();
});

const task = (title = 'say hello') => world.svc.tasks.create({ projectId: world.project.id, title });

const spawn = (agentCommand: string, env: Record<string, string> = {}) =>
  world.svc.spawn({ projectId: world.project.id, taskIds: [task().id], agentCommand, env });

const status = (id: string) => world.svc.sessions.get(id).status;
const timeline = (id: string) => world.svc.sessions.timeline(id);

describe('supervisor', () => {
  it('starts the agent in tmux with the session environment, takes input, records, and fails it on a non-zero exit', async () => {
    const agent = `printf 'hello %s %s\\n' "$MAESTRO_SESSION_ID" "$GREETING"; printf 'config=%s\\n' "$MAESTRO_MCP_CONFIG"; printf 'Continue? (y/n) '; read answer; echo "got:$answer"; exit 5`;
    const { session } = await spawn(agent, { GREETING: 'bonjour' });
    const sup = world.supervisor;
    expect(sup.isLive(session.id)).toBe(true);

    // files the agent is started with
    const mcp = JSON.parse(readFileSync(world.svc.paths.mcpConfig(session.id), 'utf8'));
    expect(mcp.mcpServers.maestro.args.at(-1)).toBe('mcp');
    expect(mcp.mcpServers.maestro.args[0]).toMatch(/bin\/maestro\.js$/);
    expect(mcp.mcpServers.maestro.env.MAESTRO_SESSION_ID).toBe(session.id);
    expect(mcp.mcpServers.maestro.env.MAESTRO_SESSION_TOKEN).toBeTruthy();
    expect(statSync(world.svc.paths.mcpConfig(session.id)).mode & 0o077).toBe(0);

    const screen = await until(async () => {
      const text = await sup.screen(session.id);
      return text.includes('(y/n)') && text;
    }, 15_000, 'the prompt');
    expect(screen).toContain(`hello ${session.id} bonjour`);
    expect(screen).toContain(`config=${world.svc.paths.mcpConfig(session.id)}`);

    // the generic detector sees the (y/n) prompt
    await until(() => status(session.id) === 'needs_input', 10_000, 'needs_input');
    expect(timeline(session.id).some((e) => e.kind === 'agent_state' && e.data?.state === 'needs_input')).toBe(true);

    const seen: string[] = [];
    const exits: Array<number | null> = [];
    sup.subscribe(session.id, (d) => seen.push(d), (code) => exits.push(code));
    sup.write(session.id, 'yes please\r');

    await until(() => status(session.id) === 'failed', 15_000, 'failed');
    const after = world.svc.sessions.get(session.id);
    expect(after.exitCode).toBe(5);
    expect(exits).toEqual([5]);
    expect(seen.join('')).toContain('got:yes please');
    expect(sup.isLive(session.id)).toBe(false);
    expect(timeline(session.id).some((e) => e.kind === 'agent_state' && e.data?.state === 'exited' && e.data?.exitCode === 5)).toBe(true);

    const rec = readRecording(world.svc.paths.recording(session.id));
    expect(rec.header).toMatchObject({ version: 2, width: 120, height: 32 });
    const output = recordingOutput(rec);
    expect(output).toContain(`hello ${session.id} bonjour`);
    expect(output).toContain('got:yes please');
  });

  it('completes a session whose agent exits 0, and streams output to subscribers', async () => {
    const { session } = await spawn(`echo started; read line; echo "line=$line"`);
    const seen: string[] = [];
    world.supervisor.subscribe(session.id, (d) => seen.push(d));
    await until(async () => (await world.supervisor.screen(session.id)).includes('started'), 10_000, 'started');
    world.supervisor.write(session.id, 'abc\r');
    await until(() => status(session.id) === 'completed', 15_000, 'completed');
    expect(world.svc.sessions.get(session.id).exitCode).toBe(0);
    expect(seen.join('')).toContain('line=abc');
  });

  it('rejects an agent command that does not exist with a clear error and marks the session failed', async () => {
    const err = await spawn('definitely-not-an-agent-xyz --flag').then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MaestroError);
    expect((err as MaestroError).code).toBe('spawn_failed');
    expect((err as MaestroError).message).toMatch(/agent command not found: 'definitely-not-an-agent-xyz'/);
    const [session] = world.svc.sessions.list();
    expect(session!.status).toBe('failed');
    expect(await world.supervisor.tmux.listSessions()).toEqual([]);
  });

  it('fails the spawn clearly when the working directory is missing or tmux is not installed', async () => {
    const gone = world.svc.projects.create({ name: 'gone', workingDir: `${world.workdir}/nope` });
    const t = world.svc.tasks.create({ projectId: gone.id, title: 'x' });
    await expect(world.svc.spawn({ projectId: gone.id, taskIds: [t.id], agentCommand: 'true' })).rejects.toThrow(
      /working directory .*\/nope does not exist/,
    );

    process.env.MAESTRO_TMUX_BIN = '/nonexistent/tmux';
    try {
      const sup = await world.restartSupervisor(); // starting without tmux is fine: the API still works
      expect(sup.tmux.bin).toBe('/nonexistent/tmux');
      await expect(spawn('true')).rejects.toThrow(/tmux is not installed/);
    } finally {
      delete process.env.MAESTRO_TMUX_BIN;
    }
  });

  it('stops an agent: the tmux session ends and the session is stopped', async () => {
    const { session } = await spawn('echo working; sleep 600');
    await until(async () => (await world.supervisor.screen(session.id)).includes('working'), 10_000, 'working');
    await world.svc.stopSession(session.id);
    expect(status(session.id)).toBe('stopped');
    expect(await world.supervisor.tmux.hasSession(session.id)).toBe(false);
    expect(world.supervisor.isLive(session.id)).toBe(false);
  });

  it('scrolls several lines at once as newlines, so a viewer keeps them in its scrollback', async () => {
    // The screen fills first; then three lines land in one write, which tmux batches into one scroll.
    const { session } = await spawn(`seq 1 60; read go; printf 'x1\\nx2\\nx3\\n'; read end`);
    const seen: string[] = [];
    world.supervisor.subscribe(session.id, (d) => seen.push(d));
    await until(async () => (await world.supervisor.screen(session.id)).includes('60'));
    world.supervisor.write(session.id, '\r');
    await until(() => seen.join('').includes('x3'));
    expect(seen.join('')).not.toMatch(/\x1b\[\d+S/);
    expect(seen.join('')).toMatch(/x1[^]*\n[^]*x2[^]*\n[^]*x3/);
  });

  /** A stand-in `claude` on PATH that draws one of the real Claude Code screens, then exits or waits. */
  function fakeClaude(screen: string, then: 'exit 1' | 'wait'): Record<string, string> {
    const bin = join(world.home, 'fake-bin');
    mkdirSync(bin, { recursive: true });
    const fixture = join(ROOT, 'test', 'fixtures', 'claude-screens', screen);
    writeFileSync(join(bin, 'claude'), `#!/bin/sh\ncat ${JSON.stringify(fixture)}\n${then === 'wait' ? 'read x' : 'exit 1'}\n`);
    chmodSync(join(bin, 'claude'), 0o755);
    return { PATH: `${bin}:${process.env.PATH}` };
  }

  it('says why Claude Code exited when its screen told: a first start with no network', async () => {
    const { session } = await spawn('claude', fakeClaude('01-fresh-home-unable-to-connect.txt', 'exit 1'));
    await until(() => status(session.id) === 'failed', 15_000);
    const failed = world.svc.sessions.get(session.id);
    expect(failed.stateReason).toBe('offline');
    const exit = timeline(session.id).find((e) => e.data?.state === 'exited')!;
    expect(exit.message).toBe('agent exited with code 1: offline: Unable to connect to Anthropic services (ENOTFOUND)');
  });

  it('calls a running agent with hooks that goes silent stalled, and a hook brings it back', async () => {
    await world.restartSupervisor({ timing: { ...FAST_TIMING, stallMs: 1500 } });
    const { session } = await spawn('sleep 60');
    const hook = (event: string, payload: Record<string, unknown>) =>
      world.supervisor.ingestHooks(session.id, [{ event, payload, firedAt: new Date().toISOString() }]);
    await hook('UserPromptSubmit', { prompt: 'go on' });
    expect(status(session.id)).toBe('running');
    await until(() => world.svc.sessions.get(session.id).stateReason === 'stalled', 10_000);
    expect(status(session.id)).toBe('idle');
    expect(timeline(session.id).at(-1)!.message).toMatch(/^detected idle \(stalled\): no hook and no output for [\d.]+ min while running$/);
    await hook('PreToolUse', { tool_name: 'Bash', tool_input: { command: 'make' } });
    expect(world.svc.sessions.get(session.id)).toMatchObject({ status: 'running', stateReason: null });
  });

  it("reads Claude Code's login menu as needing a person, with the reason", async () => {
    const { session } = await spawn('claude', fakeClaude('06-login-method.txt', 'wait'));
    await until(() => world.svc.sessions.get(session.id).stateReason === 'login_required', 15_000);
    expect(status(session.id)).toBe('needs_input');
  });

  it('resizes the terminal and records the resize', async () => {
    const { session } = await spawn('echo up; sleep 600');
    await until(async () => (await world.supervisor.screen(session.id)).includes('up'), 10_000, 'up');
    expect(world.supervisor.resize(session.id, 100, 40)).toEqual({ cols: 100, rows: 40 });
    await until(async () => (await world.supervisor.tmux.paneInfo(session.id))?.cols === 100, 5000, 'pane resized');
    await world.svc.stopSession(session.id);
    const rec = readRecording(world.svc.paths.recording(session.id));
    expect(rec.events.some(([, code, data]) => code === 'r' && data === '100x40')).toBe(true);
  });

  it('survives a supervisor restart: reattaches, keeps recording in the same file, and the agent finishes', async () => {
    const { session } = await spawn(`echo before-restart; read line; echo "after-restart:$line"; exit 0`);
    await until(async () => (await world.supervisor.screen(session.id)).includes('before-restart'), 10_000, 'first output');
    await world.supervisor.close();
    expect(await world.supervisor.tmux.hasSession(session.id)).toBe(true); // detached, not killed

    const next = await world.restartSupervisor();
    expect(next.isLive(session.id)).toBe(true);
    expect(timeline(session.id).some((e) => e.kind === 'agent_state' && e.data?.state === 'reattached')).toBe(true);
    next.write(session.id, 'still here\r');
    await until(() => status(session.id) === 'completed', 15_000, 'completed');

    const rec = readRecording(world.svc.paths.recording(session.id));
    const output = recordingOutput(rec);
    expect(output).toContain('before-restart');
    expect(output).toContain('after-restart:still here');
    expect(rec.events.some(([, code, data]) => code === 'm' && data === 'reattached')).toBe(true);
    const times = rec.events.map(([t]) => t);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('settles sessions whose agent ended while the supervisor was down', async () => {
    const { session: crashed } = await spawn(`echo ready; read line; exit 7`);
    const { session: killed } = await spawn(`echo ready; sleep 600`);
    await until(async () => (await world.supervisor.screen(crashed.id)).includes('ready'), 10_000, 'ready');
    await until(async () => (await world.supervisor.screen(killed.id)).includes('ready'), 10_000, 'ready');
    await world.supervisor.close();
    // while no supervisor watches: one agent exits 7, the other's terminal is killed outright
    await world.supervisor.tmux.run(['send-keys', '-t', `=${crashed.id}:`, 'x', 'Enter']);
    await until(async () => !(await world.supervisor.tmux.hasSession(crashed.id)), 10_000, 'crash');
    await world.supervisor.tmux.killSession(killed.id);

    const next = await world.restartSupervisor();
    expect(next.isLive(crashed.id)).toBe(false);
    expect(world.svc.sessions.get(crashed.id)).toMatchObject({ status: 'failed', exitCode: 7 });
    expect(world.svc.sessions.get(killed.id)).toMatchObject({ status: 'stopped', exitCode: null });
  });

  it('detects an agent resting at a prompt, and after a long silence, as idle', async () => {
    const { session: prompt } = await spawn(`echo finished; printf '$ '; sleep 600`);
    const { session: silent } = await spawn('sleep 600');
    await until(() => status(prompt.id) === 'idle', 10_000, 'idle at a prompt');
    expect(timeline(prompt.id).some((e) => e.kind === 'agent_state' && e.data?.pattern === 'shell-prompt')).toBe(true);
    await until(() => status(silent.id) === 'idle', 10_000, 'idle after silence');
    expect(timeline(silent.id).some((e) => e.kind === 'agent_state' && /no output for/.test(String(e.data?.reason)))).toBe(true);
  });

  it('does not overwrite a blocked report with an idle detection', async () => {
    const { session } = await spawn(`echo working; read answer; echo "resumed:$answer"; sleep 600`);
    await until(async () => (await world.supervisor.screen(session.id)).includes('working'), 10_000, 'working');
    world.svc.report(session.id, 'blocked', 'waiting for the API keys');
    expect(status(session.id)).toBe('blocked');
    // the agent now sits silent: the detector sees idle, and leaves the report standing
    await until(
      () => timeline(session.id).some((e) => e.kind === 'agent_state' && e.data?.state === 'idle' && e.data?.statusChanged === false),
      10_000,
      'an idle observation',
    );
    expect(status(session.id)).toBe('blocked');
    // someone answers in the terminal and the agent works again: that ends the wait
    world.supervisor.write(session.id, 'here they are\r');
    await until(() => status(session.id) === 'running', 10_000, 'running again');
  });

  it('refuses terminal access to sessions without a live agent', async () => {
    const { session } = await spawn('exit 0');
    await until(() => status(session.id) === 'completed', 10_000, 'completed');
    expect(() => world.supervisor.write(session.id, 'x')).toThrow(/no live terminal/);
    expect(() => world.supervisor.write('ses_unknown', 'x')).toThrow(/does not exist/);
    expect(existsSync(world.svc.paths.recording(session.id))).toBe(true);
  });
});
