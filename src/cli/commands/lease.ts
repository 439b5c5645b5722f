import { execFile } from 'node:child_process';
import type { Command } from 'commander';
import { MaestroError, toMaestroError } from '../../core/errors.js';
import type { OpResult } from '../../core/operations.js';
import { MaestroClient, clientOptionsFromEnv } from '../../http/client.js';
import { list, PROJECT_OPTION, projectOf, SESSION_OPTION } from '../options.js';
import { dash, table } from '../output.js';
import { compact, EXIT, fail, makeClient, opCommand, print, printJson, usageError, type Env, type Opts } from '../run.js';

type Lease = OpResult<'lease.list'>[number];
type CheckResult = OpResult<'lease.check'>;

/** `--ttl 30m`, `2h`, `90s`, `1d` or plain seconds; anything else goes as typed, for the server to name. */
export function ttlSeconds(value: string): number | string {
  const m = /^\s*(\d+)\s*(s|sec|m|min|h|d)?\s*$/i.exec(value);
  if (!m) return value;
  const unit = (m[2] ?? 's').toLowerCase();
  const mult = unit === 'd' ? 86_400 : unit === 'h' ? 3600 : unit.startsWith('m') ? 60 : 1;
  return Number(m[1]) * mult;
}

/** "in 12 min" / "in 40 s" / "expired". */
function left(iso: string): string {
  const ms = Date.parse(iso) - Date.now();
  if (ms <= 0) return 'expired';
  return ms < 60_000 ? `in ${Math.ceil(ms / 1000)} s` : `in ${Math.round(ms / 60_000)} min`;
}

const leaseRows = (leases: Lease[], all: boolean) =>
  leases.length === 0
    ? 'no leases'
    : table(
        ['ID', 'PATTERN', 'MODE', 'HOLDER', 'EXPIRES', ...(all ? ['STATE'] : []), 'REASON'],
        leases.map((l) => [
          l.id,
          l.pattern,
          l.exclusive ? 'exclusive' : 'shared',
          `${l.sessionId} (${l.sessionName})`,
          `${l.expiresAt} (${left(l.expiresAt)})`,
          ...(all ? [l.state === 'active' ? 'active' : `${l.state}${l.endedBy && l.endedBy !== l.state ? ` (${l.endedBy})` : ''}`] : []),
          dash(l.reason),
        ]),
      );

const sessionOf = (o: Opts) => o.session as string | undefined;

/** `maestro lease acquire|release|list|check` (issue 12). */
export function registerLeaseCommands(program: Command): void {
  const lease = program
    .command('lease')
    .description("file leases: keep other agents out of the files you work on (and see who holds what)")
    .addHelpText(
      'after',
      "\nPaths are relative to the project directory; '*' and '?' match within a directory, '**' any depth, and a\n" +
        "trailing slash ('src/') is everything under that directory. Session worktrees get a pre-commit\n" +
        "guard refusing commits of files under another session's exclusive lease (`maestro project update\n" +
        '--no-lease-guard` turns it off); when the server cannot be reached the guard lets the commit through\n' +
        'with a warning.',
    );

  opCommand(lease, {
    usage: 'acquire <paths...>',
    description: 'lease paths or globs (exclusive unless --shared); refused, naming the holder and its expiry, when another session holds them',
    op: 'lease.acquire',
    options: (c) =>
      c
        .option('--shared', 'a shared lease: only exclusive leases of others are kept out (and keep it out)')
        .option('--ttl <duration>', 'how long: seconds, or 30m, 2h, 1d (default 1h; 10 s to 24 h)', ttlSeconds)
        .option('--reason <text>', 'why you hold it, shown to whoever it keeps out')
        .option(...SESSION_OPTION),
    input: ([paths], o) => ({
      paths: paths as string[],
      exclusive: o.shared ? false : undefined,
      ttlSeconds: o.ttl,
      reason: o.reason,
      sessionId: sessionOf(o),
    }),
    fields: { paths: '<paths...>', ttlSeconds: '--ttl' },
    human: (r) =>
      r.leases
        .map((l) => `${r.renewed.includes(l.pattern) ? 'renewed' : 'leased'} ${l.id}  ${l.pattern}  [${l.exclusive ? 'exclusive' : 'shared'}, until ${l.expiresAt} (${left(l.expiresAt)})]`)
        .join('\n'),
  });

  opCommand(lease, {
    usage: 'release [paths...]',
    description: 'release leases: these paths (patterns as acquired), --id L, or with neither all of yours (the owner may release anyone\u2019s)',
    op: 'lease.release',
    options: (c) =>
      c
        .option('--id <ids>', 'lease ids (comma list; repeatable)', list)
        .option(...SESSION_OPTION)
        .option(...PROJECT_OPTION),
    input: async ([paths], o, env) => {
      const patterns = paths as string[];
      const sessionId = sessionOf(o);
      // The owner releasing by paths for nobody in particular does it in a project: the one of this directory.
      const project = patterns.length > 0 && !sessionId && !env.MAESTRO_SESSION_ID?.trim() ? await projectOf(o, env) : undefined;
      return { leaseIds: o.id, paths: patterns.length > 0 ? patterns : undefined, sessionId, project };
    },
    fields: { paths: '[paths...]', leaseIds: '--id' },
    human: (r) => (r.released.length === 0 ? 'no lease released' : r.released.map((l) => `released ${l.id}  ${l.pattern}  (${l.sessionId} ${l.sessionName})`).join('\n')),
  });

  opCommand(lease, {
    usage: 'list',
    description: "the project's leases in force: holder, pattern, exclusive or shared, expiry (--all: with released and expired ones)",
    op: 'lease.list',
    options: (c) =>
      c
        .option('--all', 'also released and expired leases (history)')
        .option(...SESSION_OPTION)
        .option(...PROJECT_OPTION),
    input: async (_args, o, env) => ({ project: await projectOf({ project: o.project }, env), sessionId: sessionOf(o), all: o.all ? true : undefined }),
    human: (leases, o) => leaseRows(leases, Boolean(o.all)),
  });

  const check = lease
    .command('check [paths...]')
    .description("say which paths another session holds; exit 1 when one is under another session's exclusive lease (--staged: the files staged for commit, as the pre-commit guard does)")
    .option('--staged', "check the files staged in the git repository of the current directory (paths relative to the repository, mapped to the project's)")
    .option(...SESSION_OPTION)
    .option(...PROJECT_OPTION)
    .option('--json', 'print the result as JSON');
  check.action(async (paths: string[], o: Opts) => {
    try {
      const result = await runCheck(paths, o, process.env).catch((err: unknown) => {
        // A session's token dies with it, its worktree does not: a commit there later is checked as the
        // owner speaking for that session (the home's secret), still against the other sessions' leases.
        if (o.staged && process.env.MAESTRO_SESSION_TOKEN && toMaestroError(err).code === 'unauthorized')
          return runCheck(paths, o, { ...process.env, MAESTRO_SESSION_TOKEN: undefined });
        throw err;
      });
      if (o.json) printJson(result);
      else if (!o.staged) print(checkText(result));
      if (result.conflicts.length > 0) {
        if (o.staged) process.stderr.write(refusal(result));
        process.exitCode = EXIT.failed;
      }
    } catch (err) {
      const error = toMaestroError(err);
      // The guard must not hold every commit hostage to a server that is down: it lets this one through.
      if (o.staged && error.code === 'unavailable') {
        process.stderr.write(`maestro lease guard: warning: cannot check leases (${error.message}); committing without the check\n`);
        return;
      }
      fail(error, { json: Boolean(o.json), cmd: check, fields: { paths: '[paths...]' } });
      if (o.staged) process.stderr.write('maestro lease guard: the commit was refused; `git commit --no-verify` skips the guard\n');
    }
  });
}

