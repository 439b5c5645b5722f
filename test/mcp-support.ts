/** Shared by the test/mcp-*.test.ts files: MCP clients over both transports and a seeded project. */
import { spawn } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { MaestroService } from '../src/core/service.js';
import type { Session, Task } from '../src/core/types.js';
import { readSecret } from '../src/security/secret.js';
import { afterAll, beforeAll } from 'vitest';
import { BIN, startTestServer, type TestServer } from './helpers.js';

/** Where a server listens and its home (the CLI and `maestro mcp` read the owner secret from there). */
export interface Where {
  url: string;
  home: string;
}

export type Transport = 'http' | 'stdio';

/** The command line of `maestro mcp` (the built binary, as Claude Code launches it). */
export const MCP_COMMAND = [BIN, 'mcp'];

/** A clean environment for `maestro mcp`: nothing inherited from a Maestro session the tests may run in. */
export function mcpEnv(where: Where, extra: Record<string, string> = {}): Record<string, string> {
  return { ...getDefaultEnvironment(), MAESTRO_API_URL: where.url, MAESTRO_HOME: where.home, MAESTRO_LOG_LEVEL: 'warn', ...extra };
}

export interface Identity {
  session?: Session;
  token?: string;
}

/** An MCP client at /mcp: as the session whose token is given, else as the owner (the home's secret). */
export async function connectHttp(where: Where, who: Identity = {}): Promise<Client> {
  const headers: Record<string, string> = { authorization: `Bearer ${who.token ?? readSecret(where.home)}` };
  const client = new Client({ name: 'maestro-test', version: '0.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', where.url), { requestInit: { headers } }));
  return client;
}

export async function connectStdio(where: Where, who: Identity = {}, extraEnv: Record<string, string> = {}): Promise<Client> {
  const identity: Record<string, string> = {};
  if (who.session) identity.MAESTRO_SESSION_ID = who.session.id;
  if (who.token) identity.MAESTRO_SESSION_TOKEN = who.token;
  const client = new Client({ name: 'maestro-test', version: '0.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: MCP_COMMAND,
      env: mcpEnv(where, { ...identity, ...extraEnv }),
      stderr: 'pipe',
    }),
  );
  return client;
}

export const connect = (transport: Transport, where: Where, who: Identity = {}) =>
  transport === 'http' ? connectHttp(where, who) : connectStdio(where, who);

export interface ToolOutcome {
  isError: boolean;
  text: string;
  /** The parsed JSON of a successful call. */
  data: any;
  structured: any;
}

export async function callTool(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolOutcome> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const first = result.content[0];
  const text = first && first.type === 'text' ? first.text : '';
  const isError = result.isError === true;
  return { isError, text, data: isError ? undefined : JSON.parse(text), structured: result.structuredContent };
}

/** Calls a tool that must succeed and returns its parsed result. */
export async function ok(client: Client, name: string, args: Record<string, unknown> = {}): Promise<any> {
  const outcome = await callTool(client, name, args);
  if (outcome.isError) throw new Error(`${name} failed: ${outcome.text}`);
  return outcome.data;
}

export interface Seed {
  projectId: string;
  a: Task;
  b: Task;
  orchestrator: Session;
  worker: Session;
  otherWorker: Session;
  tokens: Record<string, string>;
}

/** A project with tasks A and B, an orchestrator, a worker on A and another worker on B (no supervisor: sessions stay records). */
export async function seed(svc: MaestroService, workingDir: string, name = 'web'): Promise<Seed> {
  const project = svc.projects.create({ name, workingDir });
  const a = svc.tasks.create({ projectId: project.id, title: 'A: build the login form', description: 'email + password' });
  const b = svc.tasks.create({ projectId: project.id, title: 'B: write the API' });
  const orchestrator = (await svc.spawn({ projectId: project.id, taskIds: [], role: 'orchestrator', name: 'lead' })).session;
  const worker = (await svc.spawn({ projectId: project.id, taskIds: [a.id], parentSessionId: orchestrator.id, name: 'w1' })).session;
  const otherWorker = (await svc.spawn({ projectId: project.id, taskIds: [b.id], parentSessionId: orchestrator.id, name: 'w2' })).session;
  const tokens = Object.fromEntries([orchestrator, worker, otherWorker].map((s) => [s.id, svc.sessions.token(s.id)]));
  return { projectId: project.id, a, b, orchestrator, worker, otherWorker, tokens };
}

/**
 * A test file's server with the seed: started before its tests, disposed after them. `take` gets both
 * once they are there (the file keeps them in its own variables) and may set up more of its own.
 */
export function useSeededServer(take: (fixture: { server: TestServer; s: Seed }) => void | Promise<void>): void {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer();
    await take({ server, s: await seed(server.svc, server.home) });
  });
  afterAll(async () => {
    await server?.dispose();
  });
}

export const as = (s: Seed, session: Session): Identity => ({ session, token: s.tokens[session.id] ?? '' });

export interface RawRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `maestro <args>` (default `mcp`) with raw JSON-RPC messages on stdin; closes stdin once every
 * request is answered (or at once when there is none).
 */
export function runMcpRaw(env: Record<string, string>, messages: object[] = [], args: string[] = ['mcp']): Promise<RawRun> {
  const expected = messages.filter((m) => 'id' in m).length;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const answered = () => stdout.split('\n').filter((l) => l.includes('"id"')).length;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (answered() >= expected) child.stdin.end();
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.on('error', () => {}); // the process may exit (unreachable server) before reading stdin
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    for (const m of messages) child.stdin.write(`${JSON.stringify(m)}\n`);
    if (expected === 0) child.stdin.end();
  });
}
