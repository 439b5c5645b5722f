import type { Command } from 'commander';
import type { OpInput, OpResult } from '../../core/operations.js';
import type { TaskTreeLine } from '../../core/entities/task.js';
import type { Task } from '../../core/types.js';
import { PROJECT_OPTION, int, list, namedProject, orNull, projectOf, taskStatusList } from '../options.js';
import { taskTable, taskTreeRow, TREE_LEGEND } from '../output.js';
import { compact, fail, makeClient, print, printJson, type Opts } from '../run.js';
import { endAtClosedPipe, writeOut as write } from '../stdout.js';
import { PRIORITY_HELP, STATUS_HELP } from './task-help.js';

/*
 * `maestro task list` and `maestro task tree`, which may see a whole 100k-task project: the list walks
 * task_list's pages (or shows one, with --limit) and prints each page as it comes; the tree reads the streamed
 * tree (GET /api/tasks/tree/stream) and prints each task as its line arrives. Neither holds the project in memory.
 */

/** Tasks per request when walking every page. */
const WALK_PAGE = 500;

type Page = OpResult<'task.list'>;

export function registerTaskListCommand(task: Command): void {
  const cmd = task
    .command('list')
    .description('list tasks of a project (all of them, page by page; one page with --limit)')
    .option('--status <statuses>', `only these statuses, comma-separated (${STATUS_HELP})`, taskStatusList)
    .option('--priority <priorities>', `only these priorities, comma-separated (${PRIORITY_HELP})`, list)
    .option('--ready', 'only ready tasks (todo with every dependency done)')
    .option('--parent <id>', "only direct subtasks of this task ('none': only top-level tasks)")
    .option('--assignee <session>', 'only tasks assigned to this session')
    .option('--search <text>', 'only tasks with every one of these words (or word starts) in the title or description')
    .option('--limit <n>', 'show one page of at most n tasks (1-1000), and the --cursor of the next one', int)
    .option('--cursor <cursor>', 'start after where the previous page ended (the cursor it printed)')
    .option('--offset <n>', 'start at this position of the list (0: its first task) instead of after a --cursor', int)
    .option(...PROJECT_OPTION)
    .option('--json', 'print the result as JSON: {"tasks": [...], "nextCursor": ...}');
  cmd.action(async () => {
    const opts = cmd.opts();
    try {
      const input = compact({
        project: opts.parent && opts.parent !== 'none' ? namedProject(opts, process.env) : await projectOf(opts, process.env),
        status: opts.status,
        priority: opts.priority,
        ready: opts.ready,
        parent: orNull(opts.parent),
        assignee: opts.assignee,
        search: opts.search,
        limit: opts.limit,
        cursor: opts.cursor,
        offset: opts.offset,
      }) as OpInput<'task.list'>;
      endAtClosedPipe(cmd, opts);
      if (opts.limit !== undefined) await onePage(input, opts);
      else await everyPage(input, opts);
    } catch (err) {
      fail(err, { json: Boolean(opts.json), cmd });
    }
  });
}

async function onePage(input: OpInput<'task.list'>, opts: Opts): Promise<void> {
  const page = await makeClient().call('task.list', input);
  if (opts.json) {
    printJson(page);
    return;
  }
  print(taskTable(page.tasks));
  if (page.nextCursor) print(`more tasks follow: run it again with --cursor ${page.nextCursor}`);
}

/**
 * Every page, each printed as it arrives: a table whose header comes once, or with --json the op's shape
 * written piece by piece (its opening, each page's tasks, its closing) instead of one 100k-task value.
 */
