/**
 * The MCP socket at /mcp/ws (src/mcp/socket.ts), the stdio bridge's way to the server, attacked as an
 * outsider would and compared with the POST it replaces: every frame must be answered exactly as the same
 * message POSTed to /mcp, with the credential proved again per frame; nothing a client sends may crash the
 * server or make it hold unbounded work. And the bridge (src/mcp/socket-channel.ts) uses it when it is
 * there, and POSTs when it is not.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_FRAMES_IN_FLIGHT } from '../src/mcp/socket.js';
import { messageFrame, parseReply, type McpFrameReply } from '../src/mcp/socket-frame.js';
import { readSecret } from '../src/security/secret.js';
import type { TestServer } from './helpers.js';
import { as, callTool, connectStdio, ok, type Seed, useSeededServer } from './mcp-support.js';

let server: TestServer;
let s: Seed;

useSeededServer((fixture) => {
  ({ server, s } = fixture);
});

const owner = () => ({ authorization: `Bearer ${readSecret(server.home)}` });
const wsUrl = () => `${server.url.replace(/^http/, 'ws')}/mcp/ws`;

/** An open socket with these headers, and its answers by frame number. */
async function openSocket(headers: Record<string, string>) {
  const ws = new WebSocket(wsUrl(), { headers, perMessageDeflate: false });
  const replies = new Map<number, McpFrameReply>();
  const waiters = new Map<number, (r: McpFrameReply) => void>();
  ws.on('message', (data) => {
    const reply = parseReply(data.toString());
    if (!reply) throw new Error(`not an answer frame: ${data.toString().slice(0, 200)}`);
    replies.set(reply.n, reply);
    waiters.get(reply.n)?.(reply);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
  let n = 0;
  const send = (body: string, version?: string): Promise<McpFrameReply> => {
    const mine = ++n;
    return new Promise((resolve) => {
      waiters.set(mine, resolve);
      ws.send(messageFrame(mine, version, body));
    });
  };
  return { ws, send, replies, closed };
}

async function post(headers: Record<string, string>, body: string) {
  const res = await fetch(`${server.url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18', ...headers },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

const frameResult = (r: McpFrameReply) => ({ status: r.status, body: r.body === '' ? undefined : JSON.parse(r.body) });
const call = (id: number, name: string, args: object = {}) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

describe('each frame is answered as the same POST to /mcp', () => {
  const messages: Array<[string, () => string]> = [
    ['a tool call', () => call(1, 'task_get', { taskId: s.a.id })],
    ['a refused tool call', () => call(2, 'task_get', {})],
    ['tools/list', () => JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' })],
    ['a notification (202, no body)', () => JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })],
    ['a batch', () => `[${call(4, 'whoami')},${call(5, 'task_get', { taskId: s.b.id })}]`],
    ['JSON that is no JSON-RPC', () => JSON.stringify({ hello: 'world' })],
    ['a body that is not JSON', () => '{"jsonrpc": "2.0", '],
    ['a body that is a string', () => '"tools/list"'],
    ['an unsupported protocol version is checked too', () => call(6, 'whoami')],
  ];
  it.each(messages)('%s', async (name, body) => {
    const version = name.startsWith('an unsupported') ? '1999-01-01' : '2025-06-18';
    for (const who of [owner(), { authorization: `Bearer ${s.tokens[s.worker.id]}` }]) {
      const socket = await openSocket(who);
      try {
        const viaSocket = frameResult(await socket.send(body(), version));
        const viaPost = await post({ ...who, 'mcp-protocol-version': version }, body());
        expect(viaSocket).toEqual(viaPost);
      } finally {
        socket.ws.close();
      }
    }
  });

  it('answers frames as they are ready, each under its number, many at once', async () => {
    const socket = await openSocket(owner());
    try {
      const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => socket.send(call(i, 'task_get', { taskId: i % 2 ? s.a.id : s.b.id }))));
      answers.forEach((a, i) => {
        expect(a.status).toBe(200);
        expect(JSON.parse(a.body)).toMatchObject({ id: i, result: { structuredContent: { id: i % 2 ? s.a.id : s.b.id } } });
      });
    } finally {
      socket.ws.close();
    }
  });
});

describe('the socket as an outsider meets it', () => {
  it('refuses an upgrade without a credential, with a wrong one, and from a foreign origin', async () => {
    for (const headers of [{}, { authorization: 'Bearer not-a-secret' }, { ...owner(), origin: 'https://evil.example' }]) {
      const ws = new WebSocket(wsUrl(), { headers });
      const status = await new Promise<number>((resolve) => {
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('open', () => resolve(101));
        ws.once('error', () => undefined);
      });
      ws.terminate();
      expect(status, JSON.stringify(headers)).toBeGreaterThanOrEqual(401);
      expect(status).toBeLessThan(404);
    }
  });

  it('proves the credential again for every frame: a session that ended is refused on its next frame, as a POST is, and the socket stays', async () => {
    const { session } = await server.svc.spawn({ projectId: s.projectId, taskIds: [], name: 'socket-revoked' });
    const who = { authorization: `Bearer ${server.svc.sessions.token(session.id)}` };
    const socket = await openSocket(who);
    try {
      expect((await socket.send(call(1, 'whoami'))).status).toBe(200);
      await server.svc.stopSession(session.id);
      const refused = frameResult(await socket.send(call(2, 'whoami')));
      expect(refused.status).toBe(401);
      expect(refused.body.error).toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/has ended/) });
      const viaPost = await post(who, call(2, 'whoami'));
      expect(refused).toEqual(viaPost);
      expect(socket.ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      socket.ws.close();
    }
  });

  it.each([
    ['a frame without a header line', (ws: WebSocket) => ws.send('{"jsonrpc":"2.0","id":1,"method":"tools/list"}'), 1007],
    ['a header without a number', (ws: WebSocket) => ws.send('{"v":"2025-06-18"}\n{}'), 1007],
    ['a negative frame number', (ws: WebSocket) => ws.send('{"n":-1}\n{}'), 1007],
    ['a binary frame', (ws: WebSocket) => ws.send(Buffer.from(messageFrame(1, undefined, call(1, 'whoami'))), { binary: true }), 1007],
    ['a frame larger than 1 MiB', (ws: WebSocket) => ws.send(messageFrame(1, undefined, JSON.stringify({ x: 'x'.repeat(1024 * 1024 + 10) }))), 1009],
  ] as const)('closes the socket on %s, and keeps serving', async (_name, misbehave, code) => {
    const socket = await openSocket(owner());
    misbehave(socket.ws);
    expect((await socket.closed).code).toBe(code);
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    const again = await openSocket(owner());
    expect((await again.send(call(1, 'whoami'))).status).toBe(200);
    again.ws.close();
  });

  it('closes on invalid UTF-8 in a text frame, and keeps serving', async () => {
    const socket = await openSocket(owner());
    // ws validates text frames it sends; a raw frame goes under it: FIN + text opcode, masked, 4 bytes.
    const payload = Buffer.from([0x7b, 0x22, 0xff, 0xfe]);
    const mask = Buffer.from([1, 2, 3, 4]);
    const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
    (socket.ws as unknown as { _socket: import('node:net').Socket })._socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]));
    expect((await socket.closed).code).toBe(1007);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it(`holds at most ${MAX_FRAMES_IN_FLIGHT} frames of one socket at once: the rest are refused with 503 and Retry-After, and every frame is answered`, async () => {
    const socket = await openSocket(owner());
    try {
      const answers = await Promise.all(Array.from({ length: 2000 }, (_, i) => socket.send(call(i, 'whoami'))));
      const busy = answers.filter((a) => a.status === 503);
      expect(answers.filter((a) => a.status === 200).length + busy.length).toBe(2000);
      expect(busy.length).toBeGreaterThan(0);
      expect(busy[0]).toMatchObject({ retryAfter: 1 });
      expect(JSON.parse(busy[0]!.body).error).toMatchObject({ code: 'unavailable' });
    } finally {
      socket.ws.close();
    }
  });
});

describe('the stdio bridge over the socket', () => {
  /** Counts the POSTs to /mcp the server receives while `run` runs. */
  async function postsDuring(run: () => Promise<void>): Promise<number> {
    let posts = 0;
    const count = (req: { method?: string; url?: string }) => void (req.method === 'POST' && req.url === '/mcp' && posts++);
    server.server.http.on('request', count);
    try {
      await run();
    } finally {
      server.server.http.off('request', count);
    }
    return posts;
  }

  it('carries its messages over its socket, not POSTs', async () => {
    const client = await connectStdio(server, as(s, s.worker));
    try {
      const posts = await postsDuring(async () => {
        for (let i = 0; i < 5; i++) expect((await ok(client, 'whoami')).session.id).toBe(s.worker.id);
        await Promise.all(Array.from({ length: 20 }, () => ok(client, 'task_get', { taskId: s.a.id })));
      });
      expect(posts).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('sends a message too large for a frame by POST, which answers it as it always did', async () => {
    const client = await connectStdio(server);
    const importText = (rows: number) =>
      Array.from({ length: rows }, (_, i) => JSON.stringify({ key: `big-${i}`, title: `Imported ${i}`, description: 'd'.repeat(400) })).join('\n');
    try {
      // Under the frame size: over the socket, no POST.
      const small = importText(1800);
      expect(Buffer.byteLength(small)).toBeLessThan(1024 * 1024 - 2048);
      const posts = await postsDuring(async () => {
        const result = await callTool(client, 'task_import', { project: s.projectId, text: small, dryRun: true });
        expect(result.isError, result.text).toBe(false);
        expect(result.structured).toMatchObject({ created: 1800 });
      });
      expect(posts).toBe(0);
      // Over it: one POST, refused by /mcp's own body limit, in the words a POST always got.
      const big = importText(3000);
      expect(Buffer.byteLength(big)).toBeGreaterThan(1024 * 1024);
      const bigPosts = await postsDuring(async () => {
        const result = await callTool(client, 'task_import', { project: s.projectId, text: big, dryRun: true });
        expect(result.isError).toBe(true);
        expect(result.text).toMatch(/request body is too large/);
      });
      expect(bigPosts).toBe(1);
    } finally {
      await client.close();
    }
  });
});
