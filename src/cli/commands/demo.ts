import { InvalidArgumentError, type Command } from 'commander';
import { fail, print, printJson } from '../run.js';

const pace = (value: string): number => {
  if (!/^\d+$/.test(value.trim()) || Number(value) > 60_000) throw new InvalidArgumentError('expected milliseconds (0-60000).');
  return Number(value);
};

/** `maestro demo`: agents at work in a minute, with no Claude account. */
export function registerDemoCommands(program: Command): void {
  const demo = program
    .command('demo')
    .description('watch an orchestrator and workers coordinate on a sample git repository, with built-in scripted agents')
    .option('--stop', 'end the demo and remove it all: its agents, project, repository (and the server, if the demo started it)')
    .option('--pace <ms>', 'pause between the agents\' steps', pace, 1500)
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nStarts the server of $MAESTRO_HOME in the background when none runs (log in $MAESTRO_HOME/logs/),\n' +
        'creates a fresh git repository in $MAESTRO_HOME/demo and the project maestro-demo with a plan of\n' +
        'tasks, and spawns an orchestrator that hands them to workers. The agents are `maestro agent script`,\n' +
        'run in tmux like real ones. One worker asks a question: answer it in its terminal on the dashboard,\n' +
        'or with `maestro session send <id> <answer>`. A later `maestro demo` starts over.',
    )
    .action(async (opts: { stop?: boolean; pace: number; json?: boolean }) => {
      try {
        const { startDemo, stopDemo } = await import('../demo/run.js');
        if (opts.stop) {
          const result = await stopDemo(process.env);
          if (opts.json) {
            printJson(result);
            return;
          }
          print(
            [
              result.stopped.length ? `stopped ${result.stopped.length} demo sessions: ${result.stopped.join(', ')}` : 'no demo session was running',
              result.removed ? 'removed the demo: its project (tasks, sessions, recordings), repository and worker template' : '',
              result.serverStopped ? 'stopped the server the demo had started' : '',
              result.serverKept ? `left the server running: ${result.serverKept}` : '',
            ]
              .filter(Boolean)
              .join('\n'),
          );
          return;
        }
        const started = await startDemo(process.env, opts.pace);
        if (opts.json) {
          printJson(started);
          return;
        }
        print(
          [
            started.serverStarted
              ? `started the Maestro server at ${started.url} (log: ${started.serverLog})`
              : `using the Maestro server at ${started.url}`,
            `sample repository: ${started.repo} (git, branch main)`,
            `project ${started.project.name} (${started.project.id}): "${started.rootTask.title}" (${started.rootTask.id}), split in ${started.subtasks.length}:`,
            ...started.subtasks.map((t) => `  ${t.id}  ${t.title}  [${t.priority}]${t.dependencies.length ? `  (after ${t.dependencies.join(', ')})` : ''}`),
            `orchestrator ${started.orchestrator.id} is starting: it hands each subtask to a worker as soon as its dependencies`,
            'are done, and splits the one that lists items into child tasks for a queue worker.',
            '',
            'One worker will ask which language to use: answer in its terminal on the dashboard, or with',
            '  maestro session list --project maestro-demo      (the one that needs input)',
            '  maestro session send <session id> fr',
            '',
            `Dashboard (signed in; keep the link private): ${started.loginLink}`,
            'End it with: maestro demo --stop',
          ].join('\n'),
        );
      } catch (err) {
        fail(err, { json: Boolean(opts.json), cmd: demo });
      }
    });
}
