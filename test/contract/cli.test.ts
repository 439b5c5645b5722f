/**
 * The operation contract over the built CLI: every operation mapped to its command line (the table
 * below), run with `--json` as the owner (the home's secret) or as a session (MAESTRO_SESSION_ID +
 * MAESTRO_SESSION_TOKEN). The result is the JSON on stdout; a failure is `{"error":{…}}` on stdout with the
 * exit code that goes with its code. Set-up calls go straight to the in-process service (a process per
 * call is the slow part) and the cases run concurrently. Needs `npm run build`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startTestServer, type TestServer } from '../helpers.js';
import { CLEAN_ENV } from '../cli-support.js';
import { runOpCases } from './cases.js';
import { OWNER, Unsupported, decodeCliOutput, inProcessCall, type OpCall } from './support.js';

type Input = Record<string, unknown>;

/** Operations the CLI has no command for, and why. */
export const CLI_SKIPS: Record<string, string> = {
  'session.timeline': 'no `maestro session timeline` command (`session info` shows the recent timeline; --limit only)',
  'manifest.get': 'no read-only manifest command: `maestro manifest generate` writes it (manifest.generate)',
};

/**
 * Reads the fields of an operation input into a command line; whatever is left unread is an input the
 * command cannot express (an unknown key, a flag that does not exist), so the call is Unsupported.
 */
class Args {
  readonly argv: string[];
  private readonly rest: Input;
  constructor(
    private readonly op: string,
    input: Input,
    ...command: string[]
  ) {
    this.rest = { ...input };
    this.argv = [...command];
  }
  take(key: string): unknown {
    const v = this.rest[key];
    delete this.rest[key];
    return v;
  }
  /** A positional argument (required: without it the command would not parse). */
  arg(key: string): this {
    const v = this.take(key);
    if (v === undefined) throw new Unsupported(`${this.op} without ${key}: the command requires it as an argument`);
    this.argv.push(String(v));
    return this;
  }
  optionalArg(key: string): this {
    const v = this.take(key);
    if (v !== undefined) this.argv.push(String(v));
    return this;
  }
  flag(key: string, flag: string, map: (v: any) => string = String): this {
    const v = this.take(key);
    if (v !== undefined) this.argv.push(flag, map(v));
    return this;
  }
  /** A comma list; `none` stands for an empty list. */
  list(key: string, flag: string): this {
    return this.flag(key, flag, (v: unknown[]) => (v.length === 0 ? 'none' : v.join(',')));
  }
  /** `none` stands for null. */
  nullable(key: string, flag: string): this {
    return this.flag(key, flag, (v: unknown) => (v === null ? 'none' : String(v)));
  }
  bool(key: string, flag: string): this {
    const v = this.take(key);
    if (v === true) this.argv.push(flag);
    else if (v !== undefined) throw new Unsupported(`${this.op} with ${key}=${JSON.stringify(v)}: ${flag} can only say true`);
    return this;
  }
  /** A boolean with a flag for each side: `--worktree` / `--no-worktree`. */
  toggle(key: string, on: string, off: string): this {
    const v = this.take(key);
    if (v === true) this.argv.push(on);
    else if (v === false) this.argv.push(off);
    return this;
  }
  /** An empty value stands for null (`--test-cmd ''`). */
  clearable(key: string, flag: string): this {
    return this.flag(key, flag, (v: unknown) => (v === null ? '' : String(v)));
  }
  dir(key: string, flag: string): this {
    const v = this.take(key);
    if (v === undefined) return this;
    if (typeof v !== 'string' || !isAbsolute(v)) throw new Unsupported(`${this.op} with ${key}=${JSON.stringify(v)}: the CLI resolves ${flag} to an absolute path itself`);
    this.argv.push(flag, v);
    return this;
  }
  done(): string[] {
    const left = Object.keys(this.rest);
    if (left.length > 0) throw new Unsupported(`${this.op} with ${left.join(', ')}: the command has no option for it`);
    return this.argv;
  }
}

const reportVerb = (kind: string) => kind.replace('_', '-');

