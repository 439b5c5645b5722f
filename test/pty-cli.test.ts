/** `maestro session attach|replay|stop` (src/cli/commands/session-pty.ts), run as real processes from dist/. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pty from 'node-pty';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/http/server.js';
import { BIN, runCli } from './helpers.js';
import { ptyWorld, serveWorld, until, type PtyWorld } from './pty-support.js';

let world: PtyWorld;
let server: RunningServer;

beforeEach(async () => {
  world = await ptyWorld();
  server = await serveWorld(world);
});

afterEach(async () => {
  await server?.close();
  await world?.dispose();
});

/** The real `maestro` binary: its `session` command carries attach, send, replay and stop. */
const cli = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { MAESTRO_HOME: world.home, MAESTRO_API_URL: server.url, ...env });

async function finishedSession(command: string) {
  const task = world.svc.tasks.create({ projectId: world.project.id, title: 't' });
  const { session } = await world.svc.spawn({ projectId: world.project.id, taskIds: [task.id], agentCommand: command });
  await until(() => ['completed', 'failed'].includes(world.svc.sessions.get(session.id).status) && !world.supervisor.isLive(session.id), 10_000, 'exit');
  return session;
}

describe('maestro session replay', () => {
  it('replays a recording from the server, faster', async () => {
    const s = await finishedSession('echo first-line; sleep 0.3; echo second-line');
    const r = await cli(['session', 'replay', s.id, '--speed', '50']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.indexOf('first-line')).toBeGreaterThanOrEqual(0);
    expect(r.stdout.indexOf('second-line')).toBeGreaterThan(r.stdout.indexOf('first-line'));
  });

  it('falls back to the recording on disk when the server is down, and plays any .cast file', async () => {
    const s = await finishedSession('echo from-disk');
    const down = await cli(['session', 'replay', s.id, '--max-idle', '0.01'], { MAESTRO_API_URL: 'http://127.0.0.1:9' });
    expect(down.code).toBe(0);
    expect(down.stdout).toContain('from-disk');

    const file = join(world.home, 'other.cast');
    writeFileSync(file, `${JSON.stringify({ version: 2, width: 80, height: 24, timestamp: 0 })}\n[0.1, "o", "from a file"]\n[0.2, "r", "90x30"]\n`);
    const fromFile = await cli(['session', 'replay', 'ignored', '--file', file]);
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toContain('from a file');
  });

  it('says clearly when there is nothing to replay, and rejects a bad speed', async () => {
    const missing = await cli(['session', 'replay', 'ses_missing']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/session 'ses_missing' does not exist/);
    const bad = await cli(['session', 'replay', 'x', '--speed', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--speed must be a positive number/);
  });
});

describe('maestro session stop', () => {
  it('stops a running agent through the server', async () => {
    const task = world.svc.tasks.create({ projectId: world.project.id, title: 't' });
    const { session } = await world.svc.spawn({ projectId: world.project.id, taskIds: [task.id], agentCommand: 'sleep 600' });
    const r = await cli(['session', 'stop', session.id]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`stopped ${session.id}`);
    expect(world.svc.sessions.get(session.id).status).toBe('stopped');
    expect(await world.supervisor.tmux.hasSession(session.id)).toBe(false);
  });
});

describe('maestro session send', () => {
  it("types a line into the agent's terminal, and refuses an unknown session", async () => {
    const task = world.svc.tasks.create({ projectId: world.project.id, title: 't' });
    const { session } = await world.svc.spawn({
      projectId: world.project.id,
      taskIds: [task.id],
      agentCommand: 'read answer; echo "got:$answer"; sleep 30',
    });
    await until(() => world.supervisor.isLive(session.id), 10_000, 'the agent to be attached');
    const r = await cli(['session', 'send', session.id, 'blue', 'please']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`to ${session.id}`);
    await until(async () => (await world.supervisor.screen(session.id)).includes('got:blue please'), 10_000, 'the answer on screen');
    const missing = await cli(['session', 'send', 'ses_missing', 'x']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/ses_missing/);
  });
});

describe('maestro session attach', () => {
  it('needs a terminal, and a session with a running agent', async () => {
    const noTty = await cli(['session', 'attach', 'ses_x']);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toMatch(/needs an interactive terminal/);
  });

  it("hands a terminal to the agent's tmux session; detaching leaves the agent running", async () => {
    const task = world.svc.tasks.create({ projectId: world.project.id, title: 't' });
    const { session } = await world.svc.spawn({
      projectId: world.project.id,
      taskIds: [task.id],
      agentCommand: 'echo attached-agent; while read l; do echo "typed:$l"; done',
    });
    const term = pty.spawn(process.execPath, [BIN, 'session', 'attach', session.id], {
      name: 'xterm-256color',
      cols: 100,
      rows: 30,
      cwd: world.home,
      env: { ...process.env, MAESTRO_HOME: world.home, MAESTRO_API_URL: server.url, TMUX: '' } as Record<string, string>,
    });
    let out = '';
    term.onData((d) => (out += d));
    const exited = new Promise<number>((resolve) => term.onExit((e) => resolve(e.exitCode)));
    try {
      await until(() => out.includes('attached-agent'), 10_000, 'the agent screen').catch((e) => {
        throw new Error(`${e.message}; terminal showed: ${JSON.stringify(out)}`);
      });
      term.write('from-the-user\r');
      await until(() => out.includes('typed:from-the-user'), 10_000, 'typed input');
      term.write('\u0002d'); // Ctrl-b d: detach
      expect(await exited).toBe(0);
    } finally {
      term.kill();
    }
    expect(world.supervisor.isLive(session.id)).toBe(true);
    expect(await world.supervisor.screen(session.id)).toContain('typed:from-the-user');
  });
});
