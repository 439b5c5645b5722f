// zod only as types: the CLI imports this module on every run, and loading zod costs it ~130 ms (the
// error's zod schema, ErrorJsonSchema, is in entities/error.ts).
import type { ZodError } from 'zod';

export { ERROR_CODES, MaestroError, type ErrorCode, type ErrorJson } from './error-codec.js';
import { MaestroError } from './error-codec.js';

export const notFound = (what: string, id: string, field?: string) =>
  new MaestroError('not_found', `${what} '${id}' does not exist`, field);

export const forbidden = (message: string, field?: string) => new MaestroError('forbidden', message, field);

export const invalid = (message: string, field?: string) => new MaestroError('invalid_input', message, field);

/** Turns a zod failure into a MaestroError naming the first offending field. */
export function fromZodError(err: ZodError): MaestroError {
  const issue = err.issues[0];
  // An unknown key has no path of its own: name the key itself.
  const path = issue?.code === 'unrecognized_keys' && issue.keys.length > 0 ? [...issue.path, issue.keys[0]!] : issue?.path ?? [];
  const field = path.length > 0 ? path.join('.') : undefined;
  // A bad record key (an env variable name) only says "Invalid key in record": say why instead.
  const message = (i: ZodError['issues'][number]) =>
    i.code === 'invalid_key' && i.issues.length > 0 ? i.issues.map((k) => k.message).join('; ') : i.message;
  const detail = err.issues
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${message(i)}` : message(i)))
    .join('; ');
  return new MaestroError('invalid_input', `invalid input: ${detail}`, field);
}

/** SQLite result codes that mean "another process holds the database; try again shortly". */
const BUSY_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_LOCKED_SHAREDCACHE']);

export const isDatabaseBusy = (err: unknown): boolean => BUSY_CODES.has(String((err as { code?: unknown } | null)?.code ?? ''));

/** A zod failure, told by its shape (zod's own class is not loaded here; see the top). */
const isZodError = (err: unknown): err is ZodError =>
  err instanceof Error && err.name === 'ZodError' && Array.isArray((err as { issues?: unknown }).issues);

/** Normalises anything thrown into a MaestroError; unknown failures become 'internal'. */
export function toMaestroError(err: unknown): MaestroError {
  if (err instanceof MaestroError) return err;
  if (isZodError(err)) return fromZodError(err);
  if (isDatabaseBusy(err)) return new MaestroError('unavailable', 'the database is busy (another process holds a lock); retry shortly');
  const message = err instanceof Error ? err.message : String(err);
  return new MaestroError('internal', message);
}
