/**
 * Many queue sessions draining one shared pool over REST, against a real server (issue 13's bench in small):
 * every session's queue holds every task of the pool, in the same order, and each session's client loops
 * queue_start -> queue_complete on a kept-alive connection of its own, all at once. Many claims land in the
 * same turn of the server's event loop, so in the same group-commit batch (src/core/group-commit.ts): each
 * must still see the claims before it. No task may be handed to two queues, none may be left, and every
 * queue must end `empty` with all of its items done (those finished by other queues swept).
 */
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerAuth, ownerApi, startTestServer, type TestServer } from './helpers.js';

const SESSIONS = 16;
const TASKS = 40;

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.dispose();
});

/** One agent's client: its own kept-alive connection, JSON in and out as the owner; any status but 200 throws. */
function agentClient(srv: TestServer): { call(path: string, body: unknown): Promise<any>; close(): void } {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const target = new URL(srv.url);
  const headers = { ...ownerAuth(srv.home), 'content-type': 'application/json' };
  return {
    call: (path, body) =>
      new Promise((resolve, reject) => {
        const req = request({ host: target.hostname, port: target.port, method: 'POST', path, agent, headers }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('error', reject);
          res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`${path}: ${res.statusCode} ${text}`))));
        });
        req.on('error', reject);
        req.end(JSON.stringify(body));
      }),
    close: () => agent.destroy(),
  };
}

async function pool(project: string, tasks: number, sessions: number): Promise<{ taskIds: string[]; sessionIds: string[] }> {
  expect((await ownerApi(server, 'POST', '/api/projects', { name: project, workingDir: server.home })).status).toBe(201);
  const taskIds: string[] = [];
  for (let i = 0; i < tasks; i++) taskIds.push((await ownerApi(server, 'POST', '/api/tasks', { project, title: `${project} task ${i}` })).body.id);
  const sessionIds: string[] = [];
  for (let i = 0; i < sessions; i++) {
    const spawned = await ownerApi(server, 'POST', '/api/sessions', { project, strategy: 'queue', name: `${project}-${i}`, taskIds });
    expect(spawned.status).toBe(201);
    sessionIds.push(spawned.body.session.id);
  }
  return { taskIds, sessionIds };
}

describe('a shared pool drained by many queue sessions at once over REST', () => {
  it('hands every task to exactly one queue, leaves none, and every queue ends empty with all its items done', async () => {
    const { taskIds, sessionIds } = await pool('shared', TASKS, SESSIONS);
    const claims: { taskId: string; sessionId: string }[] = [];
    const completions: string[] = [];
    const lastAnswers: string[] = [];
    await Promise.all(
      sessionIds.map(async (sessionId) => {
        const client = agentClient(server);
        try {
          for (;;) {
            const started = await client.call('/api/queue/start', { sessionId });
            if (!started.item) {
              if (started.reason === 'empty') break;
              expect(started.reason).toBe('waiting');
              await new Promise((r) => setTimeout(r, 5));
              continue;
            }
            expect(started.alreadyStarted).toBe(false); // each loop completes what it started
            claims.push({ taskId: started.item.taskId, sessionId });
            const done = await client.call('/api/queue/complete', { sessionId });
            expect(done).toMatchObject({ taskId: started.item.taskId, state: 'done' });
            completions.push(done.taskId);
          }
          lastAnswers.push('empty');
        } finally {
          client.close();
        }
      }),
    );

    // from the clients' answers: each task claimed and completed once, by some queue
    expect(claims).toHaveLength(TASKS);
    expect(new Set(claims.map((c) => c.taskId))).toEqual(new Set(taskIds));
    expect(completions.sort()).toEqual([...taskIds].sort());
    expect(lastAnswers).toHaveLength(SESSIONS);

    // from the database: one queue start and one queue_complete per task on the timelines, every task done
    const db = server.svc.db;
    const perTask = (action: string) =>
      db
        .prepare(
          `SELECT task_id AS taskId, COUNT(*) AS n FROM timeline WHERE json_extract(data_json, '$.action') = ? AND task_id IN (${taskIds.map(() => '?').join(',')}) GROUP BY task_id`,
        )
        .all(action, ...taskIds) as { taskId: string; n: number }[];
    for (const action of ['start', 'queue_complete']) {
      const rows = perTask(action);
      expect(rows).toHaveLength(TASKS);
      expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    }
    for (const id of taskIds) expect(server.svc.tasks.get(id)).toMatchObject({ status: 'done' });

    // every queue: nothing queued or current, every item done (its own completed, the others' swept)
    for (const sessionId of sessionIds) {
      const status = (await ownerApi(server, 'GET', `/api/queue/status?sessionId=${sessionId}`)).body;
      expect(status).toMatchObject({ current: null, next: null, counts: { total: TASKS, queued: 0, inProgress: 0, done: TASKS, waiting: 0 } });
    }
  });

  it('a queue whose only open item is current elsewhere waits, then ends empty with the item done once it completes there', async () => {
    const { taskIds, sessionIds } = await pool('held', 1, 2);
    const [holder, waiter] = sessionIds as [string, string];
    const start = (sessionId: string) => ownerApi(server, 'POST', '/api/queue/start', { sessionId });
    expect((await start(holder)).body).toMatchObject({ item: { taskId: taskIds[0] }, alreadyStarted: false });
    expect((await start(waiter)).body).toEqual({ item: null, alreadyStarted: false, reason: 'waiting' });
    expect((await start(waiter)).body).toEqual({ item: null, alreadyStarted: false, reason: 'waiting' });
    expect((await ownerApi(server, 'POST', '/api/queue/complete', { sessionId: holder })).status).toBe(200);
    expect((await start(waiter)).body).toEqual({ item: null, alreadyStarted: false, reason: 'empty' });
    const status = (await ownerApi(server, 'GET', `/api/queue/status?sessionId=${waiter}`)).body;
    expect(status.counts).toMatchObject({ total: 1, queued: 0, inProgress: 0, done: 1 });
  });
});
