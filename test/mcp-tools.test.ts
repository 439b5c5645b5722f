/**
 * The MCP tools and resources, over both transports: Streamable HTTP at /mcp (bearer token) and stdio
 * (`maestro mcp` as a child process proxying to the server). The same scenarios run on each, so the two
 * cannot drift apart.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '../src/core/operations.js';
import { startTestServer, type TestServer } from './helpers.js';
import { as, callTool, connect, ok, seed, type Seed, type Transport } from './mcp-support.js';

const ORCHESTRATOR_ONLY = OPERATIONS.filter((o) => o.access === 'orchestrator').map((o) => o.tool);
const USER_ONLY = OPERATIONS.filter((o) => o.access === 'user').map((o) => o.tool);
const FOR_ANY = OPERATIONS.filter((o) => o.access === 'any').map((o) => o.tool);

describe.each<Transport>(['http', 'stdio'])('MCP over %s', (transport) => {
  let server: TestServer;
  let s: Seed;
  const clients: Client[] = [];
  let worker: Client;
  let orchestrator: Client;
  let otherWorker: Client;
  let user: Client;

  const open = async (who: Parameters<typeof connect>[2] = {}) => {
    const client = await connect(transport, server, who);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    server = await startTestServer();
    s = await seed(server.svc, server.home);
    [worker, orchestrator, otherWorker, user] = await Promise.all([
      open(as(s, s.worker)),
      open(as(s, s.orchestrator)),
      open(as(s, s.otherWorker)),
      open(),
    ]);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server?.dispose();
  });

  it('lists the tools of the caller role, with the operation schemas and descriptions', async () => {
    const names = async (c: Client) => (await c.listTools()).tools.map((t) => t.name).sort();
    const forWorker = await names(worker);
    const forOrchestrator = await names(orchestrator);
    const forUser = await names(user);

    expect(forWorker).toEqual([...FOR_ANY].sort());
    for (const tool of [...ORCHESTRATOR_ONLY, ...USER_ONLY]) expect(forWorker).not.toContain(tool);
    expect(forWorker).toEqual(expect.arrayContaining(['task_create', 'report_progress', 'queue_start', 'whoami', 'skill_get']));

    expect(forOrchestrator).toEqual([...FOR_ANY, ...ORCHESTRATOR_ONLY].sort());
    expect(forOrchestrator).toEqual(expect.arrayContaining(['session_spawn', 'session_list', 'queue_add']));
    for (const tool of USER_ONLY) expect(forOrchestrator).not.toContain(tool);

    expect(forUser).toEqual(OPERATIONS.map((o) => o.tool).sort());

    const tools = (await orchestrator.listTools()).tools;
    const create = tools.find((t) => t.name === 'task_create')!;
    const op = OPERATIONS.find((o) => o.tool === 'task_create')!;
    expect(create.title).toBe(op.title);
    expect(create.description).toBe(op.description);
    expect(create.inputSchema).toMatchObject({ type: 'object', required: ['title'], additionalProperties: false });
    expect(create.inputSchema.properties).toMatchObject({
      title: { type: 'string' },
      priority: { enum: ['low', 'medium', 'high', 'critical'] },
      dependencies: { type: 'array', items: { type: 'string' } },
    });
    // Results are typed too: an object outputSchema (the result or { error }), and arrays as { items }.
    expect(create.outputSchema).toMatchObject({ type: 'object', anyOf: [{ $ref: '#/$defs/Task' }, { required: ['error'] }] });
    expect(tools.find((t) => t.name === 'task_tree')!.outputSchema).toMatchObject({ anyOf: [{ required: ['items'] }, { required: ['error'] }] });
    expect(tools.find((t) => t.name === 'task_list')!.outputSchema).toMatchObject({ anyOf: [{ $ref: '#/$defs/TaskPage' }, { required: ['error'] }] });
    expect(create.annotations?.readOnlyHint).toBe(false);
    expect(tools.find((t) => t.name === 'task_list')!.annotations?.readOnlyHint).toBe(true);
  });

  it('tells each caller who it is', async () => {
    const me = await callTool(worker, 'whoami');
    expect(me.isError).toBe(false);
    expect(me.structured).toMatchObject({ kind: 'session', session: { id: s.worker.id, role: 'worker' } });
    expect(me.data.tasks.map((t: any) => t.id)).toEqual([s.a.id]);
    expect((await ok(orchestrator, 'whoami')).session.role).toBe('orchestrator');
    expect((await ok(user, 'whoami')).kind).toBe('user');
  });

  it('refuses orchestrator tools to a worker with an isError that says why', async () => {
    for (const [tool, args] of [
      ['session_spawn', { taskIds: [s.b.id] }],
      ['session_list', {}],
      ['queue_add', { sessionId: s.worker.id, taskIds: [s.b.id] }],
      ['session_send', { sessionId: s.worker.id, text: 'hello' }],
    ] as const) {
      const denied = await callTool(worker, tool, args);
      expect(denied.isError, tool).toBe(true);
      expect(denied.text).toMatch(new RegExp(`^forbidden: ${tool} is for orchestrator sessions; a worker session may not call it`));
    }
    const people = await callTool(orchestrator, 'project_create', { name: 'x', workingDir: server.home });
    expect(people.isError).toBe(true);
    expect(people.text).toMatch(/^forbidden: project_create is for people/);
    expect(server.svc.sessions.list({ projectId: s.projectId })).toHaveLength(3);
    expect(server.svc.projects.list()).toHaveLength(1);
  });

  it('answers an unknown tool with isError', async () => {
    const unknown = await callTool(worker, 'rm_rf', {});
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toMatch(/^not_found: there is no tool 'rm_rf'/);
  });

  it('lets a worker report on and complete only its own tasks', async () => {
    const report = await callTool(worker, 'report_progress', { message: 'peeking', taskId: s.b.id });
    expect(report.isError).toBe(true);
    expect(report.text).toMatch(/^forbidden: task \S+ is not assigned to you .*\(field: taskId\)$/);
    const complete = await callTool(worker, 'task_complete', { taskId: s.b.id });
    expect(complete.isError).toBe(true);
    expect(complete.text).toContain('not assigned to you');
    const update = await callTool(worker, 'task_update', { taskId: s.b.id, status: 'done' });
    expect(update.isError).toBe(true);
    const onBehalf = await callTool(worker, 'report_progress', { message: 'as w2', sessionId: s.otherWorker.id });
    expect(onBehalf.isError).toBe(true);
    expect(onBehalf.text).toMatch(/^forbidden: .*\(field: sessionId\)$/);
    expect(server.svc.tasks.get(s.b.id).status).toBe('todo');
    expect(server.svc.sessions.timeline(s.otherWorker.id).map((e) => e.kind)).toEqual(['spawned']);
  });

  it('moves task and session status with report_* and records them on the timeline', async () => {
    const task = () => server.svc.tasks.get(s.b.id).status;
    const session = () => server.svc.sessions.get(s.otherWorker.id).status;

    const progress = await ok(otherWorker, 'report_progress', { message: 'schema drafted' });
    expect(progress.task).toMatchObject({ id: s.b.id, status: 'in_progress' });
    expect([task(), session()]).toEqual(['in_progress', 'running']);

    await ok(otherWorker, 'report_blocked', { message: 'no database credentials' });
    expect([task(), session()]).toEqual(['blocked', 'blocked']);

    await ok(otherWorker, 'report_needs_input', { message: 'REST or GraphQL?' });
    expect([task(), session()]).toEqual(['needs_input', 'needs_input']);

    await ok(otherWorker, 'report_error', { message: 'flaky test' });
    expect([task(), session()]).toEqual(['needs_input', 'needs_input']);

    await ok(otherWorker, 'report_progress', { message: 'REST it is' });
    expect([task(), session()]).toEqual(['in_progress', 'running']);

    const done = await ok(otherWorker, 'report_complete', { message: 'API done' });
    expect(done.task.status).toBe('done');
    expect([task(), session()]).toEqual(['done', 'completed']);

    const info = await ok(orchestrator, 'session_info', { sessionId: s.otherWorker.id });
    expect(info.timeline.map((e: any) => e.kind)).toEqual(
      expect.arrayContaining(['spawned', 'progress', 'blocked', 'needs_input', 'error', 'complete']),
    );
    expect(info.lastReport).toMatchObject({ kind: 'complete', message: 'API done' });
  });

  it('lets an orchestrator create tasks, spawn workers on them and list its sessions', async () => {
    const parent = await ok(orchestrator, 'task_create', { title: 'Checkout', description: 'cart to payment', priority: 'high' });
    expect(parent).toMatchObject({ title: 'Checkout', status: 'todo', priority: 'high', projectId: s.projectId });
    const sub = await ok(orchestrator, 'task_create', { title: 'Payment form', parentId: parent.id });
    expect(sub.parentId).toBe(parent.id);

    const spawned = await callTool(orchestrator, 'session_spawn', { taskIds: [sub.id], name: 'payments', skills: [] });
    expect(spawned.isError).toBe(false);
    expect(spawned.structured.session).toMatchObject({
      role: 'worker',
      status: 'spawning',
      parentSessionId: s.orchestrator.id,
      taskIds: [sub.id],
      name: 'payments',
    });
    expect(server.svc.tasks.get(sub.id).assignee).toBe(spawned.structured.session.id);

    const mine = await ok(orchestrator, 'session_list', { parentSessionId: s.orchestrator.id });
    expect(mine.map((x: any) => x.name)).toEqual(expect.arrayContaining(['w1', 'w2', 'payments']));
    const tree = await ok(orchestrator, 'task_tree', {});
    const checkout = tree.find((n: any) => n.id === parent.id);
    expect(checkout.children.map((n: any) => n.title)).toEqual(['Payment form']);
  });

  it('runs a queue: start, skip, complete, status and list, honouring dependencies', async () => {
    const q1 = await ok(orchestrator, 'task_create', { title: 'Q1' });
    const q2 = await ok(orchestrator, 'task_create', { title: 'Q2' });
    const q3 = await ok(orchestrator, 'task_create', { title: 'Q3', dependencies: [q1.id] });
    const { session } = await ok(orchestrator, 'session_spawn', { taskIds: [q1.id, q2.id, q3.id], strategy: 'queue', name: 'queue' });
    const runner = await open({ session, token: server.svc.sessions.token(session.id) });

    const listed = await ok(runner, 'queue_list');
    expect(listed.map((i: any) => [i.title, i.state])).toEqual([
      ['Q1', 'queued'],
      ['Q2', 'queued'],
      ['Q3', 'queued'],
    ]);
    const title = (r: any) => r.item?.title ?? null;

    expect(title(await ok(runner, 'queue_start'))).toBe('Q1');
    expect(server.svc.tasks.get(q1.id).status).toBe('in_progress');
    const again = await ok(runner, 'queue_start');
    expect([title(again), again.alreadyStarted]).toEqual(['Q1', true]);

    const status = await ok(runner, 'queue_status');
    expect(status.current.title).toBe('Q1');
    expect(status.next.title).toBe('Q2');
    expect(status.counts).toMatchObject({ total: 3, queued: 2, inProgress: 1, done: 0, waiting: 1 });

    const skipped = await ok(runner, 'queue_skip', { reason: 'needs a design first' });
    expect(skipped).toMatchObject({ title: 'Q1', state: 'queued', skipCount: 1 });
    expect((await ok(runner, 'queue_list')).map((i: any) => i.title)).toEqual(['Q2', 'Q3', 'Q1']);

    expect(title(await ok(runner, 'queue_start'))).toBe('Q2');
    expect((await ok(runner, 'queue_complete', { summary: 'Q2 shipped' })).state).toBe('done');
    // Q3 waits on Q1, so Q1 comes next although it is behind Q3.
    expect(title(await ok(runner, 'queue_start'))).toBe('Q1');
    await ok(runner, 'queue_complete');
    expect(title(await ok(runner, 'queue_start'))).toBe('Q3');
    await ok(runner, 'queue_complete');
    const empty = await ok(runner, 'queue_start');
    expect(empty).toMatchObject({ item: null, reason: 'empty' });
    expect((await ok(runner, 'queue_status')).counts).toMatchObject({ total: 3, done: 3, queued: 0 });
    expect([q1, q2, q3].map((t) => server.svc.tasks.get(t.id).status)).toEqual(['done', 'done', 'done']);

    const noQueue = await callTool(runner, 'queue_complete');
    expect(noQueue.isError).toBe(true);
  });

  it('rejects a dependency cycle made with task_update, naming the cycle', async () => {
    const x = await ok(orchestrator, 'task_create', { title: 'X' });
    const y = await ok(orchestrator, 'task_create', { title: 'Y', dependencies: [x.id] });
    const z = await ok(orchestrator, 'task_create', { title: 'Z', dependencies: [y.id] });
    const cycle = await callTool(orchestrator, 'task_update', { taskId: x.id, dependencies: [z.id] });
    expect(cycle.isError).toBe(true);
    expect(cycle.text).toMatch(/^dependency_cycle: /);
    for (const id of [x.id, y.id, z.id]) expect(cycle.text).toContain(id);
    expect(cycle.text).toMatch(/\(field: dependencies\)$/);
    expect(server.svc.tasks.get(x.id).dependencies).toEqual([]);

    const self = await callTool(orchestrator, 'task_update', { taskId: x.id, dependencies: [x.id] });
    expect(self.isError).toBe(true);
    expect(self.text).toMatch(/^dependency_cycle: .*cannot depend on itself/);
  });

  it('answers bad input of every kind with isError naming the field, storing nothing', async () => {
    const before = server.svc.tasks.list().length;
    const sessionsBefore = server.svc.sessions.list().length;
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['task_create', {}, 'title'], // missing
      ['task_create', { title: 42 }, 'title'], // wrong type
      ['task_create', { title: '   ' }, 'title'], // empty after trim
      ['task_create', { title: 'x', colour: 'red' }, 'colour'], // unknown key
      ['task_create', { title: 'x', priority: 'urgent' }, 'priority'], // bad enum
      ['task_create', { title: 'x', dependencies: 'tsk_1' }, 'dependencies'], // string for an array
      ['task_create', { title: 'x', dependencies: [7] }, 'dependencies.0'], // wrong element type
      ['task_list', { status: ['todo', 'sleeping'] }, 'status.1'], // bad enum in an array
      ['task_list', { ready: 'yes' }, 'ready'], // string for a boolean
      ['session_info', { timelineLimit: '5' }, 'timelineLimit'], // string for a number
      ['session_info', { timelineLimit: 0 }, 'timelineLimit'], // out of range
      ['task_get', { taskId: 'tsk_missing' }, 'taskId'], // no such task
      ['session_spawn', { taskIds: [s.a.id], strategy: 'parallel' }, 'strategy'],
      ['session_spawn', { env: { 'BAD-NAME': 'x' } }, 'env.BAD-NAME'],
      ['session_send', { sessionId: s.worker.id, text: '   ' }, 'text'], // blank message
      ['session_send', { sessionId: s.worker.id, text: 'hi', waitMs: 600_000 }, 'waitMs'], // out of range
    ];
    for (const [tool, args, field] of cases) {
      const bad = await callTool(orchestrator, tool, args);
      const label = `${tool} ${JSON.stringify(args)}`;
      expect(bad.isError, label).toBe(true);
      expect(bad.text, label).toMatch(/^(invalid_input|not_found): /);
      expect(bad.text, label).toContain(field);
      expect(bad.text.endsWith(`(field: ${field})`), `${label}: ${bad.text}`).toBe(true);
    }
    expect(server.svc.tasks.list()).toHaveLength(before);
    expect(server.svc.sessions.list()).toHaveLength(sessionsBefore);
  });

  it('serves the session manifest and the project task tree as resources', async () => {
    const { resources } = await worker.listResources();
    expect(resources.map((r) => r.uri).sort()).toEqual(['maestro://project/tasks', 'maestro://session/manifest']);
    expect(resources.every((r) => r.mimeType === 'application/json')).toBe(true);

    const manifest = await worker.readResource({ uri: 'maestro://session/manifest' });
    const m = JSON.parse((manifest.contents[0] as { text: string }).text);
    expect(m.session).toMatchObject({ id: s.worker.id, role: 'worker' });
    expect(m.tasks.map((t: any) => t.id)).toEqual([s.a.id]);
    expect(m.server.mcpUrl).toBe(`${server.url}/mcp`);
    expect(JSON.stringify(m)).not.toContain(server.svc.sessions.token(s.worker.id));

    const tree = await orchestrator.readResource({ uri: 'maestro://project/tasks' });
    const nodes = JSON.parse((tree.contents[0] as { text: string }).text);
    expect(nodes.map((n: any) => n.id)).toEqual(expect.arrayContaining([s.a.id, s.b.id]));
    expect(nodes.every((n: any) => Array.isArray(n.children))).toBe(true);

    // A person has no session, hence no manifest; the task tree of the only project still reads.
    expect((await user.listResources()).resources.map((r) => r.uri)).toEqual(['maestro://project/tasks']);
    expect(JSON.parse(((await user.readResource({ uri: 'maestro://project/tasks' })).contents[0] as { text: string }).text).length).toBe(
      nodes.length,
    );
  });
});
