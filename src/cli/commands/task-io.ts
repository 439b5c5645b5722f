import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { MaestroError } from '../../core/errors.js';
import type { OpResult } from '../../core/operations.js';
import type { TaskStatus } from '../../core/schemas.js';
import { PROJECT_OPTION, projectOf, taskStatusList } from '../options.js';
import { endAtClosedPipe, writeOut } from '../stdout.js';
import { compact, fail, makeClient, print, printJson, usageError } from '../run.js';

/*
 * `maestro task import <file>` and `maestro task export`: tasks in bulk, as JSONL (one task per line) or
 * a JSON array, or Taskmaster's tasks.json. The import sends the whole file to the server, which checks
 * every row and writes them in one transaction (src/core/task-import.ts); the export streams JSONL that
 * imports back as the same tasks.
 */

const FORMATS = ['maestro', 'taskmaster'];

async function readInput(file: string): Promise<string> {
  if (file !== '-') {
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw new MaestroError(code === 'ENOENT' ? 'not_found' : 'invalid_input', code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${String(err)}`, 'file');
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** What the import is doing, on stderr, when stderr is a terminal (never with --json). */
function progress(enabled: boolean, rows: number): { phase(text: string): void; done(): void } {
  if (!enabled) return { phase: () => undefined, done: () => undefined };
  const started = Date.now();
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let text = '';
  let frame = 0;
  const draw = () => {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stderr.write(`\r\x1b[2K${frames[frame++ % frames.length]} ${text} (${rows} rows, ${seconds}s)`);
  };
  const timer = setInterval(draw, 100);
  return {
    phase(next) {
      text = next;
      draw();
    },
    done() {
      clearInterval(timer);
      process.stderr.write('\r\x1b[2K');
    },
  };
}

const countRows = (text: string, from: string): number =>
  from === 'maestro' && !/^\s*\[/.test(text) ? text.split('\n').filter((l) => l.trim() !== '').length : 0;

export function summaryLine(r: OpResult<'task.import'>): string {
  const verb = r.dryRun ? 'would import' : 'imported';
  return `${verb} ${r.total} task${r.total === 1 ? '' : 's'}: ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged${r.dryRun ? ' (dry run: nothing written)' : ''}`;
}

export function registerTaskIoCommands(task: Command): void {
  const imp = task
    .command('import <file>')
    .description("create or update tasks from a file: JSONL (one task per line) or a JSON array ('-': stdin); Taskmaster's tasks.json with --from taskmaster")
    .option('--from <format>', `the file's format: ${FORMATS.join(' or ')} (default maestro)`)
    .option('--dry-run', 'check every row and say what would change, writing nothing')
    .option(...PROJECT_OPTION)
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nEach row: {"key", "title", "description", "status", "priority", "parent", "dependsOn", "until"} (task create\'s\n' +
        'fields); parent and dependsOn name a key of a row or of a task, or a task id. A row whose key a task of the\n' +
        'project has updates that task, so importing the same file again changes nothing. A bad row is named by its\n' +
        'line and nothing is written. `maestro task export` writes files that import back as the same tasks.',
    );
  imp.action(async (file: string) => {
    const opts = imp.opts();
    try {
      const from = (opts.from as string | undefined) ?? 'maestro';
      if (!FORMATS.includes(from)) throw usageError(`--from must be ${FORMATS.join(' or ')}, not '${from}'`, 'from');
      const text = await readInput(file);
      const bar = progress(Boolean(process.stderr.isTTY) && !opts.json, countRows(text, from));
      bar.phase(opts.dryRun ? 'checking' : 'importing');
      let result: OpResult<'task.import'>;
      try {
        const input = compact({ project: await projectOf(opts, process.env), text, from, dryRun: opts.dryRun ? true : undefined });
        result = await makeClient().call('task.import', input as { text: string });
      } finally {
        bar.done();
      }
      if (opts.json) printJson(result);
      else print(summaryLine(result));
    } catch (err) {
      fail(err, { json: Boolean(opts.json), cmd: imp, fields: { text: '<file>', rows: '<file>' } });
    }
  });

  const exp = task
    .command('export')
    .description('write the tasks of a project as JSONL (one task per line, parents first), which `task import` reads back')
    .option('--status <statuses>', 'only tasks with these statuses, comma-separated', taskStatusList)
    .option(...PROJECT_OPTION)
    .option('--json', 'the same JSONL (every line is JSON)');
  exp.action(async () => {
    const opts = exp.opts();
    try {
      const input = compact({ project: await projectOf(opts, process.env), status: opts.status }) as { project?: string; status?: TaskStatus[] };
      endAtClosedPipe(exp, opts);
      await makeClient().routeStream('task.export', input, writeOut);
    } catch (err) {
      fail(err, { json: Boolean(opts.json), cmd: exp });
    }
  });
}
