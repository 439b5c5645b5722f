/**
 * Every MCP tool advertises an outputSchema and answers with structuredContent that satisfies it: checked
 * in-process (no build) with the real SDK Client over an in-memory transport, against a real
 * MaestroService on a temporary SQLite home. Each answer is checked three ways: by the SDK client itself
 * (callTool validates structuredContent against the listed outputSchema, error answers included), by
 * the operation's zod schema (safeParse, with nothing stripped), and by the text content still being
 * the bare result as JSON. The test fails if any listed tool was never called.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER, type Actor } from '../src/core/access.js';
import { executeOp, getOperation, OPERATIONS } from '../src/core/operations.js';
import { MaestroService } from '../src/core/service.js';
import type { MessageDelivery, Session } from '../src/core/types.js';
import { buildMcpServer, structuredShape, toolOutputZod, type McpRole } from '../src/mcp/server.js';
import { tempHome, waitFor } from './helpers.js';

interface Connected {
  client: Client;
  tools: Map<string, Tool>;
}

let home: string;
let svc: MaestroService;
const open: Client[] = [];
const called = new Set<string>();
const sent: Array<{ sessionId: string; text: string }> = [];
/** tools/list of the owner: every tool (a role's hidden tools are checked against these). */
let allTools: Map<string, Tool>;

async function connect(role: McpRole, actor: Actor): Promise<Connected> {
  const server = buildMcpServer({ role, dispatch: (name, input) => executeOp(svc, actor, name, input) });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'output-schema-test', version: '0.0.0' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  open.push(client);
  // listTools also makes the client compile and cache every tool's output validator.
  const tools = new Map((await client.listTools()).tools.map((t) => [t.name, t]));
  return { client, tools };
}

const AJV = new AjvJsonSchemaValidator();
const VALIDATORS = new Map<string, ReturnType<AjvJsonSchemaValidator['getValidator']>>();
const validatorFor = (tool: Tool) => {
  let v = VALIDATORS.get(tool.name);
  if (!v) VALIDATORS.set(tool.name, (v = AJV.getValidator(tool.outputSchema as Record<string, unknown>)));
  return v;
};

const asSession = (session: Session): Actor => ({ kind: 'session', session });

/** Calls a tool and checks its answer against the advertised outputSchema; returns the bare result. */
async function call(who: Connected, name: string, args: Record<string, unknown> = {}, expectError = false): Promise<any> {
  called.add(name);
  // A tool hidden from this role (called to see it refused) is checked against the owner's listing.
  const tool = who.tools.get(name) ?? (expectError ? allTools.get(name) : undefined);
  expect(tool, `${name} is listed`).toBeDefined();
  expect(tool!.outputSchema?.type, `${name} outputSchema`).toBe('object');
  // The SDK client validates structuredContent against tool.outputSchema here (it throws when it does not match).
  const result = (await who.client.callTool({ name, arguments: args })) as CallToolResult;
  const text = result.content[0]?.type === 'text' ? result.content[0].text : '';
  expect(result.isError === true, `${name}: ${text}`).toBe(expectError);
  expect(result.structuredContent, `${name} structuredContent`).toBeDefined();
  const sc = result.structuredContent!;

  // The same check with the operation's zod schema, and nothing stripped (no field the schema lacks).
  const op = getOperation(name)!;
  const parsed = toolOutputZod(op).safeParse(sc);
  expect(parsed.success, `${name}: ${parsed.success ? '' : parsed.error.message}`).toBe(true);
  expect(parsed.data, `${name}: fields the schema does not declare`).toEqual(sc);
  // And with the SDK's validator, compiled here from the listed schema.
  const check = validatorFor(tool!)(sc);
  expect(check.valid, `${name}: ${check.errorMessage}`).toBe(true);

  if (expectError) {
    expect(Object.keys(sc)).toEqual(['error']);
    return sc.error;
  }
  // The text is the bare result, as before; structuredContent wraps arrays and non-objects.
  const bare = JSON.parse(text);
  const shape = structuredShape(op);
  expect(shape === 'object' ? sc : shape === 'items' ? sc.items : sc.result).toEqual(bare);
  if (shape === 'items') expect(Array.isArray(sc.items)).toBe(true);
  return bare;
}

beforeAll(() => {
  home = tempHome();
  svc = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:9' });
  // No terminal: a stand-in supervisor that "starts" agents, stops them and confirms messages, as the core tests do.
  svc.launcher = {
    launch: async () => undefined,
    stop: async () => undefined,
    send: async (sessionId, text): Promise<MessageDelivery> => {
      sent.push({ sessionId, text });
      const at = new Date().toISOString();
      return { sessionId, delivery: 'confirmed', typedAt: at, confirmedAt: at };
    },
  };
});

afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  svc?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('MCP outputSchema and structuredContent', () => {
  it('every listed outputSchema is an object schema the SDK compiles, admitting results and errors', async () => {
    const user = await connect('user', USER);
    allTools = user.tools;
    expect([...user.tools.keys()].sort()).toEqual(OPERATIONS.map((o) => o.tool).sort());
    for (const tool of user.tools.values()) {
      expect(tool.outputSchema, tool.name).toMatchObject({ type: 'object' });
      expect(tool.outputSchema, tool.name).not.toHaveProperty('$schema');
      const validate = validatorFor(tool);
      expect(validate({ error: { code: 'not_found', message: 'gone', field: 'taskId' } }).valid, tool.name).toBe(true);
      expect(validate({ error: { code: 'nonsense', message: 'x' } }).valid, tool.name).toBe(false);
      expect(validate({ unexpected: true }).valid, tool.name).toBe(false);
    }
    // Arrays travel as { items }: the advertised form says so.
    const list = user.tools.get('task_tree')!.outputSchema as { anyOf: Array<Record<string, unknown>> };
    expect(list.anyOf[0]).toMatchObject({ type: 'object', properties: { items: { type: 'array' } }, required: ['items'] });
  });

  it('answers every tool, in a realistic flow, with structuredContent matching its outputSchema', async () => {
    const user = await connect('user', USER);
    const dir = join(home, 'alpha');
    mkdirSync(join(dir, '.maestro', 'skills'), { recursive: true });
    writeFileSync(join(svc.paths.skills, 'review.md'), '---\ndescription: How to review\n---\n# Review\nRead it twice.\n');
    writeFileSync(join(dir, '.maestro', 'skills', 'lint.md'), '# Lint\nRun the linter.\n');

    // ---- projects, skills, templates ----
    const project = await call(user, 'project_create', { name: 'alpha', workingDir: dir });
    expect(await call(user, 'project_list')).toHaveLength(1);
    expect((await call(user, 'project_get', { project: 'alpha' })).id).toBe(project.id);
    expect((await call(user, 'project_update', { project: project.id, name: 'alpha-1' })).name).toBe('alpha-1');
    expect((await call(user, 'skill_list', { project: project.id })).map((s: { name: string }) => s.name)).toEqual(['lint', 'review']);
    expect((await call(user, 'skill_get', { name: 'review', project: project.id })).content).toContain('Read it twice');
    const template = await call(user, 'template_create', {
      name: 'reviewer',
      role: 'worker',
      strategy: 'simple',
      skills: ['review'],
      agent: 'claude',
      description: 'reviews',
    });
    expect(await call(user, 'template_list')).toHaveLength(1);
    expect((await call(user, 'template_get', { template: 'reviewer' })).id).toBe(template.id);

    // ---- tasks with subtasks and dependencies ----
    const root = await call(user, 'task_create', { project: project.id, title: 'Feature', priority: 'high', description: 'the whole' });
    const sub1 = await call(user, 'task_create', { title: 'Parser', parentId: root.id });
    const sub2 = await call(user, 'task_create', { title: 'Grammar', parentId: root.id, dependencies: [sub1.id] });
    expect((await call(user, 'task_update', { taskId: sub2.id, priority: 'critical' })).priority).toBe('critical');
    expect((await call(user, 'task_get', { taskId: sub2.id })).dependencies).toEqual([sub1.id]);
    expect((await call(user, 'task_list', { project: project.id, ready: true })).tasks).toHaveLength(2);
    const tree = await call(user, 'task_tree', { project: project.id });
    expect(tree[0].children.map((c: { id: string }) => c.id)).toEqual([sub1.id, sub2.id]);
    const imported = await call(user, 'task_import', { project: project.id, rows: [{ key: 'i1', title: 'Imported', parent: root.id }], dryRun: true });
    expect(imported).toMatchObject({ dryRun: true, created: 1, total: 1 }); // a dry run: the counts below stay

    // ---- sessions: an orchestrator spawns a queue worker ----
    const lead = (await call(user, 'session_spawn', { project: project.id, role: 'orchestrator', taskIds: [root.id], name: 'lead' })).session;
    const orchestrator = await connect('orchestrator', asSession(svc.sessions.get(lead.id)));
    const sub3 = await call(orchestrator, 'task_create', { title: 'Docs', parentId: root.id });
    const spawned = await call(orchestrator, 'session_spawn', { strategy: 'queue', taskIds: [sub1.id, sub2.id], name: 'q' });
    const qid: string = spawned.session.id;
    expect(spawned.session.parentSessionId).toBe(lead.id);
    expect(await call(orchestrator, 'queue_add', { sessionId: qid, taskIds: [sub3.id] })).toHaveLength(3);
    const worker = await connect('worker', asSession(svc.sessions.get(qid)));

    // ---- leases (issue 12): the worker leases, the orchestrator is refused, checks and lists; released ----
    const leased = await call(worker, 'lease_acquire', { paths: ['src/**'], reason: 'parser' });
    expect(leased.leases[0]).toMatchObject({ pattern: 'src/**', exclusive: true, sessionId: qid });
    expect(await call(orchestrator, 'lease_acquire', { paths: ['src/a.ts'] }, true)).toMatchObject({ code: 'conflict', field: 'paths' });
    expect((await call(orchestrator, 'lease_check', { paths: ['src/a.ts'] })).conflicts[0].lease.sessionId).toBe(qid);
    expect((await call(user, 'lease_list', { project: project.id })).map((l: { id: string }) => l.id)).toEqual([leased.leases[0].id]);
    expect((await call(worker, 'lease_release')).released).toHaveLength(1);

    // ---- messages (issue 12): the worker writes to its orchestrator, which reads and acknowledges it ----
    const note = await call(worker, 'message_send', { to: 'orchestrator', subject: 'Parser plan', body: 'LL(1) first.', taskId: sub1.id });
    expect(note.recipients.map((r: { sessionId: string }) => r.sessionId)).toEqual([lead.id]);
    expect((await call(user, 'message_inbox', { sessionId: lead.id })).markedRead).toBe(false);
    expect((await call(orchestrator, 'message_inbox')).messages.map((m: { id: string }) => m.id)).toEqual([note.id]);
    expect((await call(orchestrator, 'message_ack', { messageId: note.id, note: 'ok' })).state).toBe('acknowledged');
    expect((await call(worker, 'message_list')).find((m: { id: string }) => m.id === note.id).state).toBe('acknowledged');
    expect(await call(worker, 'message_ack', { messageId: note.id }, true)).toMatchObject({ code: 'forbidden', field: 'messageId' });

    // ---- the queue worker: start, skip, complete, reports of every kind ----
    expect((await call(worker, 'whoami')).kind).toBe('session');
    expect((await call(worker, 'queue_start')).item.taskId).toBe(sub1.id);
    expect((await call(worker, 'queue_skip', { reason: 'later' })).skipCount).toBe(1);
    expect((await call(worker, 'queue_start')).item.taskId).toBe(sub3.id); // sub2 waits on sub1
    expect((await call(worker, 'queue_complete', { summary: 'docs written' })).state).toBe('done');
    expect((await call(worker, 'queue_start')).item.taskId).toBe(sub1.id);
    await call(worker, 'report_progress', { message: 'halfway' });
    await call(worker, 'report_needs_input', { message: 'LL or LR?' });
    await call(worker, 'report_blocked', { message: 'waiting for an answer' });
    await call(worker, 'report_error', { message: 'the build broke' });
    const done = await call(worker, 'report_complete', { message: 'parser done' });
    expect(done.task.status).toBe('done');
    const status = await call(worker, 'queue_status');
    expect(status.counts).toMatchObject({ total: 3, done: 2, queued: 1 });
    expect(await call(worker, 'queue_list')).toHaveLength(3);
    expect((await call(worker, 'queue_start')).item.taskId).toBe(sub2.id);
    await call(worker, 'queue_complete');
    const empty = await call(worker, 'queue_start');
    expect([empty.item, empty.reason]).toEqual([null, 'empty']);

    // ---- watching: info, timeline, manifest, status ----
    expect((await call(worker, 'session_info')).queue).toHaveLength(3);
    expect((await call(orchestrator, 'session_info', { sessionId: qid, timelineLimit: 5 })).timeline).toHaveLength(5);
    expect((await call(worker, 'session_timeline', { sessionId: qid, limit: 3 })).length).toBe(3);
    expect((await call(orchestrator, 'session_list')).map((s: { id: string }) => s.id)).toEqual([lead.id, qid]);
    expect((await call(worker, 'manifest_get')).session.id).toBe(qid);
    expect((await call(worker, 'manifest_generate')).manifestPath).toContain(qid);
    expect((await call(worker, 'status')).tasks.total).toBe(4);
    expect((await call(user, 'status')).projects).toBe(1);
    expect((await call(user, 'whoami')).kind).toBe('user');

    // ---- steering and stopping ----
    expect((await call(orchestrator, 'session_send', { sessionId: qid, text: 'LL, please' })).delivery).toBe('confirmed');
    expect(sent).toEqual([{ sessionId: qid, text: 'LL, please' }]);
    expect((await call(orchestrator, 'task_complete', { taskId: root.id, summary: 'all done' })).status).toBe('done');
    expect((await call(orchestrator, 'session_stop', { sessionId: qid })).status).toBe('stopped');
    await call(user, 'session_stop', { sessionId: lead.id });

    // ---- worktrees: a worker in a worktree of its own, its changes reviewed and merged, the merge queue ----
    for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['-c', 'user.name=T', '-c', 'user.email=t@localhost', 'commit', '-q', '-m', 'initial']])
      execFileSync('git', args, { cwd: dir });
    const wt = (await call(orchestrator, 'session_spawn', { worktree: true, name: 'wt' })).session;
    const wtWorker = await connect('worker', asSession(svc.sessions.get(wt.id)));
    const where = await call(wtWorker, 'worktree_info');
    expect(where).toMatchObject({ worktree: true, branch: 'maestro/wt', exists: true });
    writeFileSync(join(where.path, 'feature.txt'), 'new\n');
    expect((await call(wtWorker, 'session_diff')).files.map((f: { path: string }) => f.path)).toEqual(['feature.txt']);
    expect((await call(orchestrator, 'session_files', { sessionId: wt.id })).files).toContainEqual({ path: 'feature.txt', type: 'file', changed: true });
    expect((await call(wtWorker, 'session_file', { path: 'feature.txt' })).content).toBe('new\n');
    expect((await call(orchestrator, 'session_merge', { sessionId: wt.id, dryRun: true })).refusal).toBe('dirty_source');
    expect(await call(orchestrator, 'session_merge', { sessionId: wt.id, commit: true })).toMatchObject({ ok: true, into: 'main' });
    const [again] = await call(orchestrator, 'merge_queue_add', { sessionIds: [wt.id] });
    const failed = await waitFor(async () => (await call(wtWorker, 'merge_queue_list')).find((e: { id: string; status: string }) => e.id === again.id && e.status === 'failed'));
    expect(failed.reason).toContain('already');
    expect(await call(orchestrator, 'merge_queue_remove', { entryId: again.id }, true)).toMatchObject({ code: 'conflict', field: 'entryId' });
    await call(orchestrator, 'session_stop', { sessionId: wt.id });
    expect(await call(orchestrator, 'session_cleanup', { sessionId: wt.id })).toMatchObject({ removedWorktree: true, deletedBranch: true });

    // ---- notifications (issue 12): webhooks, a test delivery to a closed port ----
    const hook = await call(user, 'notify_add', { url: 'http://127.0.0.1:9/hook', on: ['needs_input', 'blocked'], project: project.id, format: 'ntfy' });
    expect(hook.secret).toMatch(/^[0-9a-f]{64}$/);
    expect((await call(user, 'notify_test', { webhookId: hook.id })).status).toBe('failed');
    expect((await call(user, 'notify_list')).find((h: { id: string }) => h.id === hook.id).lastDelivery.event).toBe('test');
    expect((await call(user, 'notify_remove', { webhookId: hook.id })).id).toBe(hook.id);

    // ---- dispatch (issue 12): the plan, status and stop (a dry run: no workers start here) ----
    const dispatchPlan = await call(orchestrator, 'dispatch_start', { dryRun: true });
    expect(dispatchPlan).toMatchObject({ project: project.id, status: null });
    expect(Array.isArray(dispatchPlan.plan.order)).toBe(true);
    expect((await call(worker, 'dispatch_status')).project).toBe(project.id);
    expect((await call(user, 'dispatch_stop', { project: project.id })).status).toBeNull();
    expect(await call(worker, 'dispatch_start', { dryRun: true }, true)).toMatchObject({ code: 'forbidden' });

    // ---- errors: structuredContent.error carries code and field ----
    const missing = await call(worker, 'task_get', { taskId: 'tsk_nope' }, true);
    expect(missing).toMatchObject({ code: 'not_found', field: 'taskId' });
    const bad = await call(user, 'task_create', { project: project.id, title: 'x', priority: 'urgent' }, true);
    expect(bad).toMatchObject({ code: 'invalid_input', field: 'priority' });
    const refused = await call(worker, 'queue_add', { sessionId: qid, taskIds: [sub1.id] }, true); // hidden tool, refused by access
    expect(refused.code).toBe('forbidden');

    // ---- clean-up operations last ----
    expect((await call(user, 'template_delete', { template: 'reviewer' })).id).toBe(template.id);
    expect(await call(user, 'project_delete', { project: project.id })).toMatchObject({ deletedTasks: 4, deletedSessions: 3 });

    // Every tool that tools/list offers was called at least once.
    const never = [...user.tools.keys()].filter((name) => !called.has(name));
    expect(never, 'tools never called').toEqual([]);
  });
});
