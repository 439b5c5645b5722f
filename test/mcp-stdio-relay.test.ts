/**
 * `maestro mcp` relays JSON-RPC to the server's /mcp (src/mcp/relay.ts): a real server, a real bridge
 * process, the real SDK client over stdio (or raw lines, for what the SDK client would never send), and
 * where the wire itself matters (parallel requests, a dead kept-alive socket, headers) a small HTTP proxy
 * between the bridge and the server that can hold or cut requests.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { startServeProcess } from '../scripts/bench-slow-clients.js';
import { PassThrough, Writable } from 'node:stream';
import { MaestroClient } from '../src/http/client.js';
import { createLogger } from '../src/log/logger.js';
import { LineReader } from '../src/mcp/line-reader.js';
import { McpRelay } from '../src/mcp/relay.js';
import { readSecret } from '../src/security/secret.js';
import { operationsForRole } from '../src/mcp/server.js';
import { BIN, startTestServer, waitFor, type TestServer } from './helpers.js';
import { as, callTool, connectStdio, mcpEnv, ok, type Seed, seed, useSeededServer } from './mcp-support.js';

let server: TestServer;
let s: Seed;

useSeededServer((fixture) => {
  ({ server, s } = fixture);
});

const toolsCall = (id: number | string, name: string, args: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
});
const initialize = (id: number) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
});

/** `maestro mcp` driven line by line: what is written to its stdin as is, every stdout line kept. */
class RawBridge {
  readonly lines: string[] = [];
  stderr = '';
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly exited: Promise<number | null>;
  private partial = '';

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, [BIN, 'mcp'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (d: Buffer) => {
      const parts = (this.partial + d.toString('utf8')).split('\n');
      this.partial = parts.pop()!;
      this.lines.push(...parts);
    });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.on('close', resolve));
  }

  write(text: string): void {
    this.child.stdin.write(text);
  }

  send(...messages: unknown[]): void {
    for (const m of messages) this.write(`${JSON.stringify(m)}\n`);
  }

  /** The answer whose id is `id` (or, for an array id list, the batch answer holding them). */
  async answer(id: number | string | null): Promise<any> {
    return waitFor(() => this.lines.map((l) => JSON.parse(l)).find((m) => !Array.isArray(m) && m.id === id), 15_000, `the answer to ${String(id)}`);
  }

  async batchAnswer(firstId: number | string): Promise<any[]> {
    return waitFor(() => this.lines.map((l) => JSON.parse(l)).find((m) => Array.isArray(m) && m.some((a) => a.id === firstId)), 15_000, `the batch answer with ${firstId}`);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async end(): Promise<number | null> {
    this.child.stdin.end();
    return this.exited;
  }
}

interface Seen {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * An HTTP proxy to `target` that records what passes, can hold tool calls until `barrier` of them wait
 * (so they pass only if sent at once), and can cut the next request that arrives on a reused connection
 * without answering it (what a restarted server does to a kept-alive socket).
 */
class Proxy {
  readonly seen: Seen[] = [];
  barrier = 0;
  barrierTimedOut = false;
  cutNextReused = false;
  cuts = 0;
  private held: Array<() => void> = [];
  private readonly http: Server;
  private readonly served = new WeakMap<Socket, number>();

  private constructor(private readonly target: string) {
    this.http = createServer((req, res) => {
      const count = (this.served.get(req.socket) ?? 0) + 1;
      this.served.set(req.socket, count);
      if (this.cutNextReused && count > 1 && req.url === '/mcp') {
        this.cutNextReused = false;
        this.cuts++;
        req.socket.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const body = Buffer.concat(chunks);
        this.seen.push({ path: req.url!, headers: req.headers, body: body.toString('utf8') });
        if (this.barrier > 0 && body.includes('"tools/call"')) await this.hold();
        const { connection: _connection, ...headers } = req.headers;
        const upstream = httpRequest(this.target + req.url, { method: req.method, headers, agent: false }, (answer) => {
          // The server's connection: close (to this proxy, which opens one per request) is not the bridge's.
          const { connection: _close, 'keep-alive': _keepAlive, ...answerHeaders } = answer.headers;
          res.writeHead(answer.statusCode!, answerHeaders);
          answer.pipe(res);
        });
        upstream.on('error', () => res.destroy());
        upstream.end(body);
      });
    });
  }

