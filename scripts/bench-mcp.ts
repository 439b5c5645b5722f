/**
 * MCP against REST, side by side in one run (issue 13), against a real `maestro serve` child process, so
 * the server's CPU is its own and no client shares its event loop. The same read (`task_get` /
 * GET /api/tasks/:id) through REST (fetch, kept-alive connection, as the MCP HTTP client uses; and the
 * CLI's MaestroClient, a fresh connection per call), the MCP SDK client over Streamable HTTP, and the MCP
 * SDK client over stdio (`maestro mcp`, the bridge Claude Code starts), in alternating rounds so that a
 * noisy machine weighs on all alike. Plain POSTs (fetch, and node:http for both REST and MCP) tell the
 * server's share of an MCP call from the SDK client's. Then starvation: REST latency from this process while 200 MCP
 * callers (each its own SDK client, in a child process of their own) keep the server busy.
 * scripts/bench.ts calls `benchMcp()`; `node dist/scripts/bench-mcp.js` runs it alone.
 */
import type { McpFigures } from './bench-summary.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Agent, request as httpRequest } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MaestroClient } from '../src/http/client.js';
import { startLoadProcess, type LoadProcess } from './bench-load-process.js';
import { MAESTRO_BIN, percentile, startServeProcess } from './bench-slow-clients.js';

const CALLS = Number(process.env.BENCH_MCP_CALLS ?? 400);
const ROUNDS = 3;
const BUSY_CALLERS = Number(process.env.BENCH_MCP_BUSY ?? 200);
const PROBES = Number(process.env.BENCH_MCP_PROBES ?? 300);

async function latencies(count: number, call: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await call();
    out.push(performance.now() - t);
  }
  return out;
}

async function connectHttp(url: string, secret: string): Promise<Client> {
  const client = new Client({ name: 'bench', version: '0' });
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', url), { requestInit: { headers: { authorization: `Bearer ${secret}` } } }));
  return client;
}

const toolCall = (taskId: string) => ({ name: 'task_get', arguments: { taskId } });

async function callOk(client: Client, taskId: string): Promise<void> {
  const result = await client.callTool(toolCall(taskId));
  if (result.isError) throw new Error(`task_get failed: ${JSON.stringify(result.content)}`);
}

