/** The terminal routes and WebSocket on the real HTTP server, with real tmux agents. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseRecording, recordingOutput } from '../src/pty/asciicast.js';
import type { RunningServer } from '../src/http/server.js';
import { requestedSize } from '../src/pty/http.js';
import { ptyWorld, serveWorld, until, type PtyWorld } from './pty-support.js';
import { ownerAuth, requestJson } from './helpers.js';

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

const spawnShell = async (agentCommand: string) => {
  const task = world.svc.tasks.create({ projectId: world.project.id, title: 't' });
  return (await world.svc.spawn({ projectId: world.project.id, taskIds: [task.id], agentCommand })).session;
};

const http = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  requestJson(server.url + path, method, body, { ...ownerAuth(world.home), ...headers });

interface Frame {
  type: string;
  data?: string;
  code?: number | null;
  message?: string;
}

function openTerminal(sessionId: string, query = '', headers: Record<string, string> = ownerAuth(world.home)) {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/terminal/${sessionId}${query}`, { headers });
  const frames: Frame[] = [];
  let closeCode = 0;
  const closed = new Promise<void>((resolve) => ws.on('close', (code) => ((closeCode = code), resolve())));
  ws.on('message', (raw) => frames.push(JSON.parse(String(raw)) as Frame));
  const opened = new Promise<void>((resolve, reject) => {
    ws.on('open', () => resolve());
    ws.on('error', reject);
  });
  const output = () => frames.filter((f) => f.type === 'output').map((f) => f.data).join('');
  return { ws, frames, closed, opened, output, closeCode: () => closeCode, send: (msg: unknown) => ws.send(JSON.stringify(msg)) };
}

/** The first frame a terminal socket gets (the snapshot, for a live agent); the socket is closed after. */
async function firstFrame(sessionId: string, query = ''): Promise<Frame> {
  const term = openTerminal(sessionId, query);
  await term.opened;
  await until(() => term.frames.length > 0, 5000, `first frame of ${query}`);
  term.ws.close();
  await term.closed;
  return term.frames[0]!;
}

describe('terminal HTTP routes', () => {
  it('shows the screen, takes input, and serves the recording', async () => {
    const s = await spawnShell('echo hi-there; read x; echo "got:$x"; sleep 600');
    const screen = await until(async () => {
      const r = await http('GET', `/api/sessions/${s.id}/screen`);
      return r.status === 200 && r.json.text.includes('hi-there') && r.json;
    }, 10_000, 'screen');
    expect(screen).toMatchObject({ sessionId: s.id, live: true, cols: 120, rows: 32 });

    const input = await http('POST', `/api/sessions/${s.id}/input`, { data: 'abc\r' });
    expect(input.status).toBe(200);
    expect(input.json).toEqual({ sessionId: s.id, written: 4 });
    await until(async () => (await http('GET', `/api/sessions/${s.id}/screen`)).json.text.includes('got:abc'), 10_000, 'echo');

    const ansi = await http('GET', `/api/sessions/${s.id}/screen?ansi=1`);
    expect(ansi.status).toBe(200);

    const rec = await http('GET', `/api/sessions/${s.id}/recording`);
    expect(rec.status).toBe(200);
    expect(rec.type).toBe('application/x-asciicast');
    expect(recordingOutput(parseRecording(rec.text))).toContain('got:abc');
  });

  it('answers errors in the API shape', async () => {
    const missing = await http('GET', '/api/sessions/ses_nope/recording');
    expect(missing.status).toBe(404);
    expect(missing.json.error).toMatchObject({ code: 'not_found', field: 'sessionId' });

    // a session record without any agent (no launcher at spawn time)
    world.svc.launcher = null;
    const t = world.svc.tasks.create({ projectId: world.project.id, title: 'no agent' });
    const { session: bare } = await world.svc.spawn({ projectId: world.project.id, taskIds: [t.id] });
    world.svc.launcher = world.supervisor;
    const none = await http('GET', `/api/sessions/${bare.id}/recording`);
    expect(none.status).toBe(404);
    expect(none.json.error).toMatchObject({ code: 'not_found', message: `session ${bare.id} has no terminal recording`, field: 'sessionId' });
    expect((await http('GET', `/api/sessions/${bare.id}/screen`)).json.error.code).toBe('conflict');
    expect((await http('POST', `/api/sessions/${bare.id}/input`, { data: 'x' })).status).toBe(409);

    const s = await spawnShell('sleep 600');
    const bad = await http('POST', `/api/sessions/${s.id}/input`, { data: 42 });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 'invalid_input', field: 'data' });

    // a worker may not type into another session's terminal
    const token = world.svc.sessions.token(bare.id);
    const forbidden = await http('POST', `/api/sessions/${s.id}/input`, { data: 'x' }, { authorization: `Bearer ${token}` });
    expect(forbidden.status).toBe(403);
  });
});