  static async start(target: string): Promise<Proxy> {
    const proxy = new Proxy(target);
    await new Promise<void>((resolve) => proxy.http.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  /** Waits until `barrier` tool calls are held, then lets them all go (after 10 s anyway, noting it). */
  private hold(): Promise<void> {
    return new Promise((resolve) => {
      this.held.push(resolve);
      const releaseAll = () => {
        this.barrier = 0;
        for (const release of this.held.splice(0)) release();
      };
      if (this.held.length >= this.barrier) releaseAll();
      else if (this.held.length === 1)
        setTimeout(() => {
          if (this.held.length === 0) return;
          this.barrierTimedOut = true;
          releaseAll();
        }, 10_000).unref();
    });
  }

  close(): Promise<void> {
    this.http.closeAllConnections();
    return new Promise((resolve) => this.http.close(() => resolve()));
  }
}

describe('the relay answers each request as the server does', () => {
  it('sends parallel calls at once, answers each under its own id, and sends the negotiated protocol version', async () => {
    const proxy = await Proxy.start(server.url);
    const client = await connectStdio({ url: proxy.url, home: server.home }, as(s, s.orchestrator));
    try {
      const titles = Array.from({ length: 8 }, (_, i) => `parallel ${i}`);
      // The proxy lets none of them through before all 8 are waiting: a bridge that relayed one at a time would stall.
      proxy.barrier = titles.length;
      const created = await Promise.all(titles.map((title) => ok(client, 'task_create', { title })));
      expect(proxy.barrierTimedOut).toBe(false);
      expect(created.map((t) => t.title)).toEqual(titles);
      for (const task of created) expect(server.svc.tasks.get(task.id).title).toBe(task.title);
      // And reads in parallel, each answered with its own task.
      const read = await Promise.all(created.map((t) => ok(client, 'task_get', { taskId: t.id })));
      expect(read.map((t) => t.id)).toEqual(created.map((t) => t.id));

      const posts = proxy.seen.filter((r) => r.path === '/mcp');
      expect(JSON.parse(posts[0]!.body).method).toBe('initialize');
      expect(posts[0]!.headers['mcp-protocol-version']).toBeUndefined();
      for (const later of posts.slice(1)) expect(later.headers['mcp-protocol-version']).toBe(LATEST_PROTOCOL_VERSION);
      for (const post of posts) {
        expect(post.headers.accept).toBe('application/json, text/event-stream');
        expect(post.headers.authorization).toBe(`Bearer ${s.tokens[s.orchestrator.id]}`);
      }
    } finally {
      await client.close();
      await proxy.close();
    }
  });

  it("shows each session its own role's tools, as the server decides for its credential", async () => {
    const worker = await connectStdio(server, as(s, s.worker));
    const orchestrator = await connectStdio(server, as(s, s.orchestrator));
    const owner = await connectStdio(server);
    try {
      const names = async (client: Client) => (await client.listTools()).tools.map((t) => t.name).sort();
      expect(await names(worker)).toEqual(operationsForRole('worker').map((o) => o.tool).sort());
      expect(await names(orchestrator)).toEqual(operationsForRole('orchestrator').map((o) => o.tool).sort());
      expect(await names(owner)).toEqual(operationsForRole('user').map((o) => o.tool).sort());
      expect(await names(worker)).not.toEqual(await names(orchestrator));
    } finally {
      await Promise.all([worker.close(), orchestrator.close(), owner.close()]);
    }
  });

  it('delivers a 1000-task page whole, also while other answers are written', async () => {
    const own = await startTestServer();
    try {
      const big = await seed(own.svc, own.home, 'big');
      const description = 'a description long enough to make the page a few hundred kilobytes. '.repeat(4);
      for (let i = 0; i < 1000 - 2; i++) own.svc.tasks.create({ projectId: big.projectId, title: `task ${i}`, description });
      const client = await connectStdio(own, as(big, big.orchestrator));
      try {
        const [pageA, me, pageB] = await Promise.all([
          ok(client, 'task_list', { limit: 1000 }),
          ok(client, 'whoami'),
          ok(client, 'task_list', { limit: 1000 }),
        ]);
        expect(me.session.id).toBe(big.orchestrator.id);
        const expected = own.svc.tasks.list({ projectId: big.projectId }).map((t) => t.id);
        expect(expected).toHaveLength(1000);
        for (const page of [pageA, pageB]) {
          expect(page.tasks.map((t: { id: string }) => t.id)).toEqual(expected);
          expect(page.tasks[999].description).toBe(description);
          expect(page.nextCursor).toBeNull();
        }
      } finally {
        await client.close();
      }
    } finally {
      await own.dispose();
    }
  });

  it('relays a batch as a batch, answered with an array even for one request', async () => {
    const bridge = new RawBridge(mcpEnv(server, { MAESTRO_SESSION_ID: s.worker.id, MAESTRO_SESSION_TOKEN: s.tokens[s.worker.id]! }));
    try {
      bridge.send(initialize(1));
      await bridge.answer(1);
      bridge.send([toolsCall('a', 'whoami'), { jsonrpc: '2.0', id: 'b', method: 'ping' }, { jsonrpc: '2.0', method: 'notifications/initialized' }]);
      const both = await bridge.batchAnswer('a');
      expect(both.map((m) => m.id).sort()).toEqual(['a', 'b']);
      expect(both.find((m) => m.id === 'a').result.structuredContent.session.id).toBe(s.worker.id);
      bridge.send([toolsCall('single', 'whoami')]);
      const one = await bridge.batchAnswer('single');
      expect(one).toHaveLength(1);
    } finally {
      expect(await bridge.end()).toBe(0);
    }
  });
});

describe('the relay when things go wrong', () => {
  it('answers at once while the server is gone (killed), for every request, and keeps serving', async () => {
    const srv = await startServeProcess();
    let client: Client | undefined;
    try {
      client = await connectStdio({ url: srv.url, home: srv.home });
      expect((await ok(client, 'whoami')).kind).toBe('user');
      const exited = new Promise((r) => srv.child.once('exit', r));
      srv.child.kill('SIGKILL');
      await exited;
      // A tool call fails as a tool call (isError, what an agent reads as the tool's outcome) ...
      const outcomes = await Promise.all([callTool(client, 'task_list'), callTool(client, 'whoami')]);
      for (const down of outcomes) {
        expect(down.isError).toBe(true);
        expect(down.text).toMatch(/^unavailable: cannot reach the Maestro server at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
        expect(down.structured.error.code).toBe('unavailable');
      }
      // ... any other request with a JSON-RPC error saying the same.
      await expect(client.listTools()).rejects.toMatchObject({ code: -32603, message: expect.stringMatching(/unavailable: cannot reach the Maestro server/) });
      // Still there: the next call is answered too.
      expect((await callTool(client, 'whoami')).isError).toBe(true);
    } finally {
      await client?.close();
      await srv.stop();
    }
  });

  it('sends a request again on a new connection when its kept-alive one was cut (a restart), running it once', async () => {
    const proxy = await Proxy.start(server.url);
    const client = await connectStdio({ url: proxy.url, home: server.home }, as(s, s.orchestrator));
    try {
      await ok(client, 'whoami');
      proxy.cutNextReused = true;
      const created = await ok(client, 'task_create', { title: 'sent twice, created once' });
      expect(proxy.cuts).toBe(1);
      expect(created.title).toBe('sent twice, created once');
      expect(server.svc.tasks.list({ projectId: s.projectId }).filter((t) => t.title === 'sent twice, created once')).toHaveLength(1);
    } finally {
      await client.close();
      await proxy.close();
    }
  });

  it('refuses the next call once the session token is revoked, with the server’s reason', async () => {
    const { session } = await server.svc.spawn({ projectId: s.projectId, taskIds: [], name: 'to-revoke' });
    const client = await connectStdio(server, { session, token: server.svc.sessions.token(session.id) });
    try {
      expect((await ok(client, 'whoami')).session.id).toBe(session.id);
      await server.svc.stopSession(session.id);
      const refused = await callTool(client, 'whoami');
      expect(refused.isError).toBe(true);
      expect(refused.text).toMatch(new RegExp(`^unauthorized: session ${session.id} has ended \\(stopped\\)`));
      expect(refused.structured.error).toMatchObject({ code: 'unauthorized', field: 'authorization' });
      await expect(client.listTools()).rejects.toMatchObject({ code: -32603, message: expect.stringMatching(/unauthorized: session \S+ has ended \(stopped\)/) });
    } finally {
      await client.close();
    }
  });

  it('answers a line that is not JSON with a parse error and goes on; writes nothing else but JSON-RPC on stdout', async () => {
    const bridge = new RawBridge(mcpEnv(server, { MAESTRO_LOG_LEVEL: 'trace', MAESTRO_SESSION_ID: s.worker.id, MAESTRO_SESSION_TOKEN: s.tokens[s.worker.id]! }));
    try {
      bridge.send(initialize(1));
      await bridge.answer(1);
      bridge.write('this is not JSON\n');
      // Split across writes, with a CRLF ending: one message all the same.
      const call = JSON.stringify(toolsCall(2, 'whoami'));
      bridge.write(call.slice(0, 20));
      await new Promise((r) => setTimeout(r, 50));
      bridge.write(`${call.slice(20)}\r\n`);
      // JSON, but no JSON-RPC message: the server's own refusal.
      bridge.write('{"hello":"world"}\n');
      bridge.send(toolsCall(3, 'report_progress', { message: 'after a bad line' }), { jsonrpc: '2.0', method: 'notifications/initialized' });
      expect((await bridge.answer(2)).result.structuredContent.session.id).toBe(s.worker.id);
      expect((await bridge.answer(3)).result.isError).toBeUndefined();
      expect(server.svc.sessions.lastReport(s.worker.id)?.message).toBe('after a bad line');
      const errors = await waitFor(() => {
        const found = bridge.lines.map((l) => JSON.parse(l)).filter((m) => m.id === null);
        return found.length === 2 ? found : undefined;
      });
      expect(errors.map((e) => e.error.code).sort()).toEqual([-32700, -32700]);
      expect(errors.some((e) => /not JSON/.test(e.error.message))).toBe(true);
      expect(bridge.running).toBe(true);
    } finally {
      expect(await bridge.end()).toBe(0);
    }
    // Five lines (answers 1, 2, 3 and two parse errors), every one JSON-RPC; the trace logs went to stderr.
    expect(bridge.lines.filter((l) => l !== '')).toHaveLength(5);
    for (const line of bridge.lines) expect(JSON.parse(line).jsonrpc).toBe('2.0');
    expect(bridge.stderr).toMatch(/"msg":"maestro mcp: a line on stdin is not JSON/);
  });

  it('answers the requests it read before stdin ended, then exits', async () => {
    const bridge = new RawBridge(mcpEnv(server, { MAESTRO_SESSION_ID: s.worker.id, MAESTRO_SESSION_TOKEN: s.tokens[s.worker.id]! }));
    bridge.send(initialize(1), toolsCall(2, 'whoami'));
    bridge.write(JSON.stringify(toolsCall(3, 'whoami'))); // the last line without a newline
    expect(await bridge.end()).toBe(0);
    expect(bridge.lines.map((l) => JSON.parse(l).id).sort()).toEqual([1, 2, 3]);
  });
});

describe('McpRelay on streams of its own', () => {
  it('stops reading requests while the client does not read its answers, and loses none', async () => {
    const input = new PassThrough();
    const lines: string[] = [];
    let reading = false;
    const held: Array<() => void> = [];
    // A client that reads nothing until told to: each write completes only then.
    const output = new Writable({
      highWaterMark: 16,
      write(chunk: Buffer, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        if (reading) done();
        else held.push(done);
      },
    });
    const client = new MaestroClient({ baseUrl: server.url, secret: readSecret(server.home)! });
    const relay = new McpRelay({ client, input, output, logger: createLogger('relay-test', 'silent') });
    const finished = relay.run();
    input.write(`${JSON.stringify(toolsCall(1, 'whoami'))}\n`);
    await waitFor(() => lines.length === 1 && input.isPaused(), 10_000, 'stdin paused behind the unread answer');
    input.write(`${JSON.stringify(toolsCall(2, 'task_create', { project: s.projectId, title: 'read after the client caught up' }))}\n`);
    input.end();
    reading = true;
    held.shift()!();
    await finished;
    expect(lines.map((l) => JSON.parse(l).id)).toEqual([1, 2]);
    expect(JSON.parse(lines[1]!).result.structuredContent.title).toBe('read after the client caught up');
  });
});

describe('LineReader', () => {
  const read = (maxBytes: number, chunks: string[]) => {
    const lines: string[] = [];
    const dropped: number[] = [];
    const reader = new LineReader(maxBytes);
    for (const chunk of chunks) reader.push(Buffer.from(chunk), (l) => lines.push(l), (n) => dropped.push(n));
    reader.end((l) => lines.push(l));
    return { lines, dropped };
  };

  it('splits lines across chunks, drops a trailing CR, and keeps a multi-byte character cut between chunks', () => {
    const bytes = Buffer.from('{"a":"é"}\n');
    const reader = new LineReader(100);
    const lines: string[] = [];
    reader.push(bytes.subarray(0, 7), (l) => lines.push(l), () => {});
    reader.push(bytes.subarray(7), (l) => lines.push(l), () => {});
    expect(lines).toEqual(['{"a":"é"}']);
    expect(read(100, ['one\r\ntw', 'o\n', '\nthree']).lines).toEqual(['one', 'two', '', 'three']);
  });

  it('skips a line longer than the limit, whole, and reads the next one', () => {
    const { lines, dropped } = read(10, ['short\n', 'x'.repeat(8), 'y'.repeat(8), 'z'.repeat(8), '\nafter\n', 'exactly 10\n', 'eleven byte\n']);
    expect(lines).toEqual(['short', 'after', 'exactly 10']);
    expect(dropped).toEqual([10, 10]);
  });
});
