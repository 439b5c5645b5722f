/**
 * No silent lost updates: entities carry a version, updates take ifVersion (REST: If-Match with the ETag),
 * and a stale write is refused with a conflict naming the current version. Against a real server.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MaestroError } from '../src/core/error-codec.js';
import type { Task } from '../src/core/types.js';
import { ownerAuth, startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
let auth: { authorization: string };

beforeAll(async () => {
  server = await startTestServer();
  auth = ownerAuth(server.home);
});
afterAll(async () => {
  await server?.dispose();
});

async function http(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(server.url + path, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, etag: res.headers.get('etag'), json: text ? JSON.parse(text) : null };
}

async function newTask(title: string): Promise<Task> {
  const name = `v-${Math.random().toString(36).slice(2, 10)}`;
  const dir = mkdtempSync(join(tmpdir(), 'maestro-versions-'));
  const project = await http('POST', '/api/projects', { name, workingDir: dir });
  expect(project.status).toBe(201);
  const task = await http('POST', '/api/tasks', { project: name, title });
  expect(task.status).toBe(201);
  return task.json as Task;
}

/** The classic read-edit-write client: reads the task, appends its line to the description, writes it back. */
async function appendLine(taskId: string, line: string, opts: { versioned: boolean }): Promise<{ attempts: number }> {
  for (let attempts = 1; attempts <= 500; attempts++) {
    const read = await http('GET', `/api/tasks/${taskId}`);
    const task = read.json as Task;
    const description = task.description ? `${task.description}\n${line}` : line;
    const headers: Record<string, string> = opts.versioned ? { 'if-match': read.etag! } : {};
    const write = await http('PATCH', `/api/tasks/${taskId}`, { description }, headers);
    if (write.status === 200) return { attempts };
    expect(write.status).toBe(409);
    expect(write.json.error.code).toBe('conflict');
    await new Promise((r) => setTimeout(r, Math.random() * 5 * attempts)); // back off, as a polite client does
  }
  throw new Error(`${line}: never got its write in`);
}

describe('entity versions', () => {
  it('start at 1, move on with every change, and travel as ETag', async () => {
    const task = await newTask('versioned');
    expect(task.version).toBe(1);
    const read = await http('GET', `/api/tasks/${task.id}`);
    expect(read.etag).toBe('"1"');
    const updated = await http('PATCH', `/api/tasks/${task.id}`, { priority: 'high' });
    expect(updated.json.version).toBe(2);
    expect(updated.etag).toBe('"2"');
    // any write moves it, including ones made by other operations (a report, completion)
    const done = await http('POST', `/api/tasks/${task.id}/complete`, {});
    expect(done.json.version).toBe(3);
    const project = await http('GET', `/api/projects/${task.projectId}`);
    expect(project.json.version).toBe(1);
    expect(project.etag).toBe('"1"');
  });

  it('refuses a stale ifVersion with a conflict naming the current version, and changes nothing', async () => {
    const task = await newTask('stale');
    await http('PATCH', `/api/tasks/${task.id}`, { title: 'moved on' });
    const stale = await http('PATCH', `/api/tasks/${task.id}`, { title: 'from an old read', ifVersion: 1 });
    expect(stale.status).toBe(409);
    expect(stale.json.error).toMatchObject({ code: 'conflict', field: 'ifVersion', current: 2 });
    expect(stale.json.error.message).toMatch(/version 2, not 1/);
    const wire = MaestroError.fromJSON(stale.json);
    expect([wire.code, wire.current]).toEqual(['conflict', 2]);
    expect((await http('GET', `/api/tasks/${task.id}`)).json).toMatchObject({ title: 'moved on', version: 2 });
    const fresh = await http('PATCH', `/api/tasks/${task.id}`, { title: 'from a fresh read', ifVersion: 2 });
    expect(fresh.json).toMatchObject({ title: 'from a fresh read', version: 3 });
  });

  it('takes If-Match as ifVersion; refuses a malformed one, a contradicting body, and routes that do not update', async () => {
    const task = await newTask('if-match');
    expect((await http('PATCH', `/api/tasks/${task.id}`, { priority: 'low' }, { 'if-match': '"7"' })).json.error).toMatchObject({ code: 'conflict', current: 1 });
    expect((await http('PATCH', `/api/tasks/${task.id}`, { priority: 'low' }, { 'if-match': 'W/"1"' })).status).toBe(200);
    expect((await http('PATCH', `/api/tasks/${task.id}`, { priority: 'high' }, { 'if-match': '*' })).status).toBe(200);
    const malformed = await http('PATCH', `/api/tasks/${task.id}`, { priority: 'high' }, { 'if-match': 'yesterday' });
    expect([malformed.status, malformed.json.error.field]).toEqual([400, 'If-Match']);
    const contradicting = await http('PATCH', `/api/tasks/${task.id}`, { priority: 'high', ifVersion: 3 }, { 'if-match': '"2"' });
    expect([contradicting.status, contradicting.json.error.field]).toEqual([400, 'ifVersion']);
    const notAnUpdate = await http('POST', `/api/tasks/${task.id}/complete`, {}, { 'if-match': '"3"' });
    expect([notAnUpdate.status, notAnUpdate.json.error.field]).toEqual([400, 'If-Match']);
    expect((await http('GET', `/api/tasks/${task.id}`)).json.status).toBe('todo');
  });

  it('projects: ifVersion on project update', async () => {
    const task = await newTask('project');
    const stale = await http('PATCH', `/api/projects/${task.projectId}`, { name: `p-${task.id}`, ifVersion: 5 });
    expect(stale.json.error).toMatchObject({ code: 'conflict', current: 1 });
    const ok = await http('PATCH', `/api/projects/${task.projectId}`, { name: `p-${task.id}` }, { 'if-match': '"1"' });
    expect(ok.json).toMatchObject({ name: `p-${task.id}`, version: 2 });
  });

  it('100 concurrent read-edit-write clients: without versions edits are lost; with If-Match every one survives', async () => {
    const writers = Array.from({ length: 100 }, (_, i) => `edit ${i}`);
    const blind = await newTask('blind');
    await Promise.all(writers.map((line) => appendLine(blind.id, line, { versioned: false })));
    const blindLines = (await http('GET', `/api/tasks/${blind.id}`)).json.description.split('\n').length;

    const careful = await newTask('careful');
    const runs = await Promise.all(writers.map((line) => appendLine(careful.id, line, { versioned: true })));
    const after = (await http('GET', `/api/tasks/${careful.id}`)).json as Task;
    const lines = after.description.split('\n');
    console.log(
      `read-edit-write, 100 concurrent clients: ${blindLines}/100 edits kept without versions; ` +
        `${new Set(lines).size}/100 with If-Match (${runs.reduce((n, r) => n + r.attempts, 0) - 100} conflicts retried)`,
    );
    expect(new Set(lines)).toEqual(new Set(writers));
    expect(lines).toHaveLength(100);
    expect(after.version).toBe(101);
    expect(blindLines).toBeLessThan(100); // what the versions are for: the blind writers lost edits
  }, 120_000);
});
