/**
 * Shared by the test/security-*.test.ts files: raw HTTP and WebSocket probes that send exactly the
 * headers an attacker would (no client library adding or fixing anything), and a seeded world with
 * sessions of every kind and their credentials.
 *
 * Stable exports (other security test files import them):
 *   rawRequest(baseUrl, opts)        one HTTP request over node:http -> {status, headers, body, json}
 *   openWs(baseUrl, path, headers)   a WebSocket upgrade -> opened socket with its frames, or the refusal
 *   bearer(token)                    {authorization: 'Bearer <token>'}
 *   MCP_HEADERS, mcpRequest(...)     JSON-RPC bodies for POST /mcp (tools/list, tools/call)
 *   seedWorld(opts)                  SecurityWorld: server, owner secret, projects, tasks, sessions, tokens
 *   opInput(op, world)               an input the owner may run for each operation, aimed at world.sessions.target
 *   endpoints(world)                 every REST route, /api/ops/<tool>, the terminal routes and /mcp as requests
 *   stateOf(svc)                     the database's state as one string, to show a refused call changed nothing
 *   startServe(args, env)            `node bin/maestro.js serve …` as a child process
 *   deadPid()                        the pid of a process that has exited
 *   SH_CAT                           an agent command that just echoes what is typed (needs the supervisor)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import WebSocket from 'ws';
import { OPERATIONS, type OperationName } from '../src/core/operations.js';
import type { MaestroService } from '../src/core/service.js';
import type { Project, Session, Task } from '../src/core/types.js';
import { buildPath, ROUTES, toQuery } from '../src/http/routes.js';
import type { MaestroOptions } from '../src/app.js';
import { readSecret } from '../src/security/secret.js';
import { BIN, startTestServer, waitFor, type TestServer } from './helpers.js';
import { killTmuxServer } from './pty-support.js';

// ---- raw HTTP ---------------------------------------------------------------------------------------

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: any;
}

export interface RawRequestOptions {
  method?: string;
  /** Sent as is (not normalised or encoded): '/api/tasks/%ff' stays that. */
  path: string;
  headers?: Record<string, string | string[]>;
  /** A string or Buffer is sent as is; anything else as JSON with `Content-Type: application/json` (unless headers name another). */
  body?: unknown;
  timeoutMs?: number;
}

export function rawRequest(baseUrl: string, opts: RawRequestOptions): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const headers: Record<string, string | string[]> = { ...(opts.headers ?? {}) };
  let payload: string | Buffer | undefined;
  if (typeof opts.body === 'string' || Buffer.isBuffer(opts.body)) payload = opts.body;
  else if (opts.body !== undefined) {
    payload = JSON.stringify(opts.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method: opts.method ?? 'GET', path: opts.path, headers, timeout: opts.timeoutMs ?? 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          let json: any;
          try {
            json = JSON.parse(body);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${opts.method ?? 'GET'} ${opts.path}: no answer within ${opts.timeoutMs ?? 10_000} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

// ---- WebSocket ---------------------------------------------------------------------------------------

export type WsOutcome =
  | { opened: true; ws: WebSocket; frames: any[]; closed: Promise<{ code: number; reason: string }> }
  /** status 0: the connection failed without an HTTP answer (error holds why). */
  | { opened: false; status: number; headers: IncomingHttpHeaders; body: string; error?: string };

/** Attempts an upgrade; resolves once it is open (frames keep arriving into `frames`) or refused. */
export function openWs(baseUrl: string, path: string, headers: Record<string, string> = {}, timeoutMs = 5000): Promise<WsOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: WsOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const ws = new WebSocket(baseUrl.replace(/^http/, 'ws') + path, { headers });
    const frames: any[] = [];
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: String(reason) })));
    ws.on('message', (raw) => {
      try {
        frames.push(JSON.parse(String(raw)));
      } catch {
        frames.push(String(raw));
      }
    });
    ws.on('open', () => done({ opened: true, ws, frames, closed }));
    ws.on('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      const finish = () => {
        done({ opened: false, status: res.statusCode ?? 0, headers: res.headers, body });
        req.destroy();
      };
      res.on('end', finish);
      res.on('close', finish);
    });
    ws.on('error', (err) => done({ opened: false, status: 0, headers: {}, body: '', error: String(err) }));
    const timer = setTimeout(() => {
      done({ opened: false, status: 0, headers: {}, body: '', error: `no answer to the upgrade of ${path} within ${timeoutMs} ms` });
      ws.terminate();
    }, timeoutMs);
  });
}

