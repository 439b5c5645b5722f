/**
 * Messages between sessions, end to end (issue 12): the real server with its PTY supervisor (tmux), the
 * scripted agent (test/agent/agent.ts) running the real `maestro hook` commands of its Claude settings and
 * honouring their stdout as Claude Code does, and MCP stdio clients started from the very mcp.json files
 * the supervisor wrote for each session.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Message, MessageInbox } from '../src/core/types.js';
import type { Session } from '../src/core/types.js';
import { readRecording, recordingOutput } from '../src/pty/asciicast.js';
import { ownerApi, requestJson, ROOT, runCli, startTestServer, type TestServer } from './helpers.js';
import { callTool, ok } from './mcp-support.js';
import { closeAgentServer, FAST_TIMING, until } from './pty-support.js';

const AGENT_JS = join(ROOT, 'dist', 'test', 'agent', 'agent.js');
const AGENT = `${process.execPath} ${AGENT_JS}`;
/** An agent without hooks that just sits there: what is typed into it shows on its screen. */
const PLAIN = 'cat';

let server: TestServer | null = null;
const clients: Client[] = [];

beforeAll(() => {
  for (const file of [AGENT_JS, join(ROOT, 'dist', 'src', 'cli', 'main.js')])
    if (!existsSync(file)) throw new Error(`${file} is missing: build first (npx tsc -p tsconfig.json)`);
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  if (!server) return;
  const s = server;
  server = null;
  await closeAgentServer(s);
});

async function start(): Promise<{ server: TestServer; projectId: string }> {
  server = await startTestServer({ supervisor: true, supervisorTiming: FAST_TIMING, agentCommand: AGENT });
  const workdir = join(server.home, 'work');
  mkdirSync(workdir, { recursive: true });
  return { server, projectId: server.svc.projects.create({ name: 'msg', workingDir: workdir }).id };
}

