import { Option, type Command } from 'commander';
import { PROJECT_OPTION, list, namedProject, orNull, projectOf, taskStatus, wholeNumber } from '../options.js';
import { taskDetail, taskLine } from '../output.js';
import { opCommand, type Opts } from '../run.js';
import { registerTaskListCommand, registerTaskTreeCommand } from './task-browse.js';
import { registerTaskIoCommands } from './task-io.js';
import { PRIORITY_HELP, STATUS_HELP } from './task-help.js';

/** `--desc`: the original product's name for `--description` (hidden alias). */
const DESC_ALIAS = () => new Option('--desc <text>', 'alias of --description').hideHelp();
const descriptionOf = (o: Opts): string | undefined => o.description ?? o.desc;


export function registerTaskCommands(program: Command): Command {
  const task = program.command('task').description('create, list, update and complete tasks');

  registerTaskListCommand(task);

  opCommand(task, {
    usage: 'create [title]',
    description: 'create a task (or a subtask with --parent); the title as <title> or --title <title>',
    op: 'task.create',
    options: (c) =>
      c
        .usage('[options] <title>   (or: --title <title>)')
        .option('-t, --title <title>', 'the title, instead of the <title> argument')
        .option('-d, --description <text>', 'what done looks like (markdown)')
        .addOption(DESC_ALIAS())
        .option('-p, --priority <priority>', PRIORITY_HELP)
        .option('--parent <id>', 'make it a subtask of this task')
        .option('--depends-on <ids>', 'tasks that must be done first, comma-separated or repeated', list)
        .option('--until <what>', "what the dependencies wait for: done (default), or merged (their branch landed)")
        .option(...PROJECT_OPTION)
        .hook('preAction', (cmd) => {
          const [positional] = cmd.processedArgs as [string | undefined];
          const flag = cmd.opts().title as string | undefined;
          if (positional === undefined && flag === undefined) cmd.error("error: missing required argument 'title'", { exitCode: 2 });
          if (positional !== undefined && flag !== undefined)
            cmd.error('error: give the title once: as the <title> argument or with --title, not both', { exitCode: 2 });
        }),
    input: async ([title], o, env) => ({
      title: title ?? o.title,
      description: descriptionOf(o),
      priority: o.priority,
      parentId: o.parent,
      dependencies: o.dependsOn,
      until: o.until,
      project: o.parent ? namedProject(o, env) : await projectOf(o, env),
    }),
    fields: { title: '<title>' },
    human: (t) => taskLine('created', t),
  });

  opCommand(task, {
    usage: 'get <id>',
    description: 'show one task',
    op: 'task.get',
    input: ([taskId]) => ({ taskId }),
    fields: { taskId: '<id>' },
    human: (t) => taskDetail(t),
  });

  opCommand(task, {
    usage: 'update <id>',
    description: 'change a task',
    op: 'task.update',
    options: (c) =>
      c
        .option('--title <title>', 'new title')
        .option('-d, --description <text>', 'new description')
        .addOption(DESC_ALIAS())
        .option('-s, --status <status>', `${STATUS_HELP} ('completed' means done)`)
        .option('-p, --priority <priority>', PRIORITY_HELP)
        .option('--parent <id>', "new parent task ('none': make it top-level)")
        .option('--depends-on <ids>', "replace the dependencies, comma-separated ('none': no dependencies)", list)
        .option('--assignee <session>', "assign to this session ('none': unassign)")
        .option('--until <what>', "what the dependencies wait for: done, or merged (their branch landed)")
        .option('--if-version <n>', 'only if the task is still at this version (its version when you read it; else a conflict)', wholeNumber),
    input: ([taskId], o) => ({
      taskId,
      title: o.title,
      description: descriptionOf(o),
      status: taskStatus(o.status),
      priority: o.priority,
      parentId: orNull(o.parent),
      dependencies: o.dependsOn,
      until: o.until,
      assignee: orNull(o.assignee),
      ifVersion: o.ifVersion,
    }),
    fields: { taskId: '<id>' },
    human: (t) => taskLine('updated', t),
  });

  opCommand(task, {
    usage: 'complete <id>',
    description: 'mark a task done',
    op: 'task.complete',
    options: (c) => c.option('--summary <text>', 'what was done (recorded on the session timeline)'),
    input: ([taskId], o) => ({ taskId, summary: o.summary }),
    fields: { taskId: '<id>' },
    human: (t) => taskLine('completed', t),
  });

  registerTaskTreeCommand(task);
  registerTaskIoCommands(task);
  return task;
}