// ---- MCP over HTTP -----------------------------------------------------------------------------------

/** Streamable HTTP wants both media types accepted. */
export const MCP_HEADERS = { accept: 'application/json, text/event-stream' };

export const mcpRequest = (method: 'tools/list' | 'tools/call', params?: Record<string, unknown>, id = 1) => ({
  jsonrpc: '2.0',
  id,
  method,
  ...(params ? { params } : {}),
});

// ---- the seeded world --------------------------------------------------------------------------------

/** Echoes typed keys back: a live terminal for input tests (custom commands run through sh). */
export const SH_CAT = "sh -c 'cat'";

export interface SecurityWorld {
  server: TestServer;
  url: string;
  home: string;
  svc: MaestroService;
  /** The owner secret ($MAESTRO_HOME/secret). */
  secret: string;
  /** The working directory of both projects. */
  workdir: string;
  project: Project;
  /** A second project: sessions of `project` must not see into it. */
  otherProject: Project;
  tasks: {
    /** assigned to `worker` */ a: Task;
    /** assigned to `otherWorker` */ b: Task;
    /** unassigned; the route matrix changes it */ free: Task;
    /** in `queue`'s queue */ q: Task;
    /** in otherProject */ foreign: Task;
  };
  sessions: {
    orchestrator: Session;
    /** spawned by `orchestrator`, works on task a */ worker: Session;
    /** spawned by `orchestrator`, works on task b */ otherWorker: Session;
    /** spawned by `orchestrator`, spare (a positive control may stop it) */ child: Session;
    /** spawned by the owner (no parent) */ loner: Session;
    /** spawned by `orchestrator`, strategy queue on task q */ queue: Session;
    /** the session every route of the matrix names (the owner's pass stops it) */ target: Session;
    /** in otherProject */ foreign: Session;
    /** spawned, then stopped */ stopped: Session;
  };
  /** Session tokens by the keys of `sessions`. */
  tokens: Record<keyof SecurityWorld['sessions'], string>;
  /** The global skill `matrix-skill` exists. */
  skill: string;
  dispose(): Promise<void>;
}

export interface SeedOptions extends MaestroOptions {
  /** Command each seeded agent runs when the supervisor is on (default SH_CAT). */
  seedAgentCommand?: string;
}

