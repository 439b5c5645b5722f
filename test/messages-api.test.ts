/**
 * Messages over REST and the CLI, against a real server without agents (sessions are records): routing
 * (a session, orchestrator, project, user), inbox / ack / list and their states, a blocked report becoming
 * a message, and the refusals, each naming its field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Message, MessageInbox } from '../src/core/types.js';
import { ownerApi, ownerAuth, requestJson, runCli, startTestServer, waitFor, type TestServer } from './helpers.js';
import { seed, type Seed } from './mcp-support.js';

let server: TestServer;
let s: Seed;
let otherProjectSession: string;

beforeAll(async () => {
  server = await startTestServer();
  s = await seed(server.svc, server.home);
  const other = server.svc.projects.create({ name: 'other', workingDir: `${server.home}/other` });
  otherProjectSession = (await server.svc.spawn({ projectId: other.id, taskIds: [], name: 'far' })).session.id;
});
afterAll(() => server.dispose());

/** A REST call as a session (its bearer token). */
const asSession = (sessionId: string, method: string, path: string, body?: unknown) =>
  requestJson(server.url + path, method, body, { authorization: `Bearer ${s.tokens[sessionId] ?? server.svc.sessions.token(sessionId)}` });

describe('messages over REST', () => {
  it('a worker writes to its orchestrator, which reads, replies and acks; the worker sees every state', async () => {
    const sent = await asSession(s.worker.id, 'POST', '/api/messages', { to: 'orchestrator', subject: 'API shape?', body: 'REST or RPC?', taskId: s.a.id });
    expect(sent.status).toBe(201);
    const m = sent.json as Message;
    expect(m).toMatchObject({ to: 'orchestrator', from: { sessionId: s.worker.id, name: 'w1' }, taskId: s.a.id, state: 'sent', threadId: m.id, replyTo: null });
    expect(m.id).toMatch(/^msg_/);
    expect(m.recipients).toEqual([expect.objectContaining({ sessionId: s.orchestrator.id, name: 'lead', state: 'sent', deliveredAt: null })]);

    const inbox = (await asSession(s.orchestrator.id, 'POST', '/api/messages/inbox', {})).json as MessageInbox;
    expect(inbox).toMatchObject({ unread: 1, markedRead: true, owner: { sessionId: s.orchestrator.id } });
    expect(inbox.messages.map((x) => x.id)).toEqual([m.id]);
    expect(inbox.messages[0]!.recipients[0]).toMatchObject({ state: 'read', deliveredVia: 'inbox' });
    // read now: not unread any more; with all it is history
    expect(((await asSession(s.orchestrator.id, 'POST', '/api/messages/inbox', {})).json as MessageInbox).messages).toEqual([]);
    expect(((await asSession(s.orchestrator.id, 'POST', '/api/messages/inbox', { all: true })).json as MessageInbox).messages.map((x) => x.id)).toEqual([m.id]);

    const reply = (await asSession(s.orchestrator.id, 'POST', '/api/messages', { to: s.worker.id, subject: 'Re: API shape?', body: 'REST.', replyTo: m.id })).json as Message;
    expect(reply).toMatchObject({ threadId: m.id, replyTo: m.id });

    const acked = await asSession(s.orchestrator.id, 'POST', `/api/messages/${m.id}/ack`, { note: 'answered' });
    expect(acked.status).toBe(200);
    expect(acked.json).toMatchObject({ id: m.id, state: 'acknowledged', recipients: [{ ackNote: 'answered', state: 'acknowledged' }] });
    // idempotent: the first ack and its note stay
    const again = (await asSession(s.orchestrator.id, 'POST', `/api/messages/${m.id}/ack`, { note: 'other' })).json as Message;
    expect(again.recipients[0]).toMatchObject({ ackNote: 'answered', ackedAt: (acked.json as Message).recipients[0]!.ackedAt });

    const mine = (await asSession(s.worker.id, 'GET', '/api/messages')).json as Message[];
    expect(mine.map((x) => [x.id, x.state])).toEqual([
      [reply.id, 'sent'],
      [m.id, 'acknowledged'],
    ]);
  });

  it('broadcast reaches every other live session; the user gets messages in the owner inbox', async () => {
    const b = (await asSession(s.otherWorker.id, 'POST', '/api/messages', { to: 'project', subject: 'heads up', body: 'main is red' })).json as Message;
    expect(b.recipients.map((r) => r.sessionId).sort()).toEqual([s.orchestrator.id, s.worker.id].sort());
    const toUser = (await asSession(s.worker.id, 'POST', '/api/messages', { to: 'user', subject: 'question', body: 'may I delete build/?' })).json as Message;
    expect(toUser.recipients).toEqual([expect.objectContaining({ sessionId: null, name: 'user' })]);
    // The owner peeks at the worker's inbox: nothing is marked read.
    const peek = await ownerApi<MessageInbox>(server, 'POST', '/api/messages/inbox', { sessionId: s.worker.id });
    expect(peek.body).toMatchObject({ markedRead: false, owner: { sessionId: s.worker.id } });
    expect(peek.body.messages.map((x) => x.id)).toContain(b.id);
    expect(server.svc.messages.get(b.id).recipients.find((r) => r.sessionId === s.worker.id)!.readAt).toBeNull();
    // The owner's own inbox is the user's.
    const mine = await ownerApi<MessageInbox>(server, 'POST', '/api/messages/inbox', {});
    expect(mine.body.owner).toEqual({ sessionId: null, name: 'user' });
    expect(mine.body.messages.map((x) => x.id)).toEqual([toUser.id]);
    const ack = await ownerApi<Message>(server, 'POST', `/api/messages/${toUser.id}/ack`, {});
    expect(ack.body.state).toBe('acknowledged');
    // The owner lists a project's messages, or one session's.
    const all = await ownerApi<Message[]>(server, 'GET', `/api/messages?project=${s.projectId}`);
    expect(all.body.map((x) => x.id)).toEqual(expect.arrayContaining([b.id, toUser.id]));
    const one = await ownerApi<Message[]>(server, 'GET', `/api/messages?sessionId=${s.otherWorker.id}`);
    expect(one.body.map((x) => x.id)).toEqual([b.id]);
  });

  it('a blocked report reaches the orchestrator as a message', async () => {
    const r = await asSession(s.worker.id, 'POST', '/api/reports/blocked', { taskId: s.a.id, message: 'the staging DB is down' });
    expect(r.status).toBe(200);
    const inbox = (await asSession(s.orchestrator.id, 'POST', '/api/messages/inbox', {})).json as MessageInbox;
    const m = inbox.messages.find((x) => x.subject.startsWith('Blocked:'))!;
    expect(m).toMatchObject({ from: { sessionId: s.worker.id }, taskId: s.a.id, to: 'orchestrator' });
    expect(m.body).toContain('the staging DB is down');
  });

  it('refusals name their field', async () => {
    const code = (r: { status: number; json: any }) => [r.status, r.json?.error?.code, r.json?.error?.field];
    expect(code(await asSession(s.worker.id, 'POST', '/api/messages', { to: otherProjectSession, subject: 'x', body: 'y' }))).toEqual([403, 'forbidden', 'to']);
    expect(code(await asSession(s.worker.id, 'POST', '/api/messages', { to: 'ses_nope', subject: 'x', body: 'y' }))).toEqual([404, 'not_found', 'to']);
    expect(code(await asSession(s.worker.id, 'POST', '/api/messages', { to: 'user', subject: '', body: 'y' }))).toEqual([400, 'invalid_input', 'subject']);
    expect(code(await asSession(s.worker.id, 'POST', '/api/messages', { to: 'user', subject: 'x', body: 'y'.repeat(20_001) }))).toEqual([400, 'invalid_input', 'body']);
    expect(code(await asSession(s.worker.id, 'POST', '/api/messages', { to: 'user', subject: 'x'.repeat(201), body: 'y' }))).toEqual([400, 'invalid_input', 'subject']);
    const toLead = (await asSession(s.worker.id, 'POST', '/api/messages', { to: 'orchestrator', subject: 'x', body: 'y' })).json as Message;
    // a worker acking a message that was not sent to it
    expect(code(await asSession(s.otherWorker.id, 'POST', `/api/messages/${toLead.id}/ack`, {}))).toEqual([403, 'forbidden', 'messageId']);
    // a finished recipient
    server.svc.sessions.setStatus(s.otherWorker.id, 'completed');
    expect(code(await asSession(s.worker.id, 'POST', '/api/messages', { to: s.otherWorker.id, subject: 'x', body: 'y' }))).toEqual([409, 'conflict', 'to']);
    // no credential
    expect((await requestJson(`${server.url}/api/messages`, 'POST', { to: 'user', subject: 'x', body: 'y' })).status).toBe(401);
  });

  it('the owner\'s event stream (/ws) carries message.created and message.updated, live', async () => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws`, { headers: ownerAuth(server.home) });
    const frames: any[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(String(data))));
    try {
      await waitFor(() => frames.some((f) => f.type === 'hello'));
      const m = (await asSession(s.worker.id, 'POST', '/api/messages', { to: 'orchestrator', subject: 'live', body: 'watch this' })).json as Message;
      await asSession(s.orchestrator.id, 'POST', `/api/messages/${m.id}/ack`, {});
      const events = await waitFor(() => {
        const mine = frames.filter((f) => f.type === 'event' && f.event.message?.id === m.id);
        return mine.length >= 2 ? mine : null;
      });
      expect(events.map((f) => [f.event.type, f.event.message.state])).toEqual([
        ['message.created', 'sent'],
        ['message.updated', 'acknowledged'],
      ]);
    } finally {
      ws.close();
    }
  });

  it('the CLI sends, reads and acks, and shows states', async () => {
    const env = { MAESTRO_API_URL: server.url, MAESTRO_HOME: server.home };
    const worker = { ...env, MAESTRO_SESSION_ID: s.worker.id, MAESTRO_SESSION_TOKEN: s.tokens[s.worker.id] };
    const sent = await runCli(['message', 'send', 'user', '--subject', 'from stdin', '--body', '-', '--json'], worker, 'line one\nline two\n');
    expect(sent.code).toBe(0);
    const m = sent.json<Message>();
    expect(m.body).toBe('line one\nline two');
    const inbox = await runCli(['message', 'inbox'], env);
    expect(inbox.stdout).toContain(`--- ${m.id} from w1`);
    expect(inbox.stdout).toContain('line two');
    const ack = await runCli(['message', 'ack', m.id, '--note', 'ok'], env);
    expect(ack.stdout).toContain('acknowledged');
    const list = await runCli(['message', 'list', '--session', s.worker.id], env);
    expect(list.stderr).toBe("");
    expect(list.stdout).toMatch(new RegExp(`${m.id}.*acknowledged.*from stdin`));
    const bad = await runCli(['message', 'send', 'user', '--subject', 'x', '--body', 'y'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('<to>');
  });
});
