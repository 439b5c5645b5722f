import { Command, CommanderError, type OptionValues } from 'commander';
import { MaestroError, toMaestroError } from '../core/errors.js';
import type { OpInput, OpResult, OperationName } from '../core/operations.js';
import { MaestroClient, clientOptionsFromEnv, type OpArgs } from '../http/client.js';

/*
 * The one place that turns a CLI command into an operation call: options -> op input -> MaestroClient
 * -> human text or JSON on stdout; errors -> one line on stderr and an exit code. Commands hold no
 * business logic; the server validates every input.
 *
 * Exit codes
 *   0  success
 *   1  the operation was refused or failed (not found, forbidden, dependency cycle, conflict, …)
 *   2  usage error or invalid input (unknown command/option, missing argument, bad value)
 *   3  the Maestro server is not reachable
 *
 * With --json, a failure also prints `{"error":{"code","message","field"}}` (the HTTP API's shape)
 * on stdout, so scripts always get JSON; the human `error: …` line stays on stderr.
 */

export const EXIT = { ok: 0, failed: 1, usage: 2, unavailable: 3 } as const;

export type Env = NodeJS.ProcessEnv;
/** A command's parsed options, as commander gives them (its values are whatever the option parsers made). */
export type Opts = OptionValues;
/** A command's positional arguments, as commander gives them. */
export type Args = Command['processedArgs'];

/**
 * The input a command builds for operation N: only the operation's own fields (a misspelt one does not
 * compile), each left undefined when not given (dropped before sending). Their values are the user's words
 * as the option parsers made them: the server validates them, and names the field when one is wrong.
 */
export type CliInput<N extends OperationName> = { [K in keyof OpInput<N>]?: unknown };

/** A command that runs operation N; V is what it prints (the result, unless `output` reshapes it). */
export interface OpSpec<N extends OperationName, V = OpResult<N>> {
  /** commander signature, e.g. `create <title>` */
  usage: string;
  description: string;
  op: N;
  /** Adds the command's own options (`--json` is added for every command). */
  options?: (cmd: Command) => void;
  /** Builds the operation input from positional arguments and options. */
  input: (args: Args, opts: Opts, env: Env) => CliInput<N> | Promise<CliInput<N>>;
  /** Reshapes the operation's result before printing (e.g. a filter the operation lacks). */
  output?: (result: OpResult<N>, opts: Opts) => V;
  /** Human rendering of the result (without trailing newline). */
  human: (result: V, opts: Opts) => string;
  /** Input fields whose CLI name differs from `--kebab-case`, e.g. `{ taskId: '<id>' }`. */
  fields?: Record<string, string>;
  /** Extra help text shown after the options. */
  help?: string;
}

/** Input field -> CLI name, when not simply `--kebab-case`. A command's own `fields` win. */
const FIELD_FLAGS: Record<string, string> = {
  parentId: '--parent',
  dependencies: '--depends-on',
  taskIds: '--task',
  taskId: '--task',
  sessionId: '--session',
  parentSessionId: '--parent',
  skills: '--skill',
  workingDir: '--dir',
  timelineLimit: '--limit',
  'x-maestro-session': 'MAESTRO_SESSION_ID',
  authorization: 'MAESTRO_SESSION_TOKEN',
};

