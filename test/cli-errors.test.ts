import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, tempHome, type TestServer } from './helpers.js';
import { cliFor, closedPort, ok, type Cli } from './cli-support.js';

/*
 * Bad input of every kind gets one `error: …` line on stderr (naming the CLI flag when it maps to one),
 * nothing on stdout and a documented exit code: 2 usage/invalid input, 1 refused/failed, 3 no server.
 */

let server: TestServer;
let dir: string;
const cli = cliFor(() => server.url, () => server.home);
const t: Record<string, string> = {};

/** The single stderr line of a failed command (and nothing on stdout). */
async function failure(run: ReturnType<Cli>, code: number): Promise<string> {
  const r = await run;
  expect(r.stdout).toBe('');
  expect(r.code, r.stderr).toBe(code);
  return r.stderr;
}

beforeAll(async () => {
  server = await startTestServer();
  dir = tempHome('maestro-cli-errors-');
  await ok(cli, ['project', 'create', 'errs', '--dir', dir]);
  t.a = (await ok(cli, ['task', 'create', 'A'])).id;
  t.b = (await ok(cli, ['task', 'create', 'B', '--depends-on', t.a])).id;
  t.c = (await ok(cli, ['task', 'create', 'C', '--depends-on', t.b])).id;
  t.other = (await ok(cli, ['task', 'create', 'Not yours'])).id;
  t.worker = (await ok(cli, ['session', 'spawn', '--task', t.a, '--name', 'w'])).session.id;
  t.worker2 = (await ok(cli, ['session', 'spawn', '--task', t.other, '--strategy', 'queue', '--name', 'w2'])).session.id;
});

