import type { Command } from 'commander';
import { MaestroError, toMaestroError } from '../../core/errors.js';
import type { OpResult } from '../../core/operations.js';
import { int, PROJECT_OPTION, projectOf } from '../options.js';
import { fields } from '../output.js';
import { compact, EXIT, fail, makeClient, opCommand, print, printJson } from '../run.js';

type DispatchState = OpResult<'dispatch.status'>;
type LogEntry = DispatchState['log'][number];

/** How often `maestro run` asks how the dispatch goes. */
const POLL_MS = 500;
/** How long `maestro run` keeps asking through a server that went away (a restart) before giving up. */
const UNREACHABLE_MS = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `maestro run` (issue 12): starts the project's dispatcher (dispatch_start) and follows it, one line per
 * decision from its log, until it drains; then a summary. Exit 0 when every task is done, 1 when one
 * ended blocked (or can never start), 130 on Ctrl-C (dispatching stops; live workers go on).
 * `maestro dispatch status|stop` are the other two operations.
 */
export function registerRunCommand(program: Command): void {
  const cmd = program
    .command('run')
    .description('keep up to N workers busy on the ready tasks (auto-dispatch) and follow them until nothing is left to start')
    .option('--max-workers <n>', 'workers at once (1..64, default 3)', int)
    .option('--template <template>', 'template (name or id) the workers are spawned with')
    .option(...PROJECT_OPTION)
    .option('--retries <n>', 'how many times a failed task is tried again before it is blocked (0..10, default 2)', int)
    .option('--dry-run', 'print the plan (waves by dependency depth) and start nothing')
    .option('--detach', 'return once dispatching started (it goes on in the server)')
    .option('--json', 'print the final state as JSON');
  cmd.action(async () => {
    const o = cmd.opts();
    const json = Boolean(o.json);
    // With --json, stdout is for the final state alone: the progress lines go to stderr.
    const say = (line: string) => (json ? process.stderr.write(`${line}\n`) : print(line));
    try {
      const client = makeClient();
      const project = await projectOf(o, process.env);
      const input = compact({ project, maxWorkers: o.maxWorkers, template: o.template, retries: o.retries });
      if (o.dryRun) {
        const state = await client.call('dispatch.start', { ...input, dryRun: true } as never);
        if (json) printJson(state);
        else print(planLines(state));
        return;
      }
      const before = await client.call('dispatch.status', compact({ project }) as never);
      let last = before.log.at(-1)?.id ?? 0;
      const started = await client.call('dispatch.start', input as never);
      const show = (entries: LogEntry[]) => {
        for (const e of entries)
          if (e.id > last) {
            say(e.message);
            last = e.id;
          }
      };
      show(started.log);
      if (o.detach) {
        say(`dispatching in the background (project ${started.project}); follow it with: maestro dispatch status, stop it with: maestro dispatch stop`);
        if (json) printJson(started);
        return;
      }
      let interrupted = false;
      const onSigint = () => {
        interrupted = true;
      };
      process.on('SIGINT', onSigint);
      let state: DispatchState = started;
      let unreachableSince: number | null = null;
      try {
        while (state.status === 'running' && !interrupted) {
          await sleep(POLL_MS);
          if (interrupted) break;
          try {
            state = await client.call('dispatch.status', { project: started.project, afterLogId: last } as never);
            unreachableSince = null;
          } catch (err) {
            // A restarting server: keep asking for a while (the dispatcher resumes with it).
            const e = toMaestroError(err);
            if (e.code !== 'unavailable') throw err;
            unreachableSince ??= Date.now();
            if (Date.now() - unreachableSince > UNREACHABLE_MS) throw err;
            continue;
          }
          show(state.log);
        }
        if (interrupted) {
          state = await client.call('dispatch.stop', { project: started.project } as never);
          show(state.log);
          say(`stopped dispatching; ${state.counts.running} live worker(s) go on with their tasks (maestro session list)`);
          if (json) printJson(state);
          process.exitCode = 130;
          return;
        }
      } finally {
        process.off('SIGINT', onSigint);
      }
      say(summary(state));
      if (json) printJson(state);
      const unfinished = state.counts.blocked + state.counts.waiting + state.counts.ready;
      process.exitCode = state.status === 'drained' && unfinished === 0 ? EXIT.ok : EXIT.failed;
    } catch (err) {
      fail(err instanceof MaestroError ? err : toMaestroError(err), { json, cmd });
    }
  });

  const dispatch = program.command('dispatch').description("the project's auto-dispatch (see maestro run): its status, stopping it");
  opCommand(dispatch, {
    usage: 'status',
    description: "show the project's dispatcher: status, workers, counts and its latest decisions",
    op: 'dispatch.status',
    options: (c) => c.option(...PROJECT_OPTION).option('--after <id>', 'only log entries after this id', int),
    input: async (_a, o, env) => ({ project: await projectOf(o, env), afterLogId: o.after }),
    fields: { afterLogId: '--after' },
    human: (s) => [statusLines(s), ...s.log.slice(-20).map((e) => `  ${e.at.slice(11, 19)} ${e.message}`)].join('\n'),
  });
  opCommand(dispatch, {
    usage: 'stop',
    description: "stop the project's dispatcher: no new workers start; live ones go on",
    op: 'dispatch.stop',
    options: (c) => c.option(...PROJECT_OPTION),
    input: async (_a, o, env) => ({ project: await projectOf(o, env) }),
    human: (s) => `dispatch ${s.status ?? 'never started'}; ${s.counts.running} live worker(s) go on with their tasks`,
  });
}

function statusLines(s: DispatchState): string {
  return fields([
    ['project', s.project],
    ['status', s.status ?? 'never started'],
    ['workers', `${s.counts.running} running of ${s.maxWorkers}${s.template ? ` (template ${s.template})` : ''}, ${s.retries} retries`],
    ['tasks', countsLine(s)],
    ...(s.reason ? ([['reason', s.reason]] as Array<[string, string]>) : []),
  ]);
}

const countsLine = (s: DispatchState) =>
  `${s.counts.done} done, ${s.counts.running} running, ${s.counts.ready} ready, ${s.counts.waiting} waiting, ${s.counts.blocked} blocked, ${s.counts.failedAttempts} failed attempt(s)`;

function summary(s: DispatchState): string {
  return `dispatch ${s.status}${s.reason ? `: ${s.reason}` : ''}\n${countsLine(s)}`;
}

/** The dry run's plan: wave by wave, in start order, then what can never start. */
function planLines(s: DispatchState): string {
  const plan = s.plan;
  if (!plan || (plan.order.length === 0 && plan.never.length === 0)) return 'nothing to start: no todo task is waiting';
  const lines: string[] = [];
  plan.waves.forEach((wave, i) => {
    if (wave.length === 0) return;
    lines.push(`wave ${i}${i === 0 ? ' (ready now)' : ''}:`);
    for (const t of wave) lines.push(`  ${t.taskId}  ${t.title}  [${t.priority}]${t.waitsOn.length ? `  after ${t.waitsOn.join(', ')}` : ''}`);
  });
  if (plan.never.length) {
    lines.push('never (a dependency is blocked or cancelled):');
    for (const n of plan.never) lines.push(`  ${n.taskId}  ${n.title}: ${n.reason}`);
  }
  lines.push(`${plan.order.length} task(s) would start, up to ${s.maxWorkers} at a time`);
  return lines.join('\n');
}