/** A real server (startMaestro on an ephemeral port) with everything above created through the service, as the owner. */
export async function seedWorld(opts: SeedOptions = {}): Promise<SecurityWorld> {
  const { seedAgentCommand = SH_CAT, ...serverOpts } = opts;
  const server = await startTestServer(serverOpts);
  const { svc, home } = server;
  const secret = readSecret(home);
  if (!secret) throw new Error(`no owner secret in ${home} after the server started`);
  const workdir = join(home, 'work');
  mkdirSync(workdir, { recursive: true });
  mkdirSync(join(home, 'skills'), { recursive: true });
  writeFileSync(join(home, 'skills', 'matrix-skill.md'), '---\ndescription: a skill the tests read\n---\nbody\n');
  const project = svc.projects.create({ name: 'sec', workingDir: workdir });
  const otherProject = svc.projects.create({ name: 'sec-other', workingDir: workdir });
  const task = (title: string, projectId = project.id) => svc.tasks.create({ projectId, title });
  const tasks = { a: task('A'), b: task('B'), free: task('free'), q: task('Q'), foreign: task('foreign', otherProject.id) };
  const agent = server.supervisor ? { agentCommand: seedAgentCommand } : {};
  const spawn = async (name: string, more: Partial<Parameters<MaestroService['spawn']>[0]> = {}) =>
    (await svc.spawn({ projectId: project.id, taskIds: [], name, ...agent, ...more })).session;
  const orchestrator = await spawn('lead', { role: 'orchestrator' });
  const parent = { parentSessionId: orchestrator.id };
  const sessions = {
    orchestrator,
    worker: await spawn('w1', { taskIds: [tasks.a.id], ...parent }),
    otherWorker: await spawn('w2', { taskIds: [tasks.b.id], ...parent }),
    child: await spawn('spare', parent),
    loner: await spawn('loner'),
    queue: await spawn('q', { strategy: 'queue', taskIds: [tasks.q.id], ...parent }),
    target: await spawn('target', parent),
    foreign: await spawn('foreign', { projectId: otherProject.id }),
    stopped: await spawn('stopped', parent),
  };
  sessions.stopped = await svc.stopSession(sessions.stopped.id);
  const tokens = Object.fromEntries(Object.entries(sessions).map(([k, s]) => [k, svc.sessions.token(s.id)])) as SecurityWorld['tokens'];
  return {
    server,
    url: server.url,
    home,
    svc,
    secret,
    workdir,
    project,
    otherProject,
    tasks,
    sessions,
    tokens,
    skill: 'matrix-skill',
    dispose: async () => {
      await server.close();
      if (server.supervisor) await killTmuxServer(home);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** An input of `op` that the owner may run, aimed at the world's matrix targets (target session, free task). */
export function opInput(op: OperationName, w: SecurityWorld): Record<string, unknown> {
  const project = w.project.id;
  const sessionId = w.sessions.target.id;
  const agent = w.server.supervisor ? { agentCommand: SH_CAT } : {};
  const inputs: Record<OperationName, Record<string, unknown>> = {
    'project.list': {},
    'project.create': { name: 'made-by-matrix', workingDir: w.workdir },
    'project.get': { project },
    'project.update': { project, workingDir: w.workdir },
    // the project project.create made just before (ROUTES and OPERATIONS both list create first)
    'project.delete': { project: 'made-by-matrix' },
    'task.list': { project },
    'task.create': { project, title: 'made by the matrix' },
    'task.tree': { project },
    'task.import': { project, rows: [{ key: 'matrix', title: 'imported by the matrix' }] },
    'task.get': { taskId: w.tasks.free.id },
    'task.update': { taskId: w.tasks.free.id, priority: 'high' },
    'task.complete': { taskId: w.tasks.free.id },
    'report.progress': { sessionId, message: 'matrix' },
    'report.complete': { sessionId, message: 'matrix' },
    'report.blocked': { sessionId, message: 'matrix' },
    'report.error': { sessionId, message: 'matrix' },
    'report.needs_input': { sessionId, message: 'matrix' },
    'queue.list': { sessionId: w.sessions.queue.id },
    'queue.status': { sessionId: w.sessions.queue.id },
    'queue.start': { sessionId: w.sessions.queue.id },
    'queue.complete': { sessionId: w.sessions.queue.id },
    'queue.skip': { sessionId: w.sessions.queue.id },
    'queue.add': { sessionId: w.sessions.queue.id, taskIds: [w.tasks.free.id] },
    'session.list': {},
    'session.spawn': { project, taskIds: [], name: 'made-by-matrix', ...agent },
    'session.info': { sessionId },
    'session.timeline': { sessionId },
    'session.stop': { sessionId },
    'session.send': { sessionId, text: 'matrix message', waitMs: 0 },
    'worktree.info': { sessionId },
    'session.diff': { sessionId },
    'session.files': { sessionId },
    'session.file': { sessionId, path: 'README.md' },
    'session.merge': { sessionId, dryRun: true },
    'session.cleanup': { sessionId },
    'merge_queue.add': { sessionIds: [sessionId] },
    'merge_queue.list': { project },
    'merge_queue.remove': { entryId: 'mq_matrix' },
    'template.list': {},
    'template.create': { name: 'matrix-tpl' },
    'template.get': { template: 'matrix-tpl' },
    'template.delete': { template: 'matrix-tpl' },
    'skill.list': { project },
    'skill.get': { name: w.skill, project },
    'manifest.get': { sessionId },
    'manifest.generate': { sessionId },
    whoami: {},
    status: {},
    // dispatch (issue 12): a dry run, so the matrix starts no workers
    'dispatch.start': { project, dryRun: true },
    'dispatch.stop': { project },
    'dispatch.status': { project },
    // notifications (issue 12)
    'notify.add': { url: 'http://127.0.0.1:9/matrix-hook', on: ['blocked'], project },
    'notify.list': {},
    'notify.remove': { webhookId: 'whk_matrix' },
    'notify.test': { webhookId: 'whk_matrix' },
    // messages (issue 12): the owner writes to the target, peeks at its inbox (nothing marked read)
    'message.send': { to: sessionId, subject: 'matrix', body: 'a matrix message' },
    'message.inbox': { sessionId },
    'message.ack': { messageId: 'msg_matrix' },
    'message.list': { project },
    // leases (issue 12)
    'lease.acquire': { paths: ['matrix/**'], sessionId },
    'lease.release': { sessionId },
    'lease.list': { project },
    'lease.check': { paths: ['matrix/a.ts'], project },
  };
  return inputs[op];
}

export interface Endpoint {
  /** e.g. 'PATCH /api/tasks/:taskId' or 'POST /api/ops/task_update' */
  label: string;
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** The operation it runs, when it runs one. */
  op?: OperationName;
}

/**
 * Every HTTP door that needs a credential: each REST route of ROUTES (params filled with real ids),
 * POST /api/ops/<tool> for each operation, the terminal routes (on the target session) and /mcp
 * (tools/list, and tools/call of task_create, a write).
 */
export function endpoints(w: SecurityWorld): Endpoint[] {
  const out: Endpoint[] = [];
  for (const route of ROUTES) {
    const { path, rest } = buildPath(route, opInput(route.op, w));
    const inQuery = route.method === 'GET' || route.method === 'DELETE';
    out.push({
      label: `${route.method} ${route.path}`,
      method: route.method,
      path: inQuery ? path + toQuery(rest) : path,
      body: inQuery ? undefined : rest,
      op: route.op,
    });
  }
  for (const op of OPERATIONS)
    out.push({ label: `POST /api/ops/${op.tool}`, method: 'POST', path: `/api/ops/${op.tool}`, body: opInput(op.name, w), op: op.name });
  const sid = w.sessions.target.id;
  out.push(
    { label: 'GET /api/sessions/:id/recording', method: 'GET', path: `/api/sessions/${sid}/recording` },
    { label: 'POST /api/sessions/:id/input', method: 'POST', path: `/api/sessions/${sid}/input`, body: { data: 'matrix-input\r' } },
    { label: 'GET /api/sessions/:id/screen', method: 'GET', path: `/api/sessions/${sid}/screen` },
    {
      label: 'POST /api/sessions/:id/hooks',
      method: 'POST',
      path: `/api/sessions/${sid}/hooks`,
      body: { events: [{ event: 'PreToolUse', payload: { tool_name: 'Bash', tool_input: { command: 'matrix' } }, firedAt: new Date().toISOString() }] },
    },
    { label: 'POST /mcp tools/list', method: 'POST', path: '/mcp', body: mcpRequest('tools/list'), headers: MCP_HEADERS },
    {
      label: 'POST /mcp tools/call task_create',
      method: 'POST',
      path: '/mcp',
      body: mcpRequest('tools/call', { name: 'task_create', arguments: { project: w.project.id, title: 'made over mcp' } }, 2),
      headers: MCP_HEADERS,
    },
  );
  return out;
}

/** Everything stored (projects, tasks, sessions, timelines, queues, templates) as one comparable string. */
export function stateOf(svc: MaestroService): string {
  const sessions = svc.sessions.list();
  return JSON.stringify({
    projects: svc.projects.list(),
    tasks: svc.tasks.list(),
    sessions,
    timelines: sessions.map((s) => svc.sessions.timeline(s.id, { limit: 10_000 })),
    queues: sessions.filter((s) => s.strategy === 'queue').map((s) => svc.queue.list(s.id)),
    templates: svc.templates.list(),
    leases: svc.projects.list().map((p) => svc.leases.list(p.id, { all: true })), // leases (issue 12)
  });
}

// ---- the real binary ---------------------------------------------------------------------------------

export interface ServeProcess {
  child: ChildProcess;
  out: { stdout: string; stderr: string };
  /** Exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** The URL it prints once listening (throws after timeoutMs, or when it exits first). */
  url(timeoutMs?: number): Promise<string>;
  /** SIGTERM, then SIGKILL after 5 s; resolves when it is gone. */
  stop(): Promise<void>;
}

/** `node bin/maestro.js serve <args>` with a clean MAESTRO_* environment plus `env` (build dist first). */
export function startServe(args: string[], env: Record<string, string>): ServeProcess {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MAESTRO_')));
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    env: { ...clean, MAESTRO_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d) => (out.stdout += d));
  child.stderr!.on('data', (d) => (out.stderr += d));
  let gone = false;
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      gone = true;
      resolve(code);
    }),
  );
  return {
    child,
    out,
    exited,
    url: (timeoutMs = 20_000) =>
      waitFor(
        () => {
          const url = /Maestro is running at (http:\/\/\S+)/.exec(out.stderr)?.[1];
          if (!url && gone) throw new Error(`maestro serve exited: ${out.stderr}`);
          return url;
        },
        timeoutMs,
        'maestro serve to print its URL',
      ),
    stop: async () => {
      if (gone) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A pid that no process has any more (a child that ran and exited). */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(String(r.stdout));
}