/** An MCP client started exactly as the session's agent starts its MCP server: from its mcp.json. */
async function clientOf(srv: TestServer, sessionId: string): Promise<Client> {
  const path = srv.svc.paths.mcpConfig(sessionId);
  await until(() => existsSync(path), 10_000, `${path}`);
  const config = JSON.parse(readFileSync(path, 'utf8')) as { mcpServers: { maestro: { command: string; args: string[]; env: Record<string, string> } } };
  const { command, args, env } = config.mcpServers.maestro;
  const client = new Client({ name: `as-${sessionId}`, version: '0.0.0' });
  const transport = new StdioClientTransport({ command, args, env: { PATH: process.env.PATH ?? '', ...env }, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  // Only a server that could not start or failed says why (a normal close is quiet).
  transport.onclose = () => {
    if (/cannot start|"level":50/.test(stderr)) console.error(`maestro mcp of ${sessionId}: ${stderr}`);
  };
  await client.connect(transport);
  clients.push(client);
  return client;
}

const screenOf = (srv: TestServer, id: string) => srv.supervisor!.screen(id, { history: 400 });
const recorded = (srv: TestServer, id: string) => recordingOutput(readRecording(srv.svc.paths.recording(id)));
const recipient = (m: Message, sessionId: string | null) => m.recipients.find((r) => r.sessionId === sessionId)!;
const messageNow = (srv: TestServer, id: string) => srv.svc.messages.get(id);

/** Records the hooks the server answered (`<session>:<event>`), by watching the service's own hookAnswer. */
function watchHooks(srv: TestServer): string[] {
  const seen: string[] = [];
  const center = srv.svc.messages;
  const answer = center.hookAnswer.bind(center);
  center.hookAnswer = (sessionId, event) => {
    seen.push(`${sessionId}:${event}`);
    return answer(sessionId, event);
  };
  return seen;
}

/** Waits for text in the session's terminal; on a timeout, shows what was there. */
async function onScreen(srv: TestServer, id: string, text: string, timeoutMs = 20_000): Promise<void> {
  try {
    await until(async () => (await screenOf(srv, id)).includes(text) || recorded(srv, id).includes(text), timeoutMs, `"${text}" on ${id}'s terminal`);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- screen ---\n${await screenOf(srv, id).catch(() => '')}`);
  }
}

async function spawnAs(srv: TestServer, body: Record<string, unknown>): Promise<Session> {
  const res = await ownerApi<{ session: Session }>(srv, 'POST', '/api/sessions', body);
  if (res.status !== 201) throw new Error(`spawn failed: ${JSON.stringify(res.body)}`);
  return res.body.session;
}

describe('messages between an orchestrator and its workers, over their own MCP configs', { timeout: 120_000 }, () => {
  it('send, push, read, acknowledge; a blocked report; broadcast; refusals', async () => {
    const { server: srv, projectId } = await start();
    const root = srv.svc.tasks.create({ projectId, title: 'ship the settings page' });
    const orch = await spawnAs(srv, { taskIds: [root.id], role: 'orchestrator', agentCommand: PLAIN, name: 'lead' });
    const lead = await clientOf(srv, orch.id);

    // The orchestrator hires two workers (the scripted agent, with hooks), which work, then wait at their prompt
    // (their tasks left open: a session that completed has ended, and its token with it).
    const workers: Session[] = [];
    for (const n of [1, 2]) {
      const t = await ok(lead, 'task_create', { title: `part ${n}`, parentId: root.id });
      const spawned = await ok(lead, 'session_spawn', { taskIds: [t.id], name: `w${n}`, env: { AGENT_ASK: '0', AGENT_LINGER: '1', AGENT_UNREPORTED: '1' } });
      workers.push(spawned.session);
    }
    const [w1, w2] = workers as [Session, Session];
    for (const w of workers) await onScreen(srv, w.id, 'Stopping here.');
    const one = await clientOf(srv, w1.id);
    const two = await clientOf(srv, w2.id);

    // orchestrator -> worker 1: typed as a nudge at its idle prompt, injected by its UserPromptSubmit hook.
    const sent: Message = await ok(lead, 'message_send', { to: w1.id, subject: 'Rename the button', body: 'Call it "Save changes", not "Submit".', taskId: root.id });
    expect(sent).toMatchObject({ from: { sessionId: orch.id, name: 'lead' }, recipients: [{ sessionId: w1.id, name: 'w1' }] });
    await onScreen(srv, w1.id, 'Call it "Save changes", not "Submit".');
    const screen1 = await screenOf(srv, w1.id);
    expect(screen1).toContain('UserPromptSubmit hook added context:');
    expect(screen1).toContain(`Message ${sent.id} from lead (${orch.id})`);
    expect(screen1).toContain('Subject: Rename the button');
    expect(screen1).toContain(`message_ack {"messageId": "${sent.id}"}`);
    await until(async () => ((await ok(lead, 'message_list', {})) as Message[]).find((m) => m.id === sent.id)?.state === 'read', 10_000, 'read by the hook');
    expect(recipient(messageNow(srv, sent.id), w1.id)).toMatchObject({ deliveredVia: 'hook', state: 'read' });
    // The worker's transcript has it as what its model was told.
    expect(readFileSync(join(srv.svc.paths.session(w1.id), 'transcript.jsonl'), 'utf8')).toContain('Rename the button');

    // worker 1 acknowledges; the orchestrator sees it.
    const acked: Message = await ok(one, 'message_ack', { messageId: sent.id, note: 'renamed' });
    expect(acked.state).toBe('acknowledged');
    const seen = ((await ok(lead, 'message_list', {})) as Message[]).find((m) => m.id === sent.id)!;
    expect(recipient(seen, w1.id)).toMatchObject({ state: 'acknowledged', ackNote: 'renamed' });

    // worker 1 -> 'orchestrator' (its parent): the orchestrator has no hooks, so it is typed into its terminal.
    const reply: Message = await ok(one, 'message_send', { to: 'orchestrator', subject: 'Done renaming', body: 'Also fixed the tooltip.', replyTo: sent.id });
    expect(reply).toMatchObject({ threadId: sent.id, replyTo: sent.id, recipients: [{ sessionId: orch.id }] });
    await onScreen(srv, orch.id, `[Maestro message ${reply.id} from w1 (${w1.id})] Done renaming: Also fixed the tooltip.`);
    await until(() => recipient(messageNow(srv, reply.id), orch.id).deliveredVia === 'typed', 5000, 'typed');
    expect(((await ok(one, 'message_list', {})) as Message[]).find((m) => m.id === reply.id)!.state).toBe('delivered');
    const inbox: MessageInbox = await ok(lead, 'message_inbox', {});
    expect(inbox.messages.map((m) => m.id)).toEqual([reply.id]);
    await ok(lead, 'message_ack', { messageId: reply.id });
    expect(((await ok(one, 'message_list', {})) as Message[]).find((m) => m.id === reply.id)!.state).toBe('acknowledged');

    // worker 2 reports blocked: its orchestrator gets it as a message.
    await ok(two, 'report_blocked', { message: 'the design for part 2 is missing' });
    await onScreen(srv, orch.id, 'the design for part 2 is missing');
    const blocked = ((await ok(lead, 'message_inbox', {})) as MessageInbox).messages.find((m) => m.from.sessionId === w2.id)!;
    expect(blocked.subject).toMatch(/^Blocked: /);
    expect(blocked.body).toContain('the design for part 2 is missing');

    // Broadcast: every other live session of the project, each through its hook.
    const all: Message = await ok(lead, 'message_send', { to: 'project', subject: 'Freeze', body: 'Code freeze at 17:00.' });
    expect(all.recipients.map((r) => r.sessionId).sort()).toEqual([w1.id, w2.id].sort());
    for (const w of workers) await onScreen(srv, w.id, 'Code freeze at 17:00.');
    await until(() => messageNow(srv, all.id).state === 'read', 10_000, 'the broadcast read by both');

    // Refusals, each naming its field.
    const notMine = await callTool(two, 'message_ack', { messageId: sent.id });
    expect(notMine).toMatchObject({ isError: true, structured: { error: { code: 'forbidden', field: 'messageId' } } });
    const bad = await callTool(one, 'message_send', { to: 'orchestrator', subject: '', body: 'x' });
    expect(bad).toMatchObject({ isError: true, structured: { error: { code: 'invalid_input', field: 'subject' } } });
    const otherProject = srv.svc.projects.create({ name: 'elsewhere', workingDir: join(srv.home, 'elsewhere') });
    const far = srv.svc.sessions.create({ projectId: otherProject.id, role: 'worker', strategy: 'simple', taskIds: [], env: {}, parentSessionId: null, templateId: null, agentCommand: null, skills: [] }).session;
    const farAway = await callTool(lead, 'message_send', { to: far.id, subject: 'hi', body: 'x' });
    expect(farAway).toMatchObject({ isError: true, structured: { error: { code: 'forbidden', field: 'to' } } });
    await ok(lead, 'session_stop', { sessionId: w2.id });
    const toFinished = await callTool(lead, 'message_send', { to: w2.id, subject: 'still there?', body: 'x' });
    expect(toFinished).toMatchObject({ isError: true, structured: { error: { code: 'conflict', field: 'to' } } });
    const anonymous = await requestJson(`${srv.url}/api/messages`, 'POST', { to: w1.id, subject: 'hi', body: 'x' });
    expect(anonymous.status).toBe(401);
  });
});

describe('a message injected into a scripted Claude-style agent through its hooks', { timeout: 120_000 }, () => {
  it('mid-turn it blocks the Stop once (the agent goes on with it); idle, a nudge brings the next one', async () => {
    const { server: srv, projectId } = await start();
    const t = srv.svc.tasks.create({ projectId, title: 'tidy the CSS' });
    // A worker that works slowly and ends its turn without reporting: no tool call follows its first report.
    const hooks = watchHooks(srv);
    const w = await spawnAs(srv, { taskIds: [t.id], agentCommand: AGENT, env: { AGENT_ASK: '0', AGENT_UNREPORTED: '1', AGENT_LINGER: '1', AGENT_STEP_MS: '1500' } });
    // After the PostToolUse hooks of whoami and its first report, it only sleeps (3 s) until its Stop.
    await until(() => hooks.filter((h) => h === `${w.id}:PostToolUse`).length >= 2, 20_000, 'whoami and its first report');
    const first = await ownerApi<Message>(srv, 'POST', '/api/messages', { to: w.id, subject: 'Use the tokens', body: 'Colours come from tokens.css only.' });
    expect(first.status).toBe(201);
    // Busy: nothing is typed; its Stop hook blocks the end of the turn with the message as the reason.
    await onScreen(srv, w.id, 'Stop hook said to go on:');
    await onScreen(srv, w.id, 'Colours come from tokens.css only.');
    const screen = await screenOf(srv, w.id);
    expect(screen).toContain(`Message ${first.body.id} from the user`);
    expect(screen).toContain('Reply with message_send {"to": "user"');
    expect(screen).not.toContain('You have new Maestro messages');
    expect(recipient(messageNow(srv, first.body.id), w.id)).toMatchObject({ deliveredVia: 'hook', state: 'read' });
    expect(srv.svc.sessions.timeline(w.id).map((e) => e.message)).toContain(`message ${first.body.id} from user ("Use the tokens") given by its Stop hook`);
    await onScreen(srv, w.id, 'Stopping here.');

    // Idle at its prompt: a short prompt is typed, and its UserPromptSubmit hook injects the message.
    const second = await ownerApi<Message>(srv, 'POST', '/api/messages', { to: w.id, subject: 'One more', body: 'And drop the !important rules.' });
    await onScreen(srv, w.id, 'And drop the !important rules.');
    await onScreen(srv, w.id, '(nothing to do about "You have new Maestro messages');
    expect(recipient(messageNow(srv, second.body.id), w.id)).toMatchObject({ deliveredVia: 'hook', state: 'read' });
    // Delivered once: the Stop of that turn had nothing new, so it was not blocked again.
    const output = recorded(srv, w.id);
    expect(output.split('Stop hook said to go on:').length - 1).toBe(1);
    expect(output.split('And drop the !important rules.').length - 1).toBe(1);

    // The user's view from the CLI: both read.
    const list = await runCli(['message', 'list', '--session', w.id], { MAESTRO_API_URL: srv.url, MAESTRO_HOME: srv.home });
    expect(list.stdout).toMatch(new RegExp(`${second.body.id} .* read +One more`));
    expect(list.stdout).toMatch(new RegExp(`${first.body.id} .* read +Use the tokens`));
  });

  it('a message that arrives during a turn with tool calls is injected by the next PostToolUse hook', async () => {
    const { server: srv, projectId } = await start();
    const t = srv.svc.tasks.create({ projectId, title: 'write the docs' });
    const t2 = srv.svc.tasks.create({ projectId, title: 'proofread the docs' });
    const hooks = watchHooks(srv);
    const w = await spawnAs(srv, { taskIds: [t.id, t2.id], agentCommand: AGENT, env: { AGENT_ASK: '0', AGENT_LINGER: '1', AGENT_STEP_MS: '1500' } });
    // After the PostToolUse hooks of whoami and its first report it sleeps (3 s), then completes its first task
    // (its second still open, so the session goes on): that PostToolUse brings the message.
    await until(() => hooks.filter((h) => h === `${w.id}:PostToolUse`).length >= 2, 20_000, 'whoami and its first report');
    const m = await ownerApi<Message>(srv, 'POST', '/api/messages', { to: w.id, subject: 'Link the API', body: 'Link the REST reference from the intro.' });
    await onScreen(srv, w.id, 'PostToolUse hook added context:');
    await onScreen(srv, w.id, 'Link the REST reference from the intro.');
    expect(recipient(messageNow(srv, m.body.id), w.id)).toMatchObject({ deliveredVia: 'hook', state: 'read' });
    await onScreen(srv, w.id, 'All done.');
    expect(recorded(srv, w.id)).not.toContain('Stop hook said to go on:');
  });

  it('maestro hook against the real server: prints the block once, then nothing; a session without a terminal keeps its messages', async () => {
    const { server: srv, projectId } = await start();
    // A session without a live terminal: nothing is pushed; its messages wait for a hook or the inbox.
    const s = srv.svc.sessions.create({ projectId, role: 'worker', strategy: 'simple', taskIds: [], env: {}, parentSessionId: null, templateId: null, agentCommand: null, skills: [] });
    const hookEnv = { MAESTRO_API_URL: srv.url, MAESTRO_HOME: srv.home, MAESTRO_SESSION_ID: s.session.id, MAESTRO_SESSION_TOKEN: s.token };
    const m = (await ownerApi<Message>(srv, 'POST', '/api/messages', { to: s.session.id, subject: 'Ping', body: 'Are you there?' })).body;
    await new Promise((r) => setTimeout(r, 200)); // a push would have happened by now
    expect(messageNow(srv, m.id).state).toBe('sent');
    const stop = await runCli(['hook', 'Stop'], hookEnv, JSON.stringify({ hook_event_name: 'Stop', stop_hook_active: false }));
    expect(stop.code).toBe(0);
    const out = JSON.parse(stop.stdout) as { decision: string; reason: string };
    expect(out.decision).toBe('block');
    expect(out.reason).toContain(`--- Message ${m.id} from the user`);
    expect(out.reason).toContain('Are you there?');
    const again = await runCli(['hook', 'Stop'], hookEnv, JSON.stringify({ hook_event_name: 'Stop', stop_hook_active: true }));
    expect(again).toMatchObject({ code: 0, stdout: '' });
    const m2 = (await ownerApi<Message>(srv, 'POST', '/api/messages', { to: s.session.id, subject: 'Ping 2', body: 'Still?' })).body;
    const pre = await runCli(['hook', 'PreToolUse'], hookEnv, '{}');
    expect(pre).toMatchObject({ code: 0, stdout: '' });
    const prompt = await runCli(['hook', 'UserPromptSubmit'], hookEnv, JSON.stringify({ prompt: 'go on' }));
    expect(JSON.parse(prompt.stdout)).toEqual({ hookSpecificOutput: { hookEventName: 'UserPromptSubmit', additionalContext: expect.stringContaining('Still?') } });
    expect(messageNow(srv, m2.id).recipients[0]).toMatchObject({ deliveredVia: 'hook', state: 'read' });
  });
});
