/**
 * Task import and export end to end (issue 13), through the built binary against a real server: JSONL and
 * JSON arrays (file and stdin), keys and an idempotent re-import (nothing updated, updatedAt untouched),
 * parent and dependsOn by key and by id, a bad row named by its line and field with nothing written, dry
 * runs, Taskmaster's tasks.json, the export -> import round trip into another project, cycles, --project,
 * and who may import: not an outsider (401), not a worker (403), an orchestrator only into its project.
 * Needs `npm run build`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MaestroEvent } from '../src/core/events.js';
import type { Task } from '../src/core/types.js';
import { CLEAN_ENV } from './cli-support.js';
import { BIN, ROOT, ownerApi, ownerAuth, requestJson, runCli, startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
let dir: string;
let seq = 0;
const events: MaestroEvent[] = [];

const env = () => ({ ...CLEAN_ENV, MAESTRO_HOME: server.home, MAESTRO_API_URL: server.url });
const cli = (args: string[], input?: string, extra: Record<string, string | undefined> = {}) => runCli(args, { ...env(), ...extra }, input);

/** A file in the test's directory with these lines. */
function file(lines: string[] | string, name = `rows-${++seq}.jsonl`): string {
  const path = join(dir, name);
  writeFileSync(path, Array.isArray(lines) ? `${lines.join('\n')}\n` : lines);
  return path;
}
const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r));

async function project(name: string): Promise<{ id: string; name: string }> {
  const workingDir = mkdtempSync(join(dir, `${name}-`));
  const r = await ownerApi(server, 'POST', '/api/projects', { name, workingDir });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}
const tasksOf = (p: { id: string }): Task[] => server.svc.tasks.list({ projectId: p.id });
const byKey = (p: { id: string }) => new Map(tasksOf(p).map((t) => [t.key, t]));

async function importOk(args: string[], input?: string): Promise<any> {
  const r = await cli(['task', 'import', ...args, '--json'], input);
  expect(r.code, r.stderr).toBe(0);
  return r.json();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'maestro-import-'));
  server = await startTestServer();
  server.svc.bus.subscribe((e) => events.push(e));
}, 30_000);