/** How long the pre-commit guard waits for the server before it lets the commit through (warning). */
const GUARD_TIMEOUT_MS = 5000;

async function runCheck(paths: string[], o: Opts, env: Env): Promise<CheckResult> {
  const client = o.staged ? new MaestroClient({ ...clientOptionsFromEnv(env), timeoutMs: GUARD_TIMEOUT_MS }) : makeClient(env);
  const sessionId = sessionOf(o);
  const asSession = Boolean(sessionId || env.MAESTRO_SESSION_ID?.trim() || env.MAESTRO_SESSION_TOKEN?.trim());
  const project = asSession ? (o.project as string | undefined) : await projectOf({ project: o.project }, env);
  if (o.staged) {
    if (paths.length > 0) throw usageError('--staged checks the staged files: name no paths with it', 'paths');
    paths = await stagedProjectPaths(client, env, sessionId, project);
  } else if (paths.length === 0) throw usageError('name the paths to check, or --staged', 'paths');
  if (paths.length === 0) return { conflicts: [], shared: [], checked: 0 };
  const result: CheckResult = { conflicts: [], shared: [], checked: 0 };
  // Big commits go in batches the server accepts.
  for (let i = 0; i < paths.length; i += 5000) {
    const r = await client.call('lease.check', compact({ paths: paths.slice(i, i + 5000), sessionId, project }) as { paths: string[] });
    result.conflicts.push(...r.conflicts);
    result.shared.push(...r.shared);
    result.checked += r.checked;
  }
  return result;
}

/**
 * The staged files (renames as their two sides, deletions too), relative to the project directory: git
 * names them from the repository's top, and a project may be a folder of its repository. Files outside
 * the project are no lease's business.
 */
async function stagedProjectPaths(client: ReturnType<typeof makeClient>, env: Env, sessionId: string | undefined, project: string | undefined): Promise<string[]> {
  const staged = (await gitOut(process.cwd(), ['diff', '--cached', '--name-only', '-z', '--no-renames'], env)).split('\0').filter(Boolean);
  if (staged.length === 0) return [];
  let workingDir: string;
  const who = await client.call('whoami');
  if (who.kind === 'session' && !sessionId) workingDir = who.project.workingDir;
  else {
    const ref = sessionId ? (await client.call('session.info', { sessionId })).session.projectId : project;
    if (!ref) throw usageError('--staged needs the session (--session, $MAESTRO_SESSION_ID) or the project (--project)', 'sessionId');
    workingDir = (await client.call('project.get', { project: ref })).workingDir;
  }
  // git runs hooks with GIT_DIR, GIT_INDEX_FILE… of the commit: asking about another checkout must not see them.
  const clean = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('GIT_'))) as Env;
  const prefix = await gitOut(workingDir, ['rev-parse', '--show-prefix'], clean).then(
    (s) => s.trim(),
    () => '',
  );
  return staged.filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length));
}

function gitOut(cwd: string, args: string[], env: Env): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, env, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new MaestroError('invalid_input', `git ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });
}

function checkText(r: CheckResult): string {
  if (r.conflicts.length === 0 && r.shared.length === 0) return `no other session holds ${r.checked === 1 ? 'this path' : `these ${r.checked} paths`}`;
  return [...r.conflicts.map((h) => `conflict: ${h.message}`), ...r.shared.map((h) => `shared: ${h.message}`)].join('\n');
}

function refusal(r: CheckResult): string {
  const lines = r.conflicts.map((h) => `  ${h.message}`);
  return `maestro lease guard: commit refused: staged files are under another session's exclusive lease:\n${lines.join('\n')}\nWait for the lease to end, ask its holder, or unstage them; \`git commit --no-verify\` skips the guard.\n`;
}
