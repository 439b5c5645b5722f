import { ZodError } from 'zod';

export type ErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'conflict'
  | 'dependency_cycle'
  | 'spawn_failed'
  | 'unavailable'
  | 'internal';

const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid_input: 400,
  not_found: 404,
  unauthorized: 401,
  forbidden: 403,
  conflict: 409,
  dependency_cycle: 409,
  spawn_failed: 422,
  unavailable: 503,
  internal: 500,
};

/** The one error type every facade knows how to render (HTTP JSON, MCP isError, CLI message). */
export class MaestroError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'MaestroError';
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }

  toJSON(): { code: ErrorCode; message: string; field?: string } {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
}

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

/** Normalises anything thrown into a MaestroError; unknown failures become 'internal'. */
export function toMaestroError(err: unknown): MaestroError {
  if (err instanceof MaestroError) return err;
  if (err instanceof ZodError) return fromZodError(err);
  if (isDatabaseBusy(err)) return new MaestroError('unavailable', 'the database is busy (another process holds a lock); retry shortly');
  const message = err instanceof Error ? err.message : String(err);
  return new MaestroError('internal', message);
}
