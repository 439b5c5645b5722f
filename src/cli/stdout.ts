import type { Command } from 'commander';
import { fail, type Opts } from './run.js';

/*
 * Output that may be a whole 100k-task project (task export, task list, task tree), written as it comes
 * rather than built as one string first.
 */

/** Writes to stdout; a promise when the reader (a pipe, a slow terminal) is behind: wait for it, memory stays flat. */
export function writeOut(chunk: Buffer | string): void | Promise<void> {
  if (process.stdout.write(chunk)) return;
  return new Promise((resolve) => process.stdout.once('drain', () => resolve()));
}

/** `maestro task export | head`: the reader leaving early is the end of the output, not an error. */
export function endAtClosedPipe(cmd: Command, opts: Opts): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' ? process.exit(0) : fail(err, { json: Boolean(opts.json), cmd })));
}
