/**
 * What `maestro hook <event>` costs the agent: Claude Code waits for it on every tool call. Wall time from
 * spawn to exit of `maestro hook PreToolUse` with a realistic payload, against a local HTTP server that
 * answers 200 and against a server that is down (the spool path), next to `node -e 0` and `maestro --version`
 * (what loading the whole CLI costs, which the hook avoids) in the same run.
 * scripts/bench.ts calls `benchHook()`; `node dist/scripts/bench-hook.js` runs it alone.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { hookSpoolPath } from '../src/pty/hooks/contract.js';
import { MAESTRO_BIN, percentile } from './bench-slow-clients.js';

const RUNS = Number(process.env.BENCH_HOOK_RUNS ?? 40);
const SESSION = 'ses_benchhook01';

/** A PreToolUse as Claude Code sends it for an Edit (about 2.5 kB). */
const PAYLOAD = JSON.stringify({
  session_id: '5e7c1f0a-2b3c-4d5e-8f90-123456789abc',
  transcript_path: '/home/dev/.claude/projects/-work-app/5e7c1f0a-2b3c-4d5e-8f90-123456789abc.jsonl',
  cwd: '/work/app',
  permission_mode: 'default',
  hook_event_name: 'PreToolUse',
  tool_name: 'Edit',
  tool_input: {
    file_path: '/work/app/src/server/routes.ts',
    old_string: `  app.get('/api/items', async (req, res) => {\n${'    const rows = await db.all(sql);\n'.repeat(30)}  });`,
    new_string: `  app.get('/api/items', async (req, res) => {\n${'    const rows = await db.all(sql, params);\n'.repeat(30)}  });`,
  },
  tool_use_id: 'toolu_01XyZabcdEFGhijkLMNop',
});

/** Wall time of one child process, spawn to exit, with `input` on stdin. */
function timed(args: string[], env: NodeJS.ProcessEnv, input: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - start) : reject(new Error(`${args.join(' ')} exited ${code}`))));
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

/** Each command `RUNS` times, taking turns, so that a change in the machine's load hits all of them alike. */
async function interleaved(commands: { args: string[]; env: NodeJS.ProcessEnv; input?: string }[]): Promise<number[][]> {
  const times = commands.map(() => [] as number[]);
  for (let i = -2; i < RUNS; i++) // two rounds to warm the disk cache, not counted
    for (const [k, c] of commands.entries()) {
      const ms = await timed(c.args, c.env, c.input ?? '');
      if (i >= 0) times[k]!.push(ms);
    }
  return times;
}

async function closedPort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export async function benchHook(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'maestro-bench-hook-'));
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"accepted":1}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MAESTRO_')));
    const session = { ...clean, MAESTRO_HOME: home, MAESTRO_SESSION_ID: SESSION, MAESTRO_SESSION_TOKEN: 'bench-token' };
    const hook = [MAESTRO_BIN, 'hook', 'PreToolUse'];
    const [node, cli, up, down] = await interleaved([
      { args: ['-e', '0'], env: clean },
      { args: [MAESTRO_BIN, '--version'], env: clean },
      { args: hook, env: { ...session, MAESTRO_API_URL: `http://127.0.0.1:${(server.address() as { port: number }).port}` }, input: PAYLOAD },
      { args: hook, env: { ...session, MAESTRO_API_URL: `http://127.0.0.1:${await closedPort()}` }, input: PAYLOAD },
    ]);
    const spooled = readFileSync(hookSpoolPath(join(home, 'sessions', SESSION)), 'utf8').split('\n').filter(Boolean).length;

    const base = percentile(node, 0.5);
    const line = (label: string, times: number[], note = '') =>
      console.log(
        `${label.padEnd(44)} ${times.length.toString().padStart(6)} runs  p50 ${percentile(times, 0.5).toFixed(1).padStart(6)} ms  p95 ${percentile(times, 0.95).toFixed(1).padStart(6)} ms  ${(percentile(times, 0.5) / base).toFixed(2).padStart(5)}x node${note}`,
      );
    line('hook: node -e 0 (start-up baseline)', node);
    line('hook: maestro --version (whole CLI loaded)', cli);
    line('hook: maestro hook PreToolUse, server 200', up, `  (${received - 2} posts received)`);
    line('hook: maestro hook PreToolUse, server down', down, `  (${spooled - 2} spooled)`);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(home, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await benchHook();