async function everyPage(input: OpInput<'task.list'>, opts: Opts): Promise<void> {
  const client = makeClient();
  // The first page starts where the input says (--cursor or --offset); every later one after the page before.
  let request: OpInput<'task.list'> = { ...input, limit: WALK_PAGE };
  let shown = 0;
  for (let first = true; ; first = false) {
    const page: Page = await client.call('task.list', request);
    // Opened once the first page is in: a call that fails at once prints only the error's JSON.
    if (opts.json && first) await write('{"tasks":[');
    const { tasks } = page;
    if (tasks.length > 0) {
      if (opts.json) await write(tasks.map((t, i) => `${shown + i === 0 ? '\n' : ',\n'}${JSON.stringify(t)}`).join(''));
      else {
        const text = taskTable(tasks);
        await write(`${shown === 0 ? text : text.slice(text.indexOf('\n') + 1)}\n`);
      }
      shown += tasks.length;
    }
    if (!page.nextCursor) break;
    const { offset: _placed, ...rest } = request;
    request = { ...rest, cursor: page.nextCursor };
  }
  if (opts.json) await write(`${shown > 0 ? '\n' : ''}],"nextCursor":null}\n`);
  else if (shown === 0) print(taskTable([]));
}

export function registerTaskTreeCommand(task: Command): void {
  const cmd = task
    .command('tree [root]')
    .description('show tasks as a tree of subtasks (the whole project, or the subtree under [root]), printed as it arrives')
    .option(...PROJECT_OPTION)
    .option('--json', "print the tree as JSON (task_tree's nested shape), written as it arrives");
  cmd.action(async () => {
    const opts = cmd.opts();
    const [rootId] = cmd.processedArgs as [string | undefined];
    try {
      const query = compact({ rootId, project: rootId ? namedProject(opts, process.env) : await projectOf(opts, process.env) }) as { rootId?: string; project?: string };
      endAtClosedPipe(cmd, opts);
      const printer = new TreePrinter(Boolean(opts.json));
      await makeClient().routeStream('task.tree.stream', query, (chunk) => printer.take(chunk));
      await printer.end();
    } catch (err) {
      fail(err, { json: Boolean(opts.json), cmd, fields: { rootId: '[root]' } });
    }
  });
}

/**
 * Turns the NDJSON tree into output as chunks arrive: a partial line waits for the rest of it. The only
 * state kept is the path to the current task: for rows, whether each ancestor was its parent's last child
 * (which decides `│   ` or blank in the prefix); for --json, how many nodes are open, so that the nested
 * JSON of task_tree (each task with its `children`) is written as it goes and closed as the depth falls.
 */
class TreePrinter {
  private rest = '';
  private readonly lastAt: boolean[] = [];
  private rows = 0;
  /** --json: the depth of the last task written (its children array is still open), -1 before the first. */
  private openDepth = -1;

  constructor(private readonly json: boolean) {}

  take(chunk: Buffer): void | Promise<void> {
    const text = this.rest + chunk.toString('utf8');
    const cut = text.lastIndexOf('\n');
    this.rest = text.slice(cut + 1);
    if (cut < 0) return;
    const lines = text
      .slice(0, cut)
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as TaskTreeLine);
    this.rows += lines.length;
    return write(this.json ? lines.map((l) => this.node(l)).join('') : `${lines.map((l) => this.row(l)).join('\n')}\n`);
  }

  async end(): Promise<void> {
    if (this.rest.trim() !== '') await this.take(Buffer.from('\n'));
    if (this.json) await write(`${this.rows === 0 ? '[' : this.close(0)}]\n`);
    else await write(this.rows === 0 ? 'no tasks\n' : `\n${TREE_LEGEND}\n`);
  }

  private row({ depth, last, task }: TaskTreeLine): string {
    this.lastAt.length = depth;
    // Roots have no connector; below them each ancestor (from depth 1) adds a bar while siblings follow it.
    const prefix = this.lastAt.slice(1).map((ancestorLast) => (ancestorLast ? '    ' : '│   ')).join('');
    this.lastAt.push(last);
    return taskTreeRow(task, prefix, depth === 0 ? '' : last ? '└── ' : '├── ');
  }

  /** A task as a node of task_tree's JSON, its children left open: `{…task,"children":[`. */
  private node({ depth, task }: TaskTreeLine): string {
    const head = this.openDepth < 0 ? '[' : depth > this.openDepth ? '' : `${this.close(depth)},`;
    this.openDepth = depth;
    return `${head}${JSON.stringify(task).slice(0, -1)},"children":[`;
  }

  /** Closes the open nodes at `depth` and below it. */
  private close(depth: number): string {
    return ']}'.repeat(this.openDepth - depth + 1);
  }
}