/** Operation -> its command line. */
const COMMANDS: Record<string, (input: Input) => string[]> = {
  'project.list': (i) => new Args('project.list', i, 'project', 'list').done(),
  'project.create': (i) => new Args('project.create', i, 'project', 'create').arg('name').dir('workingDir', '--dir').done(),
  'project.get': (i) => new Args('project.get', i, 'project', 'get').arg('project').done(),
  'project.update': (i) =>
    new Args('project.update', i, 'project', 'update')
      .arg('project')
      .flag('name', '--name')
      .dir('workingDir', '--dir')
      .toggle('worktrees', '--worktree', '--no-worktree')
      .clearable('baseBranch', '--base-branch')
      .clearable('testCmd', '--test-cmd')
      .flag('dependencyUntil', '--until')
      .toggle('leaseGuard', '--lease-guard', '--no-lease-guard')
      .flag('ifVersion', '--if-version')
      .done(),
  'project.delete': (i) => [...new Args('project.delete', i, 'project', 'delete').arg('project').done(), '--yes'],

  'task.create': (i) =>
    new Args('task.create', i, 'task', 'create')
      .flag('title', '--title')
      .flag('description', '--description')
      .flag('priority', '--priority')
      .flag('parentId', '--parent')
      .list('dependencies', '--depends-on')
      .flag('until', '--until')
      .flag('project', '--project')
      .done(),
  'task.list': (i) =>
    new Args('task.list', i, 'task', 'list')
      .list('status', '--status')
      .bool('ready', '--ready')
      .nullable(i.parent !== undefined ? 'parent' : 'parentId', '--parent')
      .flag('assignee', '--assignee')
      .flag('search', '--search')
      .flag('limit', '--limit')
      .flag('cursor', '--cursor')
      .flag('offset', '--offset')
      .flag('project', '--project')
      .done(),
  'task.get': (i) => new Args('task.get', i, 'task', 'get').arg('taskId').done(),
  'task.update': (i) =>
    new Args('task.update', i, 'task', 'update')
      .arg('taskId')
      .flag('title', '--title')
      .flag('description', '--description')
      .flag('status', '--status')
      .flag('priority', '--priority')
      .nullable('parentId', '--parent')
      .list('dependencies', '--depends-on')
      .flag('until', '--until')
      .nullable('assignee', '--assignee')
      .flag('ifVersion', '--if-version')
      .done(),
  'task.complete': (i) => new Args('task.complete', i, 'task', 'complete').arg('taskId').flag('summary', '--summary').done(),
  'task.tree': (i) => new Args('task.tree', i, 'task', 'tree').optionalArg('rootId').flag('project', '--project').done(),
  // The command reads a file: the rows (or text) are written to one first.
  'task.import': (i) => {
    const a = new Args('task.import', i, 'task', 'import');
    const rows = a.take('rows');
    const text = a.take('text');
    if ((rows === undefined) === (text === undefined)) throw new Unsupported('task.import without exactly one of rows and text: the command reads one file');
    const file = join(mkdtempSync(join(tmpdir(), 'maestro-import-')), 'tasks.json');
    writeFileSync(file, text !== undefined ? String(text) : JSON.stringify(rows));
    a.argv.push(file);
    return a.flag('from', '--from').bool('dryRun', '--dry-run').flag('project', '--project').done();
  },

  ...Object.fromEntries(
    ['progress', 'complete', 'blocked', 'error', 'needs_input'].map((kind) => [
      `report.${kind}`,
      (i: Input) =>
        new Args(`report.${kind}`, i, 'report', reportVerb(kind)).arg('message').flag('taskId', '--task').flag('sessionId', '--session').done(),
    ]),
  ),

  'queue.start': (i) => new Args('queue.start', i, 'queue', 'start').flag('sessionId', '--session').done(),
  'queue.complete': (i) => new Args('queue.complete', i, 'queue', 'complete').flag('sessionId', '--session').flag('summary', '--summary').done(),
  'queue.skip': (i) => new Args('queue.skip', i, 'queue', 'skip').flag('sessionId', '--session').flag('reason', '--reason').done(),
  'queue.status': (i) => new Args('queue.status', i, 'queue', 'status').flag('sessionId', '--session').done(),
  'queue.list': (i) => new Args('queue.list', i, 'queue', 'list').flag('sessionId', '--session').done(),
  'queue.add': (i) => {
    const a = new Args('queue.add', i, 'queue', 'add');
    const taskIds = a.take('taskIds') as string[] | undefined;
    if (!taskIds || taskIds.length === 0) throw new Unsupported('queue.add without task ids: <taskIds...> needs at least one');
    a.argv.push(...taskIds);
    return a.flag('sessionId', '--session').done();
  },

  'session.spawn': (i) => {
    const a = new Args('session.spawn', i, 'session', 'spawn')
      .list('taskIds', '--task')
      .flag('role', '--role')
      .flag('strategy', '--strategy')
      .flag('template', '--template')
      .flag('name', '--name')
      .list('skills', '--skill')
      .flag('agentCommand', '--agent-command')
      .flag('agent', '--agent')
      .toggle('worktree', '--worktree', '--no-worktree')
      .flag('base', '--base')
      .flag('project', '--project');
    const env = a.take('env') as Record<string, string> | undefined;
    for (const [k, v] of Object.entries(env ?? {})) a.argv.push('--env', `${k}=${v}`);
    return a.done();
  },
  'session.list': (i) =>
    new Args('session.list', i, 'session', 'list')
      .list('status', '--status')
      .flag('parentSessionId', '--parent')
      .flag('project', '--project')
      .bool('all', '--all')
      .done(),
  'session.info': (i) => new Args('session.info', i, 'session', 'info').optionalArg('sessionId').flag('timelineLimit', '--limit').done(),
  'session.stop': (i) => new Args('session.stop', i, 'session', 'stop').arg('sessionId').done(),
  'session.send': (i) => {
    const a = new Args('session.send', i, 'session', 'send').arg('sessionId').arg('text');
    const waitMs = a.take('waitMs');
    if (waitMs !== undefined) {
      if (typeof waitMs !== 'number' || waitMs % 1000 !== 0) throw new Unsupported('session.send: --wait takes whole seconds');
      a.argv.push('--wait', String(waitMs / 1000));
    }
    return a.done();
  },

  'template.create': (i) =>
    new Args('template.create', i, 'template', 'create')
      .arg('name')
      .flag('role', '--role')
      .flag('strategy', '--strategy')
      .list('skills', '--skill')
      .flag('agentCommand', '--agent-command')
      .flag('agent', '--agent')
      .flag('description', '--description')
      .toggle('worktree', '--worktree', '--no-worktree')
      .done(),
  'worktree.info': (i) => new Args('worktree.info', i, 'session', 'worktree').optionalArg('sessionId').done(),
  'session.diff': (i) => {
    const a = new Args('session.diff', i, 'session', 'diff').arg('sessionId');
    const patch = a.take('patch');
    if (patch === false) a.argv.push('--stat');
    return a.done();
  },
  'session.files': (i) => new Args('session.files', i, 'session', 'files').arg('sessionId').done(),
  'session.file': (i) => {
    const a = new Args('session.file', i, 'session', 'cat').arg('sessionId').arg('path');
    const version = a.take('version');
    if (version === 'base') a.argv.push('--base');
    else if (version !== undefined && version !== 'worktree') throw new Unsupported(`session.file with version=${JSON.stringify(version)}: only --base`);
    return a.done();
  },
  'session.merge': (i) =>
    new Args('session.merge', i, 'session', 'merge')
      .arg('sessionId')
      .flag('strategy', '--strategy')
      .flag('into', '--into')
      .bool('dryRun', '--dry-run')
      .bool('commit', '--commit')
      .done(),
  'session.cleanup': (i) => new Args('session.cleanup', i, 'session', 'cleanup').arg('sessionId').bool('force', '--force').done(),
  'merge_queue.add': (i) => {
    const a = new Args('merge_queue.add', i, 'merge-queue', 'add');
    const sessionIds = a.take('sessionIds') as string[] | undefined;
    if (!Array.isArray(sessionIds) || sessionIds.length === 0) throw new Unsupported('merge_queue.add without sessions: <sessions...> needs one');
    a.argv.push(...sessionIds);
    return a.flag('strategy', '--strategy').flag('into', '--into').done();
  },
  'merge_queue.list': (i) => new Args('merge_queue.list', i, 'merge-queue', 'list').flag('project', '--project').done(),
  'merge_queue.remove': (i) => new Args('merge_queue.remove', i, 'merge-queue', 'remove').arg('entryId').done(),

  'template.list': (i) => new Args('template.list', i, 'template', 'list').done(),
  'template.get': (i) => new Args('template.get', i, 'template', 'get').arg('template').done(),
  'template.delete': (i) => new Args('template.delete', i, 'template', 'delete').arg('template').done(),

  'skill.list': (i) => new Args('skill.list', i, 'skill', 'list').flag('project', '--project').done(),
  'skill.get': (i) => new Args('skill.get', i, 'skill', 'get').arg('name').flag('project', '--project').done(),

  'manifest.generate': (i) => new Args('manifest.generate', i, 'manifest', 'generate').flag('sessionId', '--session').done(),
  whoami: (i) => new Args('whoami', i, 'whoami').done(),
  status: (i) => new Args('status', i, 'status').flag('project', '--project').bool('all', '--all').done(),
  // ---- dispatch (issue 12): `maestro run --detach` starts and returns (without it, it follows until drained)
  'dispatch.start': (i) =>
    new Args('dispatch.start', i, 'run')
      .flag('project', '--project')
      .flag('maxWorkers', '--max-workers')
      .flag('template', '--template')
      .flag('retries', '--retries')
      .bool('dryRun', '--dry-run')
      .done()
      .concat('--detach'),
  'dispatch.stop': (i) => new Args('dispatch.stop', i, 'dispatch', 'stop').flag('project', '--project').done(),
  'dispatch.status': (i) => new Args('dispatch.status', i, 'dispatch', 'status').flag('project', '--project').flag('afterLogId', '--after').done(),
  // ---- messages (issue 12)
  'message.send': (i) =>
    new Args('message.send', i, 'message', 'send')
      .arg('to')
      .flag('subject', '--subject')
      .flag('body', '--body')
      .flag('taskId', '--task')
      .flag('replyTo', '--reply-to')
      .flag('project', '--project')
      .done(),
  'message.inbox': (i) =>
    new Args('message.inbox', i, 'message', 'inbox').bool('all', '--all').flag('sessionId', '--session').flag('limit', '--limit').flag('project', '--project').done(),
  'message.ack': (i) => new Args('message.ack', i, 'message', 'ack').arg('messageId').flag('note', '--note').done(),
  'message.list': (i) => new Args('message.list', i, 'message', 'list').flag('sessionId', '--session').flag('project', '--project').flag('limit', '--limit').done(),
  // ---- leases (issue 12)
  'lease.acquire': (i) => {
    const a = new Args('lease.acquire', i, 'lease', 'acquire');
    const paths = a.take('paths');
    if (!Array.isArray(paths) || paths.length === 0) throw new Unsupported('lease.acquire without paths: <paths...> needs one');
    a.argv.push(...paths.map(String));
    const exclusive = a.take('exclusive');
    if (exclusive === false) a.argv.push('--shared');
    return a.flag('ttlSeconds', '--ttl').flag('reason', '--reason').flag('sessionId', '--session').done();
  },
  'lease.release': (i) => {
    const a = new Args('lease.release', i, 'lease', 'release');
    a.argv.push(...((a.take('paths') as string[] | undefined) ?? []));
    return a.list('leaseIds', '--id').flag('sessionId', '--session').flag('project', '--project').done();
  },
  'lease.list': (i) => new Args('lease.list', i, 'lease', 'list').flag('project', '--project').flag('sessionId', '--session').bool('all', '--all').done(),
  'lease.check': (i) => {
    const a = new Args('lease.check', i, 'lease', 'check');
    const paths = a.take('paths');
    if (!Array.isArray(paths) || paths.length === 0) throw new Unsupported('lease.check without paths: <paths...> (or --staged)');
    a.argv.push(...paths.map(String));
    return a.flag('sessionId', '--session').flag('project', '--project').done();
  },
  // ---- notifications (issue 12)
  'notify.add': (i) =>
    new Args('notify.add', i, 'notify', 'add').arg('url').list('on', '--on').flag('project', '--project').flag('format', '--format').flag('secret', '--secret').done(),
  'notify.list': (i) => new Args('notify.list', i, 'notify', 'list').flag('project', '--project').done(),
  'notify.remove': (i) => new Args('notify.remove', i, 'notify', 'remove').arg('webhookId').done(),
  'notify.test': (i) => new Args('notify.test', i, 'notify', 'test').arg('webhookId').done(),
};