afterAll(async () => {
  await server?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('usage errors (exit 2, commander messages)', () => {
  it.each([
    [['task', 'create'], "error: missing required argument 'title'"],
    [['task', 'get'], "error: missing required argument 'id'"],
    [['task', 'complete'], "error: missing required argument 'id'"],
    [['report', 'progress'], "error: missing required argument 'message'"],
    [['project', 'create'], "error: missing required argument 'name'"],
    [['bogus'], "error: unknown command 'bogus'"],
    [['task', 'list', '--bogus'], "error: unknown option '--bogus'"],
    [['task', 'create', 'x', '--priority'], "error: option '-p, --priority <priority>' argument missing"],
    [['session', 'spawn', '--env', 'NOEQUALS'], "error: option '--env <KEY=VALUE>' argument 'NOEQUALS' is invalid. expected KEY=VALUE."],
    [['serve', '--port', 'http'], "error: option '--port <port>' argument 'http' is invalid. expected a port number (0-65535)."],
  ])('maestro %j', async (args, message) => {
    const stderr = await failure(cli(args), 2);
    expect(stderr.split('\n')[0]).toBe(message);
  });

  it('shows help on --help and the version on --version, exit 0', async () => {
    const help = await cli(['task', 'create', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: maestro task create [options] <title>');
    expect(help.stdout).toContain('--depends-on <ids>');
    const top = await cli(['--help']);
    expect(top.stdout).toContain('Exit codes: 0 ok, 1 refused or failed, 2 usage error or invalid input, 3 server not reachable.');
    const version = await cli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe('invalid input (exit 2, the server\u2019s message plus the flag)', () => {
  it.each([
    [['task', 'create', 'x', '--priority', 'urgent'], /^error: invalid input: priority: .*"critical".* \(--priority\)$/],
    [['task', 'create', '   '], /^error: invalid input: title: title must not be empty \(<title>\)$/],
    [['task', 'list', '--status', 'todo,later'], /^error: invalid input: status\.1: .* \(--status\)$/],
    [['task', 'update', 'tsk_x', '--status', 'finished'], /^error: invalid input: status: .* \(--status\)$/],
    [['session', 'spawn', '--role', 'boss'], /^error: invalid input: role: .* \(--role\)$/],
    [['session', 'spawn', '--strategy', 'random'], /^error: invalid input: strategy: .* \(--strategy\)$/],
    [['session', 'spawn', '--env', '1X=y'], /^error: invalid input: env\.1X: .* \(--env\)$/],
    [['session', 'spawn', '--skill', 'no/slashes'], /^error: invalid input: skills\.0: skill names .* \(--skill\)$/],
    [['session', 'info', 'ses_x', '--limit', 'many'], /^error: invalid input: timelineLimit: .* \(--limit\)$/],
    [['template', 'create', 'bad name'], /^error: invalid input: name: template names .* \(<name>\)$/],
    [['project', 'create', 'a/b'], /^error: invalid input: name: name must not contain slashes .* \(<name>\)$/],
    [['report', 'progress', 'no session here'], /^error: sessionId is required \(or set MAESTRO_SESSION_ID\) \(--session\)$/],
    [['queue', 'status'], /^error: sessionId is required \(or set MAESTRO_SESSION_ID\) \(--session\)$/],
    [['session', 'info'], /^error: sessionId is required \(or set MAESTRO_SESSION_ID\) \(\[id\]\)$/],
  ])('maestro %j', async (args, pattern) => {
    const stderr = await failure(cli(args), 2);
    expect(stderr.trimEnd()).toMatch(pattern);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('refused operations (exit 1)', () => {
  it('unknown ids', async () => {
    expect(await failure(cli(['task', 'get', 'tsk_nope']), 1)).toBe("error: task 'tsk_nope' does not exist (<id>)\n");
    expect(await failure(cli(['task', 'update', 'tsk_nope', '--title', 'x']), 1)).toContain("task 'tsk_nope' does not exist");
    expect(await failure(cli(['task', 'complete', 'tsk_nope']), 1)).toContain("task 'tsk_nope' does not exist");
    expect(await failure(cli(['task', 'create', 'x', '--parent', 'tsk_nope']), 1)).toBe(
      "error: task 'tsk_nope' does not exist (--parent)\n",
    );
    expect(await failure(cli(['task', 'create', 'x', '--depends-on', `${t.a},tsk_nope`]), 1)).toMatch(/tsk_nope.*\(--depends-on\)\n$/);
    expect(await failure(cli(['task', 'tree', 'tsk_nope']), 1)).toBe("error: task 'tsk_nope' does not exist ([root])\n");
    expect(await failure(cli(['session', 'info', 'ses_nope']), 1)).toBe("error: session 'ses_nope' does not exist ([id])\n");
    expect(await failure(cli(['session', 'spawn', '--task', 'tsk_nope']), 1)).toMatch(/tsk_nope.*\(--task\)\n$/);
    expect(await failure(cli(['session', 'spawn', '--template', 'nope']), 1)).toMatch(/nope.*\(--template\)\n$/);
    expect(await failure(cli(['template', 'get', 'nope']), 1)).toMatch(/nope/);
    expect(await failure(cli(['skill', 'get', 'nope']), 1)).toBe("error: skill 'nope' does not exist (<name>)\n");
    expect(await failure(cli(['project', 'get', 'nope']), 1)).toMatch(/nope.*\(<project>\)\n$/);
    expect(await failure(cli(['whoami'], { MAESTRO_SESSION_ID: 'ses_ghost' }), 1)).toBe(
      "error: session 'ses_ghost' does not exist (MAESTRO_SESSION_ID)\n",
    );
  });

  it('dependency cycles, naming the cycle', async () => {
    const stderr = await failure(cli(['task', 'update', t.a!, '--depends-on', t.c!]), 1);
    expect(stderr).toMatch(/^error: dependency cycle: /);
    for (const id of [t.a, t.b, t.c]) expect(stderr).toContain(id);
    expect(stderr).toMatch(/\(--depends-on\)\n$/);
    const self = await failure(cli(['task', 'update', t.a!, '--depends-on', t.a!]), 1);
    expect(self).toBe(`error: task '${t.a}' cannot depend on itself (--depends-on)\n`);
    // nothing changed
    expect((await ok(cli, ['task', 'get', t.a!])).dependencies).toEqual([]);
  });

  it('conflicts', async () => {
    expect(await failure(cli(['project', 'create', 'errs', '--dir', dir]), 1)).toMatch(/errs.*already exists/);
    expect(await failure(cli(['queue', 'complete'], { MAESTRO_SESSION_ID: t.worker2 }), 1)).toMatch(/^error: /);
  });

  it('a worker may not act on tasks or sessions that are not its own', async () => {
    const as = { MAESTRO_SESSION_ID: t.worker! };
    const notYours = new RegExp(`^error: task ${t.other} is not assigned to you \\(${t.worker}\\); workers may only change their own tasks`);
    expect(await failure(cli(['task', 'complete', t.other!], as), 1)).toMatch(notYours);
    expect(await failure(cli(['task', 'update', t.other!, '--status', 'done'], as), 1)).toMatch(notYours);
    expect(await failure(cli(['report', 'progress', '--task', t.other!, 'sneaky'], as), 1)).toMatch(/not assigned to you.*\(--task\)\n$/);
    expect(await failure(cli(['task', 'create', 'top-level'], as), 1)).toMatch(/workers may only create subtasks/);
    expect(await failure(cli(['queue', 'start', '--session', t.worker2!], as), 1)).toMatch(
      new RegExp(`a worker may only act on its own session \\(${t.worker}\\), not ${t.worker2} \\(--session\\)`),
    );
    expect(await failure(cli(['session', 'spawn', '--task', t.a!], as), 1)).toMatch(/session_spawn is for orchestrator sessions/);
    expect(await failure(cli(['session', 'list'], as), 1)).toMatch(/orchestrator/);
    expect(await failure(cli(['project', 'create', 'mine', '--dir', dir], as), 1)).toMatch(/may not call it/);
    // … while its own task is fine, and nothing of the other task changed
    expect((await ok(cli, ['task', 'complete', t.a!, '--summary', 'mine'], as)).status).toBe('done');
    expect((await ok(cli, ['task', 'get', t.other!])).status).toBe('todo');
    // --json keeps the machine shape
    const r = await cli(['task', 'complete', t.other!, '--json'], as);
    expect(r.code).toBe(1);
    expect(r.json().error).toMatchObject({ code: 'forbidden', field: 'taskId' });
  });
});

describe('no server (exit 3, one line)', () => {
  it('says how to start it', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    for (const args of [['task', 'list'], ['status'], ['whoami'], ['report', 'progress', 'hello']]) {
      const r = await runDown(args, { MAESTRO_API_URL: url });
      expect(r.code).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`^error: cannot reach the Maestro server at ${url} \\(.+\\); start it with \`maestro serve\``));
    }
    const json = await runDown(['task', 'list', '--json'], { MAESTRO_API_URL: url });
    expect(json.code).toBe(3);
    expect(json.json().error.code).toBe('unavailable');
  });

  it('uses MAESTRO_PORT when MAESTRO_API_URL is unset', async () => {
    const port = await closedPort();
    const r = await runDown(['task', 'list'], { MAESTRO_API_URL: undefined, MAESTRO_PORT: String(port) });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`http://127.0.0.1:${port}`);
  });
});

describe('several projects', () => {
  it('needs --project when there is more than one project (and takes MAESTRO_PROJECT_ID)', async () => {
    const second = tempHome('maestro-cli-errors-2-');
    try {
      const p2 = await ok(cli, ['project', 'create', 'errs2', '--dir', second]);
      const stderr = await failure(cli(['task', 'list']), 2);
      expect(stderr).toBe('error: project is required (there is more than one) (--project)\n');
      expect(await ok(cli, ['task', 'list'], { MAESTRO_PROJECT_ID: p2.id })).toEqual({ tasks: [], nextCursor: null });
      expect(await ok(cli, ['task', 'list', '--project', 'errs2'])).toEqual({ tasks: [], nextCursor: null });
      expect((await ok(cli, ['task', 'list', '--project', 'errs'])).tasks.length).toBe(4);
      const unknown = await failure(cli(['task', 'list', '--project', 'nope']), 1);
      expect(unknown).toMatch(/nope.*\(--project\)\n$/);
    } finally {
      rmSync(second, { recursive: true, force: true });
    }
  });
});

const runDown = (args: string[], env: Record<string, string | undefined>) => cliFor(() => '')(args, env);
