/**
 * MCP against REST, side by side in one run (issue 13): the same read (`task_get` / GET /api/tasks/:id)
 * through the REST client, the MCP SDK client over Streamable HTTP, and the MCP SDK client over stdio
 * (`maestro mcp`, the bridge Claude Code starts), in alternating rounds so that a noisy machine weighs on
 * all three alike; then REST latency while 200 MCP callers keep the server busy (starvation).
 * scripts/bench.ts calls `benchMcp()`; `node dist/scripts/bench-mcp.js` runs it alone.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { startMaestro } from '../src/app.js';
import { MaestroClient } from '../src/http/client.js';
import { createLogger } from '../src/log/logger.js';
import { readSecret } from '../src/security/secret.js';
import { MAESTRO_BIN, percentile } from './bench-slow-clients.js';

const CALLS = Number(process.env.BENCH_MCP_CALLS ?? 400);
const ROUNDS = 3;
const BUSY_CALLERS = Number(process.env.BENCH_MCP_BUSY ?? 200);

async function latencies(count: number, call: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await call();
    out.push(performance.now() - t);
  }
  return out;
}

export async function benchMcp(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'maestro-bench-mcp-'));
  const server = await startMaestro({ home, port: 0, supervisor: false, logger: createLogger('bench', 'silent') });
  const svc = server.svc;
  const clients: Client[] = [];
  try {
    const project = svc.projects.create({ name: 'bench-mcp', workingDir: home });
    const task = svc.tasks.create({ projectId: project.id, title: 'read me' });
    const secret = readSecret(home)!;
    const rest = new MaestroClient({ baseUrl: server.url, secret });
    const headers = { authorization: `Bearer ${secret}` };
    const connectHttp = async () => {
      const c = new Client({ name: 'bench', version: '0' });
      await c.connect(new StreamableHTTPClientTransport(new URL('/mcp', server.url), { requestInit: { headers } }));
      clients.push(c);
      return c;
    };
    const http = await connectHttp();
    const stdio = new Client({ name: 'bench', version: '0' });
    await stdio.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [MAESTRO_BIN, 'mcp'],
        env: { ...getDefaultEnvironment(), MAESTRO_API_URL: server.url, MAESTRO_HOME: home, MAESTRO_LOG_LEVEL: 'warn' },
      }),
    );
    clients.push(stdio);
    const args = { name: 'task_get', arguments: { taskId: task.id } };
    const ways = {
      rest: () => rest.call('task.get', { taskId: task.id }),
      'mcp http': () => http.callTool(args),
      'mcp stdio': () => stdio.callTool(args),
    };
    for (const call of Object.values(ways)) await latencies(50, call); // warm up (first calls compile schemas)
    const samples: Record<string, number[]> = { rest: [], 'mcp http': [], 'mcp stdio': [] };
    for (let round = 0; round < ROUNDS; round++)
      for (const [way, call] of Object.entries(ways)) samples[way]!.push(...(await latencies(CALLS, call)));
    const p50 = (way: string) => percentile(samples[way]!, 0.5);
    console.log(`mcp vs rest: the same read, ${ROUNDS} alternating rounds of ${CALLS} calls each, sequential`);
    for (const way of Object.keys(ways))
      console.log(
        `  ${way.padEnd(10)} p50 ${p50(way).toFixed(2)} ms  p99 ${percentile(samples[way]!, 0.99).toFixed(2)} ms  ${(p50(way) / p50('rest')).toFixed(2)}x rest (target <= 1.5x)`,
      );

    // Starvation: REST calls while BUSY_CALLERS MCP callers (each its own HTTP client) call in a loop.
    const busy = await Promise.all(Array.from({ length: BUSY_CALLERS }, () => connectHttp()));
    let stop = false;
    let mcpCalls = 0;
    const load = busy.map(async (c) => {
      while (!stop) {
        await c.callTool(args);
        mcpCalls++;
      }
    });
    const started = performance.now();
    const underLoad = await latencies(200, ways.rest);
    const seconds = (performance.now() - started) / 1000;
    stop = true;
    await Promise.all(load);
    console.log(
      `  rest while ${BUSY_CALLERS} mcp callers are busy: p50 ${percentile(underLoad, 0.5).toFixed(1)} ms  p99 ${percentile(underLoad, 0.99).toFixed(1)} ms (target p99 < 100 ms); ${(mcpCalls / seconds).toFixed(0)} mcp calls/s meanwhile`,
    );
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await server.close();
    rmSync(home, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchMcp();