describe('terminal WebSocket', () => {
  it("takes a session's own hooks only, checks each event, and says which field is wrong", async () => {
    const [a, b] = [await spawnShell('sleep 30'), await spawnShell('sleep 30')];
    const bearer = (id: string) => ({ authorization: `Bearer ${world.svc.sessions.token(id)}` });
    const event = { event: 'PreToolUse', payload: { tool_name: 'Bash', tool_input: { command: 'make' } }, firedAt: new Date().toISOString() };
    const own = await http('POST', `/api/sessions/${a.id}/hooks`, { events: [event] }, bearer(a.id));
    expect(own.status).toBe(200);
    expect(own.json).toMatchObject({ sessionId: a.id, accepted: 1, fromSpool: 0 });
    expect(world.svc.sessions.timeline(a.id).some((e) => e.kind === 'tool_use' && e.message === 'Bash: make')).toBe(true);
    // another session's hooks: refused, and nothing lands on its timeline
    const other = await http('POST', `/api/sessions/${b.id}/hooks`, { events: [event] }, bearer(a.id));
    expect(other.status).toBe(403);
    expect(world.svc.sessions.timeline(b.id).some((e) => e.kind === 'tool_use')).toBe(false);
    for (const [body, field] of [
      [{}, 'events'],
      [{ events: [] }, 'events'],
      [{ events: [{ ...event, event: 'rm -rf /' }] }, 'events.0.event'],
      [{ events: [event, { ...event, payload: [1] }] }, 'events.1.payload'],
      [{ events: [{ ...event, firedAt: 'yesterday' }] }, 'events.0.firedAt'],
      [{ events: Array.from({ length: 201 }, () => event) }, 'events'],
    ] as const) {
      const bad = await http('POST', `/api/sessions/${a.id}/hooks`, body);
      expect(bad.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(bad.json.error.field).toBe(field);
    }
    // a bad batch is taken whole or not at all
    expect(world.svc.sessions.timeline(a.id).filter((e) => e.kind === 'tool_use')).toHaveLength(1);
  });

  it("closes a socket opened with a session's token when that session ends, though the terminal goes on", async () => {
    const lead = (await world.svc.spawn({ projectId: world.project.id, taskIds: [], role: 'orchestrator', agentCommand: 'sleep 600' })).session;
    const task = world.svc.tasks.create({ projectId: world.project.id, title: 'child work' });
    const child = (await world.svc.spawn({ projectId: world.project.id, taskIds: [task.id], parentSessionId: lead.id, agentCommand: 'echo child-up; sleep 600' })).session;
    await until(async () => (await world.supervisor.screen(child.id)).includes('child-up'), 10_000, 'child ready');
    const watched = openTerminal(child.id, '', { authorization: `Bearer ${world.svc.sessions.token(lead.id)}` });
    await watched.opened;
    await until(() => watched.frames.some((f) => f.type === 'snapshot'), 5000, 'snapshot for the orchestrator');

    await world.svc.stopSession(lead.id);
    await watched.closed;
    expect(watched.closeCode()).toBe(1008);
    expect(world.supervisor.isLive(child.id)).toBe(true);
  });

  it('sends a snapshot, streams output, takes input and resizes, and says when the agent exits', async () => {
    const s = await spawnShell('echo ready-for-ws; while read line; do echo "echo:$line"; done; exit 6');
    await until(async () => (await world.supervisor.screen(s.id)).includes('ready-for-ws'), 10_000, 'ready');
    const term = openTerminal(s.id);
    await term.opened;
    await until(() => term.frames.length > 0, 5000, 'first frame');
    expect(term.frames[0]!.type).toBe('snapshot');
    expect(term.frames[0]!.data).toContain('ready-for-ws');

    term.send({ type: 'input', data: 'ping\r' });
    await until(() => term.output().includes('echo:ping'), 10_000, 'echoed input');

    term.send({ type: 'resize', cols: 90, rows: 30 });
    await until(async () => (await world.supervisor.tmux.paneInfo(s.id))?.cols === 90, 5000, 'resize');

    term.send({ type: 'bogus' });
    await until(() => term.frames.some((f) => f.type === 'error' && /unknown message type/.test(f.message!)), 5000, 'error frame');

    term.send({ type: 'input', data: '\u0004' }); // Ctrl-D: end of input, the agent exits 6
    await term.closed;
    expect(term.frames.at(-1)).toEqual({ type: 'exit', code: 6 });
    expect(world.svc.sessions.get(s.id)).toMatchObject({ status: 'failed', exitCode: 6 });
  });

  it('resizes to the ?cols=N&rows=N of the URL before the snapshot, and ignores nonsense', async () => {
    const s = await spawnShell('echo sized-by-url; sleep 600');
    await until(async () => (await world.supervisor.screen(s.id)).includes('sized-by-url'), 10_000, 'ready');
    expect(world.supervisor.size(s.id)).toEqual({ cols: 120, rows: 32 });

    // the snapshot is taken once tmux has the new size: it has that many rows
    const snapshot = await firstFrame(s.id, '?cols=100&rows=40');
    expect(snapshot.type).toBe('snapshot');
    expect(snapshot.data).toContain('sized-by-url');
    expect(snapshot.data!.split('\r\n')).toHaveLength(40);
    expect(world.supervisor.size(s.id)).toEqual({ cols: 100, rows: 40 });
    expect(await world.supervisor.tmux.paneInfo(s.id)).toMatchObject({ cols: 100, rows: 40 });

    for (const query of ['?cols=abc&rows=40', '?cols=0&rows=0', '?cols=-5&rows=10', '?cols=90', '?cols=1e2&rows=30', '?cols=90.5&rows=30', '?cols=99999&rows=30', '?rows=&cols=']) {
      expect((await firstFrame(s.id, query)).type, query).toBe('snapshot');
      expect(world.supervisor.size(s.id), query).toEqual({ cols: 100, rows: 40 });
    }

    // sane numbers out of the supervisor's range are clamped to it
    await firstFrame(s.id, '?cols=5&rows=2');
    expect(world.supervisor.size(s.id)).toEqual({ cols: 20, rows: 5 });
  });

  it('puts the scrollback before the screen in the snapshot, so lines that scrolled off can be scrolled back to', async () => {
    const s = await spawnShell('for i in $(seq 1 200); do printf "\\033[32mline-%d\\033[0m\\n" $i; done; sleep 600');
    await until(async () => (await world.supervisor.screen(s.id)).includes('line-200'), 10_000, 'printed');
    const snapshot = await firstFrame(s.id);
    expect(snapshot.type).toBe('snapshot');
    const rows = snapshot.data!.split('\r\n');
    const plain = rows.map((r) => r.replace(/\x1b\[[0-9;]*[A-Za-z]/g, ''));
    expect(plain.filter((r) => r.startsWith('line-'))).toEqual(Array.from({ length: 200 }, (_, i) => `line-${i + 1}`));
    expect(rows.find((r) => r.endsWith('line-1'))).toContain('\x1b[32m'); // colours kept
    // the screen is the snapshot's last rows: every one of them, so it fills a terminal of its size
    const { rows: height } = world.supervisor.size(s.id)!;
    const screen = (await world.supervisor.screen(s.id)).replace(/\n$/, '').split('\n');
    expect(screen).toHaveLength(height);
    expect(plain.slice(-height).map((r) => r.replace(/\s+$/, ''))).toEqual(screen.map((r) => r.replace(/\s+$/, '')));
  });

  it('answers a resize with a fresh snapshot at the new size, scrollback included', async () => {
    const s = await spawnShell('for i in $(seq 1 200); do echo line-$i; done; sleep 600');
    await until(async () => (await world.supervisor.screen(s.id)).includes('line-200'), 10_000, 'printed');
    const term = openTerminal(s.id, '?cols=100&rows=40');
    await term.opened;
    await until(() => term.frames.some((f) => f.type === 'snapshot'), 5000, 'first snapshot');
    // shrinking moves rows from the screen into tmux's history: only a new snapshot can say so
    term.send({ type: 'resize', cols: 80, rows: 12 });
    const second = await until(() => term.frames.filter((f) => f.type === 'snapshot')[1], 5000, 'second snapshot');
    const rows = second.data!.split('\r\n').map((r) => r.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').trimEnd());
    expect(rows.filter((r) => r.startsWith('line-'))).toEqual(Array.from({ length: 200 }, (_, i) => `line-${i + 1}`));
    expect(world.supervisor.size(s.id)).toEqual({ cols: 80, rows: 12 });
    term.ws.close();
    await term.closed;
  });

  it('reads the viewer size from the URL only when both numbers are sane', () => {
    expect(requestedSize('/ws/terminal/ses_1?cols=132&rows=43')).toEqual({ cols: 132, rows: 43 });
    expect(requestedSize('/ws/terminal/ses_1?rows=43&cols=132&x=1')).toEqual({ cols: 132, rows: 43 });
    for (const url of ['/ws/terminal/ses_1', '/ws/terminal/ses_1?cols=132', '/ws/terminal/ses_1?cols=0&rows=10', '/ws/terminal/ses_1?cols=+80&rows=24', '/ws/terminal/ses_1?cols=80&rows=24px', undefined])
      expect(requestedSize(url), String(url)).toBeNull();
  });

  it('tells a viewer of a finished session so, with its exit code', async () => {
    const s = await spawnShell('exit 2');
    await until(() => world.svc.sessions.get(s.id).status === 'failed', 10_000, 'failed');
    const term = openTerminal(s.id);
    await term.closed;
    expect(term.frames[0]).toMatchObject({ type: 'error' });
    expect(term.frames[0]!.message).toMatch(/no live terminal/);
    expect(term.frames[1]).toEqual({ type: 'exit', code: 2 });
  });
});