const kebab = (s: string) => `--${s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The CLI flag, argument or variable an error's field corresponds to, if this command has it. */
export function flagFor(cmd: Command, field: string | undefined, own: Record<string, string> = {}): string | undefined {
  if (!field) return undefined;
  const head = field.split('.')[0]!;
  const mapped = own[head] ?? FIELD_FLAGS[head] ?? kebab(head);
  if (mapped.startsWith('<') || mapped.startsWith('[') || mapped.startsWith('MAESTRO_')) return mapped;
  return cmd.options.some((o) => o.long === mapped) ? mapped : undefined;
}

export function exitCodeFor(err: MaestroError): number {
  if (err.code === 'invalid_input') return EXIT.usage;
  if (err.code === 'unavailable') return EXIT.unavailable;
  return EXIT.failed;
}

/** A bad value the CLI itself can tell: exit 2, like the server's validation errors. */
export const usageError = (message: string, field?: string) => new MaestroError('invalid_input', message, field);

export const print = (text: string) => {
  if (text !== '') process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
};

export const printJson = (value: unknown) => process.stdout.write(`${JSON.stringify(value ?? null, null, 2)}\n`);

/** Reports a failure: `error: …` on stderr (+ JSON on stdout with --json) and sets the exit code. */
export function fail(err: unknown, opts: { json?: boolean; cmd?: Command; fields?: Record<string, string> } = {}): void {
  const error = toMaestroError(err);
  const flag = opts.cmd ? flagFor(opts.cmd, error.field, opts.fields) : undefined;
  const hint = flag && !error.message.includes(flag) ? ` (${flag})` : '';
  process.stderr.write(`error: ${error.message}${hint}\n`);
  if (opts.json) printJson({ error: error.toJSON() });
  process.exitCode = exitCodeFor(error);
}

export function makeClient(env: Env = process.env): MaestroClient {
  return new MaestroClient(clientOptionsFromEnv(env));
}

/** Drops undefined values so the input only carries what the user gave. */
export function compact(input: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}

/** Adds a subcommand that runs exactly one operation. */
export function opCommand<N extends OperationName, V = OpResult<N>>(parent: Command, spec: OpSpec<N, V>): Command {
  const cmd = parent.command(spec.usage).description(spec.description);
  spec.options?.(cmd);
  cmd.option('--json', 'print the result as JSON');
  if (spec.help) cmd.addHelpText('after', `\n${spec.help}`);
  cmd.action(async () => {
    const opts = cmd.opts();
    try {
      const input = compact(await spec.input(cmd.processedArgs, opts, process.env));
      // The user's words go as the option parsers made them (CliInput): the server validates them, and
      // names the field when one is wrong. The result is typed by the operation.
      const raw = await makeClient().call(spec.op, ...([input] as OpArgs<N>));
      // Without `output`, V is the result itself (its default): nothing to reshape.
      const result = spec.output ? spec.output(raw, opts) : (raw as unknown as V);
      if (opts.json) printJson(result);
      else print(spec.human(result, opts));
    } catch (err) {
      fail(err, { json: Boolean(opts.json), cmd, fields: spec.fields });
    }
  });
  return cmd;
}

/**
 * The original product's CLI took `--json`, `--project <id>` and `--server <url>` before the command
 * (`maestro --json task list`). Those leading options are rewritten here: `--json` moves to the end of the
 * command's own arguments, `--project` sets $MAESTRO_PROJECT_ID and `--server` $MAESTRO_API_URL.
 */
export function hoistGlobalOptions(argv: string[], env: Env = process.env): string[] {
  const head = argv.slice(0, 2);
  const rest = argv.slice(2);
  let json = false;
  let i = 0;
  for (; i < rest.length; i++) {
    const arg = rest[i]!;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (name === '--json' && eq < 0) json = true;
    else if (name === '--project' || name === '--server') {
      const value = eq > 0 ? arg.slice(eq + 1) : rest[++i];
      if (value === undefined) throw usageError(`option '${name} <value>' argument missing`);
      env[name === '--project' ? 'MAESTRO_PROJECT_ID' : 'MAESTRO_API_URL'] = value;
    } else break;
  }
  const command = rest.slice(i);
  if (json && !command.includes('--json')) {
    const dashdash = command.indexOf('--');
    if (dashdash >= 0) command.splice(dashdash, 0, '--json');
    else command.push('--json');
  }
  return [...head, ...command];
}

/** Runs the program; commander usage errors exit 2, help and version exit 0. */
export async function runMain(program: Command, argv: string[] = process.argv): Promise<void> {
  try {
    await program.parseAsync(hoistGlobalOptions(argv));
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    fail(err);
  }
}
