import { InvalidArgumentError } from 'commander';
import type { Env, Opts } from './run.js';

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

/** `--project`, defaulting to MAESTRO_PROJECT_ID. */
export const projectOf = (opts: Opts, env: Env): string | undefined => opts.project ?? (env.MAESTRO_PROJECT_ID?.trim() || undefined);

export const PROJECT_OPTION = ['--project <project>', 'project id or name (default: $MAESTRO_PROJECT_ID, or the only project)'] as const;
export const SESSION_OPTION = ['--session <id>', 'session to act on (default: $MAESTRO_SESSION_ID)'] as const;

/** The original product's task status names that mean one of ours (`completed` is our `done`). */
const STATUS_ALIASES: Record<string, string> = { completed: 'done', complete: 'done' };
export const taskStatus = (value: string | undefined): string | undefined => (value === undefined ? undefined : (STATUS_ALIASES[value.trim()] ?? value));

/** A comma list of task statuses, with the original product's names mapped to ours. */
export const taskStatusList = (value: string, previous: string[] = []): string[] => [...previous, ...list(value, []).map((s) => taskStatus(s)!)];