let server: TestServer;
const timings: number[] = [];

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.dispose();
});

const call: OpCall = async (op, input, as = OWNER) => {
  const skip = CLI_SKIPS[op];
  if (skip) throw new Unsupported(`${op}: ${skip}`);
  const build = COMMANDS[op];
  if (!build) throw new Error(`no CLI command line for ${op}: add it to COMMANDS (or to CLI_SKIPS with the reason)`);
  const argv = [...build(input), '--json'];
  const env: Record<string, string | undefined> = { ...CLEAN_ENV, MAESTRO_HOME: server.home, MAESTRO_API_URL: server.url };
  if (as.kind === 'session') Object.assign(env, { MAESTRO_SESSION_ID: as.id, MAESTRO_SESSION_TOKEN: as.token });
  const started = Date.now();
  const r = await runCli(argv, env);
  timings.push(Date.now() - started);
  return decodeCliOutput(argv, r);
};

runOpCases({
  name: 'CLI --json',
  call,
  arrange: (op, input, as) => inProcessCall(server.svc)(op, input, as),
  tokenOf: (id) => server.svc.sessions.token(id),
  concurrent: true,
  timeoutMs: 180_000,
});

describe('CLI command table', () => {
  it('maps every operation to a command line or says why not', async () => {
    const { OPERATIONS } = await import('../../src/core/operations.js');
    const unmapped = OPERATIONS.map((o) => o.name as string).filter((op) => !(op in COMMANDS) && !(op in CLI_SKIPS));
    expect(unmapped).toEqual([]);
  });
});
