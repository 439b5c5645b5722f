import { InvalidArgumentError } from 'commander';
import { realpathSync } from 'node:fs';
import { projectAt } from '../core/project-dirs.js';
import { maestroHome } from '../core/paths.js';
import { makeClient, usageError, type Env, type Opts } from './run.js';

/*
 * Option value parsers. They only reshape text (comma lists, `none`, KEY=VALUE); whether a value is
 * valid is the server's call, so a bad enum or id still gets the server's precise message.
 */

/** `a,b` and repeated flags accumulate into one list; `none` (or an empty value) means an empty list. */
/** `--if-version 3`: a version is a whole number; anything else stops here, naming the flag (commander adds it). */
export function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('it must be a whole number (the version you read, e.g. 3).');
  return Number(value);
}

/** `--test-cmd ''`, `--base-branch ''`: an empty value clears a setting (null), else the value. */
export const orClear = (value: string | undefined): string | null | undefined => (value === undefined ? undefined : value.trim() === '' ? null : value);

export function list(value: string, previous: string[] = []): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 1 && items[0] === 'none') return previous;
  return [...previous, ...items];
}

/**
 * `none` means null (e.g. `--parent none` makes a task top-level). Applied when building the input, not
 * as a commander parser: commander turns a parser's null into ''.
 */
export const orNull = (value: string | undefined): string | null | undefined => (value?.trim() === 'none' ? null : value);

/** Whole numbers become numbers; anything else is passed on for the server to reject precisely. */
export const int = (value: string): number | string => (/^-?\d+$/.test(value.trim()) ? Number(value) : value);

/** Repeatable `--env KEY=VALUE`. */
export function keyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected KEY=VALUE.');
  return { ...previous, [value.slice(0, eq).trim()]: value.slice(eq + 1) };
}

/**
 * The project a command is about: `--project` > $MAESTRO_PROJECT_ID > the project whose directory (or
 * worktree folder) the command runs in > none, which the server takes as its only project.
 */
export async function projectOf(opts: Opts, env: Env, cwd: string = process.cwd()): Promise<string | undefined> {
  const named = namedProject(opts, env);
  if (named !== undefined) return named;
  // An agent's calls are about its own project already (the server knows it from the session).
  if (env.MAESTRO_SESSION_ID?.trim() || env.MAESTRO_SESSION_TOKEN?.trim()) return undefined;
  return (await projectFromDirectory(env, cwd))?.id;
}

/**
 * Only the project the user named (`--project`, $MAESTRO_PROJECT_ID): for a command about a task that
 * already says its project (`task create --parent`, `task tree <root>`), the directory does not count.
 */
export const namedProject = (opts: Opts, env: Env): string | undefined => opts.project ?? (env.MAESTRO_PROJECT_ID?.trim() || undefined);

export const PROJECT_OPTION = [
  '--project <project>',
  'project id or name (default: $MAESTRO_PROJECT_ID, else the project of the current directory, else the only project)',
] as const;
export const ALL_PROJECTS_OPTION = ['--all', 'every project, whatever the current directory or $MAESTRO_PROJECT_ID'] as const;

/** For a command with ALL_PROJECTS_OPTION: every project (`all: true`), or the one it is about; not both. */
export async function projectsOf(opts: Opts, env: Env): Promise<{ project: string | undefined; all: true | undefined }> {
  if (opts.all && opts.project !== undefined) throw usageError('give --project or --all, not both', 'all');
  return opts.all ? { project: undefined, all: true } : { project: await projectOf(opts, env), all: undefined };
}
export const SESSION_OPTION = ['--session <id>', 'session to act on (default: $MAESTRO_SESSION_ID)'] as const;

/** The original product's task status names that mean one of ours (`completed` is our `done`). */
const STATUS_ALIASES: Record<string, string> = { completed: 'done', complete: 'done' };
export const taskStatus = (value: string | undefined): string | undefined => (value === undefined ? undefined : (STATUS_ALIASES[value.trim()] ?? value));

/** A comma list of task statuses, with the original product's names mapped to ours. */
export const taskStatusList = (value: string, previous: string[] = []): string[] => [...previous, ...list(value, []).map((s) => taskStatus(s)!)];

/** The project the directory `cwd` belongs to (its own folder or its sessions' worktrees), asked of the server. */
export async function projectFromDirectory(env: Env, cwd: string) {
  const projects = await makeClient(env).call('project.list');
  const real = (path: string) => {
    try {
      return realpathSync(path);
    } catch {
      return path; // a folder not made yet (no worktree so far) cannot hold the current directory anyway
    }
  };
  return projectAt(projects, cwd, maestroHome(env), real);
}