export async function benchMcp(): Promise<McpFigures> {
  const srv = await startServeProcess();
  const clients: Client[] = [];
  try {
    const workingDir = join(srv.home, 'work');
    mkdirSync(workingDir, { recursive: true });
    const rest = new MaestroClient({ baseUrl: srv.url, secret: srv.secret });
    await rest.call('project.create', { name: 'bench-mcp', workingDir });
    const task = await rest.call('task.create', { project: 'bench-mcp', title: 'read me' });
    const taskUrl = `${srv.url}/api/tasks/${task.id}`;
    const headers = { authorization: `Bearer ${srv.secret}` };
    const restKeepAlive = async () => {
      const res = await fetch(taskUrl, { headers });
      if (res.status !== 200) throw new Error(`GET ${taskUrl}: ${res.status}`);
      await res.json();
    };
    // The same two calls as plain fetch POSTs, to tell the server's share from the SDK client's.
    const post = async (path: string, body: unknown, extra: Record<string, string> = {}) => {
      const res = await fetch(srv.url + path, { method: 'POST', headers: { ...headers, 'content-type': 'application/json', ...extra }, body: JSON.stringify(body) });
      if (res.status !== 200) throw new Error(`POST ${path}: ${res.status}`);
      return res.json();
    };
    const mcpHeaders = { accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };
    const rawToolCall = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: toolCall(task.id) };
    // And both as node:http requests on one kept-alive connection: no fetch (undici streams a request body
    // through web streams, which costs a POST more than the server does).
    const agent = new Agent({ keepAlive: true });
    const viaNode = (method: string, path: string, body?: string, extra: Record<string, string> = {}) =>
      new Promise<void>((resolve, reject) => {
        const length: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
        const req = httpRequest(srv.url + path, { method, agent, headers: { ...headers, ...extra, ...length } }, (res) => {
          res.resume().on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${method} ${path}: ${res.statusCode}`))));
        });
        req.on('error', reject).end(body);
      });
    const rawToolCallText = JSON.stringify(rawToolCall);
    const http = await connectHttp(srv.url, srv.secret);
    clients.push(http);
    const stdio = new Client({ name: 'bench', version: '0' });
    await stdio.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [MAESTRO_BIN, 'mcp'],
        env: { ...getDefaultEnvironment(), MAESTRO_API_URL: srv.url, MAESTRO_HOME: srv.home, MAESTRO_LOG_LEVEL: 'warn' },
      }),
    );
    clients.push(stdio);
    const ways: Record<string, () => Promise<unknown>> = {
      rest: restKeepAlive,
      'rest (cli)': () => rest.call('task.get', { taskId: task.id }),
      'rest post': () => post('/api/ops/task.get', { taskId: task.id }),
      'mcp raw': async () => {
        const answer = (await post('/mcp', rawToolCall, mcpHeaders)) as { result?: { isError?: boolean } };
        if (!answer.result || answer.result.isError) throw new Error(`tools/call failed: ${JSON.stringify(answer)}`); // mcp node sends the same body
      },
      'rest node': () => viaNode('GET', `/api/tasks/${task.id}`),
      'mcp node': () => viaNode('POST', '/mcp', rawToolCallText, mcpHeaders),
      'mcp http': () => callOk(http, task.id),
      'mcp stdio': () => callOk(stdio, task.id),
    };
    for (const call of Object.values(ways)) await latencies(100, call); // warm up (first calls compile schemas, JIT)
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(ways).map((w) => [w, []]));
    for (let round = 0; round < ROUNDS; round++)
      for (const [way, call] of Object.entries(ways)) samples[way]!.push(...(await latencies(CALLS, call)));
    const p50 = (way: string) => percentile(samples[way]!, 0.5);
    console.log(`mcp vs rest (server in its own process): the same read, ${ROUNDS} alternating rounds of ${CALLS} calls each, sequential`);
    const notes: Record<string, string> = {
      rest: 'GET /api/tasks/:id, fetch, kept-alive connection: the baseline',
      'rest (cli)': 'the CLI client, a new connection per call',
      'rest post': 'POST /api/ops/task.get, fetch: a REST call with a body',
      'mcp raw': 'tools/call as a plain fetch POST: the server side of an MCP call',
      'rest node': 'GET /api/tasks/:id, node:http, kept-alive connection',
      'mcp node': 'tools/call, node:http, kept-alive connection: compare with rest node',
      'mcp http': 'the SDK client over Streamable HTTP; target <= 1.5x',
      'mcp stdio': 'the SDK client over stdio to `maestro mcp`; target <= 1.5x',
    };
    for (const way of Object.keys(ways))
      console.log(
        `  ${way.padEnd(11)} p50 ${p50(way).toFixed(2)} ms  p99 ${percentile(samples[way]!, 0.99).toFixed(2)} ms  ${(p50(way) / p50('rest')).toFixed(2)}x rest  (${notes[way]})`,
      );
    console.log(`  the server's own cost, same client both ways: mcp node / rest node = ${(p50('mcp node') / p50('rest node')).toFixed(2)}x`);
    agent.destroy();

    const figures: McpFigures = {
      httpRatio: p50('mcp http') / p50('rest'),
      stdioRatio: p50('mcp stdio') / p50('rest'),
      httpVsPostRatio: p50('mcp http') / p50('rest post'),
      serverRatio: p50('mcp node') / p50('rest node'),
      restP99BusyMs: Number.NaN,
    };
    const load = await startLoad(srv.url, srv.secret, task.id, BUSY_CALLERS);
    try {
      const started = performance.now();
      const underLoad = await latencies(PROBES, restKeepAlive);
      const seconds = (performance.now() - started) / 1000;
      const { calls, errors } = await load.stop();
      console.log(
        `  rest while ${BUSY_CALLERS} mcp callers are busy (another process): p50 ${percentile(underLoad, 0.5).toFixed(1)} ms  p99 ${percentile(underLoad, 0.99).toFixed(1)} ms  max ${Math.max(...underLoad).toFixed(1)} ms (target p99 < 100 ms); ${(calls / seconds).toFixed(0)} mcp calls/s meanwhile, ${errors} failed`,
      );
      figures.restP99BusyMs = percentile(underLoad, 0.99);
    } finally {
      load.kill();
    }
    return figures;
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await srv.stop();
  }
}

/** BUSY_CALLERS MCP clients calling in a loop, in a child process (this script, `--load`); resolves once all are connected. */
function startLoad(url: string, secret: string, taskId: string, callers: number): Promise<LoadProcess<{ calls: number; errors: number }>> {
  // --no-warnings: the SDK's HTTP client adds an abort listener per call to one signal and never removes
  // it, so each of these long-lived clients passes Node's 1500-listener warning; the leak is the client's.
  return startLoadProcess(
    ['--no-warnings', fileURLToPath(import.meta.url), '--load', url, taskId, String(callers)],
    { ...process.env, BENCH_MCP_SECRET: secret },
    'the MCP load process',
  );
}

/** The load process: connects, says "ready", calls until stdin says stop, then prints the counts. */
async function runLoad(url: string, taskId: string, callers: number): Promise<void> {
  const secret = process.env.BENCH_MCP_SECRET ?? '';
  const clients = await Promise.all(Array.from({ length: callers }, () => connectHttp(url, secret)));
  let stop = false;
  let calls = 0;
  let errors = 0;
  const loops = clients.map(async (c) => {
    while (!stop) {
      try {
        await callOk(c, taskId);
        calls++;
      } catch {
        errors++;
      }
    }
  });
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()).once('end', resolve));
  stop = true;
  const counted = { calls, errors };
  await Promise.all(loops);
  process.stdout.write(`${JSON.stringify(counted)}\n`);
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  process.exit(0);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv[2] === '--load') await runLoad(process.argv[3]!, process.argv[4]!, Number(process.argv[5]));
  else await benchMcp();
}