afterAll(async () => {
  await server?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('task import', () => {
  it('imports JSONL with keys, parents and dependencies by key and by id; a re-import changes nothing', async () => {
    const p = await project('jsonl');
    const existing = server.svc.tasks.create({ projectId: p.id, title: 'already there' });
    const rows = [
      { key: 'epic', title: 'Epic', description: 'the whole thing', priority: 'high' },
      { key: 'api', title: 'API', parent: 'epic', dependsOn: [existing.id] },
      { key: 'ui', title: 'UI', parent: 'epic', dependsOn: ['api'], until: 'merged' },
      { key: 'docs', title: 'Docs', status: 'done', dependsOn: ['ui', 'api'] },
      { title: 'no key: always a new task' },
    ];
    const path = file(['', ...jsonl(rows)]); // a blank first line: lines still count from the file's first
    const first = await importOk([path, '--project', p.name]);
    expect(first).toMatchObject({ projectId: p.id, dryRun: false, created: 5, updated: 0, unchanged: 0, total: 5, rowsOmitted: 0 });
    expect(first.rows.map((r: { line: number }) => r.line)).toEqual([2, 3, 4, 5, 6]);
    const k = byKey(p);
    expect(k.get('epic')).toMatchObject({ title: 'Epic', description: 'the whole thing', priority: 'high', status: 'todo', parentId: null });
    expect(k.get('api')).toMatchObject({ parentId: k.get('epic')!.id, dependencies: [existing.id], ready: false });
    expect(k.get('ui')).toMatchObject({ parentId: k.get('epic')!.id, dependencies: [k.get('api')!.id], mergedDependencies: [k.get('api')!.id] });
    expect(k.get('docs')).toMatchObject({ status: 'done', dependencies: [k.get('api')!.id, k.get('ui')!.id] });
    expect(k.get('docs')!.completedAt).not.toBeNull();
    expect(tasksOf(p)).toHaveLength(6);
    // A small import announces each task, as task create does.
    expect(events.filter((e) => e.type === 'task.created' && e.task.projectId === p.id)).toHaveLength(6);

    const before = tasksOf(p);
    const again = await importOk([path, '--project', p.name]);
    // The keyless row is a new task each time; every keyed one is left alone.
    expect(again).toMatchObject({ created: 1, updated: 0, unchanged: 4, total: 5 });
    const after = new Map(tasksOf(p).map((t) => [t.id, t]));
    for (const t of before) expect(after.get(t.id)).toEqual(t);

    const keyed = file(jsonl(rows.slice(0, 4)));
    expect(await importOk([keyed, '--project', p.name])).toMatchObject({ created: 0, updated: 0, unchanged: 4, total: 4 });

    // A changed row updates its task (and only it).
    const changed = file(jsonl([{ key: 'api', title: 'API v2', parent: 'epic', dependsOn: [] }, ...rows.slice(2, 4)]));
    const upd = await importOk([changed, '--project', p.name]);
    expect(upd).toMatchObject({ created: 0, updated: 1, unchanged: 2 });
    expect(byKey(p).get('api')).toMatchObject({ title: 'API v2', dependencies: [], version: 2, ready: true });

    const human = await cli(['task', 'import', keyed, '--project', p.name]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout.trim()).toBe('imported 4 tasks: 0 created, 1 updated, 3 unchanged');
    expect(human.stderr).toBe(''); // not a terminal: no progress
  });

  it('imports a JSON array from stdin, and says what a dry run would do without writing', async () => {
    const p = await project('array');
    const rows = [{ key: 'a', title: 'A' }, { key: 'b', title: 'B', parent: 'a' }];
    const dry = await importOk(['-', '--project', p.name, '--dry-run'], JSON.stringify(rows));
    expect(dry).toMatchObject({ dryRun: true, created: 2, updated: 0, unchanged: 0, total: 2 });
    expect(dry.rows).toEqual([
      { line: 1, key: 'a', id: null, action: 'created' },
      { line: 2, key: 'b', id: null, action: 'created' },
    ]);
    expect(tasksOf(p)).toHaveLength(0);
    const human = await cli(['task', 'import', '-', '--project', p.name, '--dry-run'], JSON.stringify(rows));
    expect(human.stdout.trim()).toBe('would import 2 tasks: 2 created, 0 updated, 0 unchanged (dry run: nothing written)');
    expect(tasksOf(p)).toHaveLength(0);

    expect(await importOk(['-', '--project', p.name], JSON.stringify(rows))).toMatchObject({ created: 2 });
    const k = byKey(p);
    expect(k.get('b')!.parentId).toBe(k.get('a')!.id);
    const dry2 = await importOk(['-', '--project', p.name, '--dry-run'], JSON.stringify([{ key: 'a', title: 'A!' }, { key: 'b', title: 'B' }]));
    expect(dry2).toMatchObject({ created: 0, updated: 1, unchanged: 1 });
    expect(byKey(p).get('a')!.title).toBe('A');
  });

  it('names a bad row by its line and field and writes nothing', async () => {
    const p = await project('bad');
    server.svc.tasks.create({ projectId: p.id, title: 'there before' });
    const good = Array.from({ length: 8 }, (_, i) => JSON.stringify({ key: `k${i + 1}`, title: `task ${i + 1}` }));
    const cases: Array<[string, string, RegExp]> = [
      [JSON.stringify({ key: 'k7', title: 'seven', priority: 'urgent' }), 'priority', /line 7, priority/],
      [JSON.stringify({ key: 'k7' }), 'title', /line 7, title: title is required/],
      [JSON.stringify({ key: 'k7', title: 'x', parent: 'nowhere' }), 'parent', /line 7, parent: unknown task 'nowhere'/],
      [JSON.stringify({ key: 'k7', title: 'x', dependsOn: ['k1', 'tsk_missing'] }), 'dependsOn', /line 7, dependsOn: unknown task 'tsk_missing'/],
      [JSON.stringify({ key: 'k1', title: 'again' }), 'key', /line 7, key: 'k1' is also the key of line 1/],
      [JSON.stringify({ key: 'k7', title: 'x', colour: 'red' }), 'colour', /line 7, colour: unknown field/],
      ['{"key": "k7", "title": ', 'text', /line 7: not valid JSON/],
    ];
    for (const [line7, field, message] of cases) {
      const lines = [...good];
      lines[6] = line7;
      const r = await cli(['task', 'import', file(lines), '--project', p.name, '--json']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.json().error).toMatchObject({ code: 'invalid_input', field });
      expect(r.json().error.message).toMatch(message);
      expect(r.stderr).toMatch(message);
      expect(tasksOf(p)).toHaveLength(1);
    }
    const missing = await cli(['task', 'import', join(dir, 'nope.jsonl'), '--project', p.name]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no such file');
  });

  it('rejects dependency cycles and parent loops, in the file and with existing tasks, naming a line', async () => {
    const p = await project('cycles');
    expect(await importOk(['-', '--project', p.name], jsonl([{ key: 'a', title: 'A' }, { key: 'b', title: 'B', dependsOn: ['a'] }]).join('\n'))).toMatchObject({ created: 2 });
    const inFile = await cli(['task', 'import', file(jsonl([{ key: 'x', title: 'X', dependsOn: ['z'] }, { key: 'y', title: 'Y', dependsOn: ['x'] }, { key: 'z', title: 'Z', dependsOn: ['y'] }])), '--project', p.name, '--json']);
    expect(inFile.code).toBe(1);
    expect(inFile.json().error).toMatchObject({ code: 'dependency_cycle', field: 'dependsOn' });
    expect(inFile.json().error.message).toMatch(/^line 1, dependsOn: dependency cycle: x -> z -> y -> x/);
    // With an existing task: a now depends on b, which depends on a.
    const withDb = await cli(['task', 'import', file(jsonl([{ key: 'a', title: 'A', dependsOn: ['b'] }])), '--project', p.name, '--json']);
    expect(withDb.json().error).toMatchObject({ code: 'dependency_cycle' });
    expect(withDb.json().error.message).toMatch(/line 1, dependsOn: dependency cycle: a -> b -> a/);
    const parents = await cli(['task', 'import', file(jsonl([{ key: 'p', title: 'P', parent: 'q' }, { key: 'q', title: 'Q', parent: 'p' }])), '--project', p.name, '--json']);
    expect(parents.json().error).toMatchObject({ code: 'invalid_input', field: 'parent' });
    expect(parents.json().error.message).toMatch(/line 1, parent: a task cannot be its own ancestor/);
    const self = await cli(['task', 'import', file(jsonl([{ key: 's', title: 'S', dependsOn: ['s'] }])), '--project', p.name, '--json']);
    expect(self.json().error.message).toBe('line 1, dependsOn: a task cannot depend on itself');
    expect(tasksOf(p)).toHaveLength(2);
  });

  it("imports Taskmaster's tasks.json: subtasks, dependencies, statuses, details; idempotent", async () => {
    const p = await project('taskmaster');
    const fixture = join(ROOT, 'test', 'fixtures', 'taskmaster', 'tasks.json');
    const r = await importOk([fixture, '--from', 'taskmaster', '--project', p.name]);
    expect(r).toMatchObject({ created: 8, updated: 0, unchanged: 0, total: 8 });
    const k = byKey(p);
    expect([...k.keys()].sort()).toEqual(['tm:1', 'tm:2', 'tm:2.1', 'tm:2.2', 'tm:2.3', 'tm:3', 'tm:4', 'tm:5']);
    const id = (key: string) => k.get(key)!.id;
    expect(k.get('tm:1')).toMatchObject({ title: 'Set up the project repository', status: 'done', priority: 'high' });
    expect(k.get('tm:1')!.description).toBe(
      'Create the repository, the package manifest and the CI workflow.\n\n## Details\n\nUse pnpm workspaces. Add lint, typecheck and test scripts. CI runs on every push.\n\n## Test strategy\n\nCI passes on an empty commit.',
    );
    expect(k.get('tm:2')).toMatchObject({ status: 'in_progress', dependencies: [id('tm:1')] });
    expect(k.get('tm:2.1')).toMatchObject({ parentId: id('tm:2'), status: 'done', priority: 'high' });
    expect(k.get('tm:2.2')).toMatchObject({ parentId: id('tm:2'), status: 'todo', dependencies: [id('tm:2.1')], ready: true });
    expect(k.get('tm:2.3')).toMatchObject({ status: 'needs_input', dependencies: [id('tm:2.1')] });
    expect(k.get('tm:3')).toMatchObject({ dependencies: [id('tm:2')], ready: false });
    expect(k.get('tm:4')).toMatchObject({ status: 'blocked', priority: 'low', dependencies: [id('tm:2'), id('tm:3')] });
    expect(k.get('tm:5')!.status).toBe('cancelled');
    expect(await importOk([fixture, '--from', 'taskmaster', '--project', p.name])).toMatchObject({ created: 0, updated: 0, unchanged: 8 });

    const bad = await cli(['task', 'import', file('{"tasks": [{"id": 1, "title": "x", "status": "sleeping"}]}', 'tm.json'), '--from', 'taskmaster', '--project', p.name, '--json']);
    expect(bad.code).toBe(2);
    expect(bad.json().error.message).toMatch(/^task 1, status: 'sleeping' is not a Taskmaster status/);
  });

  it('exports JSONL that imports back losslessly into another project', async () => {
    const a = await project('export-a');
    const b = await project('export-b');
    const root = server.svc.tasks.create({ projectId: a.id, title: 'Root', description: 'multi\nline "quoted"', priority: 'critical' });
    const dep = server.svc.tasks.create({ projectId: a.id, title: 'Dep' });
    const late = server.svc.tasks.create({ projectId: a.id, title: 'Late parent' });
    const child = server.svc.tasks.create({ projectId: a.id, title: 'Child', parentId: root.id, dependencies: [dep.id], until: 'merged' });
    server.svc.tasks.update(dep.id, { parentId: late.id }); // a parent created after its child: still written first
    server.svc.tasks.update(child.id, { status: 'blocked' });
    server.svc.tasks.setStatus(dep.id, 'done');
    await importOk(['-', '--project', a.name], JSON.stringify([{ key: 'keyed', title: 'Keyed', dependsOn: [child.id] }]));

    const exportA = await cli(['task', 'export', '--project', a.name]);
    expect(exportA.code, exportA.stderr).toBe(0);
    const lines = exportA.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(5);
    const at = (key: string) => lines.findIndex((l) => l.key === key);
    expect(at(late.id)).toBeLessThan(at(dep.id));
    expect(at(root.id)).toBeLessThan(at(child.id));
    expect(lines[at(child.id)]).toEqual({ key: child.id, title: 'Child', description: '', status: 'blocked', priority: 'medium', parent: root.id, dependsOn: [dep.id], until: 'merged' });
    expect(lines[at('keyed')]).toMatchObject({ key: 'keyed', dependsOn: [child.id], until: 'done' });

    expect(await importOk(['-', '--project', b.name], exportA.stdout)).toMatchObject({ created: 5, total: 5 });
    const exportB = await cli(['task', 'export', '--project', b.name]);
    expect(exportB.stdout).toBe(exportA.stdout);
    // Importing the export again, into either project, changes nothing.
    expect(await importOk(['-', '--project', b.name], exportA.stdout)).toMatchObject({ created: 0, updated: 0, unchanged: 5 });
    expect(await importOk(['-', '--project', a.name], exportA.stdout)).toMatchObject({ created: 0, updated: 0, unchanged: 5 });
    const kb = byKey(b);
    expect(kb.get(child.id)).toMatchObject({ parentId: kb.get(root.id)!.id, dependencies: [kb.get(dep.id)!.id], mergedDependencies: [kb.get(dep.id)!.id] });

    const done = await cli(['task', 'export', '--project', a.name, '--status', 'done']);
    expect(done.stdout.trim().split('\n').map((l) => JSON.parse(l).title)).toEqual(['Dep']);
    // Its parent is not in the file: not named, so the file imports anywhere, and back into A changes nothing.
    expect(JSON.parse(done.stdout).parent).toBeUndefined();
    expect(await importOk(['-', '--project', a.name], done.stdout)).toMatchObject({ unchanged: 1 });
    const c = await project('export-c');
    expect(await importOk(['-', '--project', c.name], done.stdout)).toMatchObject({ created: 1 });
    expect(tasksOf(c)[0]).toMatchObject({ key: dep.id, title: 'Dep', status: 'done', parentId: null });
    const http = await requestJson(`${server.url}/api/tasks/export?project=${a.name}`, 'GET', undefined, ownerAuth(server.home));
    expect(http.status).toBe(200);
    expect(http.type).toMatch(/^application\/x-ndjson/);
    expect(http.text).toBe(exportA.stdout);
  });

  it('streams an export to stdout: the whole of a 500-task project, and quietly only its head into `head`', async () => {
    const p = await project('export-stream');
    const rows = jsonl(Array.from({ length: 500 }, (_, i) => ({ key: `s${i}`, title: `streamed ${i}`, description: 'y'.repeat(2000) })));
    expect(await importOk(['-', '--project', p.name], rows.join('\n'))).toMatchObject({ created: 500 });
    const whole = await cli(['task', 'export', '--project', p.name]);
    expect(whole.code, whole.stderr).toBe(0);
    expect(whole.stdout.trim().split('\n').map((l) => JSON.parse(l).key)).toEqual(Array.from({ length: 500 }, (_, i) => `s${i}`));
    // The reader leaves after two lines (EPIPE in the CLI): exit 0, nothing on stderr.
    // (Not spawnSync: the server runs in this process and must go on answering.)
    const shell = spawn('bash', ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" task export --project ${p.name} | head -n 2`], {
      env: { ...process.env, MAESTRO_LOG_LEVEL: 'silent', ...env() },
    });
    const piped = { stdout: '', stderr: '', status: null as number | null };
    shell.stdout.on('data', (d) => (piped.stdout += d));
    shell.stderr.on('data', (d) => (piped.stderr += d));
    piped.status = await new Promise<number | null>((r) => shell.on('close', r));
    expect(piped.stderr).toBe('');
    expect(piped.status).toBe(0);
    expect(piped.stdout.trim().split('\n').map((l) => JSON.parse(l).key)).toEqual(['s0', 's1']);
  });

  it('announces a large import with one summary event', async () => {
    const p = await project('large');
    const from = events.length;
    const rows = Array.from({ length: 500 }, (_, i) => ({ key: `r${i}`, title: `row ${i}`, ...(i > 0 ? { dependsOn: [`r${i - 1}`] } : {}) }));
    expect(await importOk(['-', '--project', p.name], jsonl(rows).join('\n'))).toMatchObject({ created: 500, rowsOmitted: 0 });
    const mine = events.slice(from).filter((e) => ('projectId' in e && e.projectId === p.id) || ('task' in e && e.task.projectId === p.id));
    expect(mine).toEqual([expect.objectContaining({ type: 'tasks.imported', projectId: p.id, created: 500, updated: 0, unchanged: 0 })]);
    expect(server.svc.tasks.list({ projectId: p.id, ready: true }).map((t) => t.key)).toEqual(['r0']);
  });

  it('takes files larger than the 1 MB body limit from the owner only', async () => {
    const p = await project('big');
    const rows = jsonl(Array.from({ length: 3000 }, (_, i) => ({ key: `b${i}`, title: `big ${i}`, description: 'x'.repeat(1000) })));
    const path = file(rows);
    expect(await importOk([path, '--project', p.name])).toMatchObject({ created: 3000, total: 3000, rowsOmitted: 2000 });
    const r = await ownerApi(server, 'POST', '/api/sessions', { project: p.name, name: 'big-lead', role: 'orchestrator' });
    const lead = server.svc.sessionEnv(r.body.session.id);
    const asLead = await runCli(['task', 'import', path, '--json'], { ...CLEAN_ENV, ...lead });
    expect(asLead.json().error).toMatchObject({ code: 'invalid_input', message: 'the request body is too large' });
    expect(tasksOf(p)).toHaveLength(3000);
  });

  it('lets the owner and orchestrators import (into their own project only), not outsiders or workers', async () => {
    const p = await project('access');
    const other = await project('access-other');
    const rows = JSON.stringify([{ key: 'x', title: 'X' }]);
    const outsider = await requestJson(`${server.url}/api/tasks/import`, 'POST', { project: p.name, text: rows });
    expect(outsider.status).toBe(401);
    expect((await requestJson(`${server.url}/api/tasks/export?project=${p.name}`, 'GET')).status).toBe(401);
    const noSecret = await runCli(['task', 'import', '-', '--project', p.name], { ...CLEAN_ENV, MAESTRO_API_URL: server.url }, rows);
    expect(noSecret.code).toBe(1);
    expect(noSecret.stderr).toMatch(/error: .*/);

    const spawn = async (role: string) => {
      const r = await ownerApi(server, 'POST', '/api/sessions', { project: p.name, name: `${role}-1`, role });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return server.svc.sessionEnv(r.body.session.id);
    };
    const lead = await spawn('orchestrator');
    const worker = await spawn('worker');
    const asLead = await runCli(['task', 'import', '-', '--json'], { ...CLEAN_ENV, ...lead }, rows);
    expect(asLead.code, asLead.stderr).toBe(0);
    expect(asLead.json()).toMatchObject({ projectId: p.id, created: 1 });
    const elsewhere = await runCli(['task', 'import', '-', '--project', other.name, '--json'], { ...CLEAN_ENV, ...lead }, rows);
    expect(elsewhere.json().error).toMatchObject({ code: 'forbidden', field: 'project' });
    const asWorker = await runCli(['task', 'import', '-', '--json'], { ...CLEAN_ENV, ...worker }, rows);
    expect(asWorker.json().error.code).toBe('forbidden');
    // A session may export its own project only.
    const exported = await runCli(['task', 'export'], { ...CLEAN_ENV, ...worker });
    expect(exported.stdout).toContain('"key":"x"');
    const foreign = await runCli(['task', 'export', '--project', other.name], { ...CLEAN_ENV, ...worker });
    expect(foreign.code).toBe(1);
    expect(tasksOf(other)).toHaveLength(0);
  });
});

