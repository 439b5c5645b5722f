/**
 * The one error type of every layer and its wire form, shared by the server, the CLI's client, the MCP
 * bridge and the dashboard. It imports nothing (no zod, no node), so the dashboard bundles it as is.
 *
 * On the wire an error is `{ code, message, field?, current?, cause? }`: REST answers `{ error: <that> }`,
 * MCP puts it in the `structuredContent.error` of an `isError` result. `MaestroError.fromJSON` rebuilds
 * the typed error on the client side, whatever transport carried it.
 */

export const ERROR_CODES = [
  'invalid_input',
  'not_found',
  'unauthorized',
  'forbidden',
  'conflict',
  'dependency_cycle',
  'spawn_failed',
  'unavailable',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

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

/** What an error looks like on the wire (schemas/error.json is generated from the zod twin in errors.ts). */
export interface ErrorJson {
  code: ErrorCode;
  message: string;
  /** The input field at fault, as the operation's input names it (`priority`, `env.PATH`). */
  field?: string;
  /** For `conflict` on a versioned entity: its version now, to re-read and retry. */
  current?: number;
  /** What lay underneath (the failing git/tmux/database call), as text. */
  cause?: string;
}

const isCode = (value: unknown): value is ErrorCode => typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);

/** The one error type every facade knows how to render (HTTP JSON, MCP isError, CLI message). */
export class MaestroError extends Error {
  readonly current?: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    options: { cause?: unknown; current?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MaestroError';
    if (options.current !== undefined) this.current = options.current;
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }

  toJSON(): ErrorJson {
    const json: ErrorJson = { code: this.code, message: this.message };
    if (this.field !== undefined) json.field = this.field;
    if (this.current !== undefined) json.current = this.current;
    const cause = causeText(this.cause);
    if (cause !== undefined) json.cause = cause;
    return json;
  }

  /**
   * Rebuilds an error from its wire form (or from a whole REST answer `{ error: … }`). Anything that is
   * not a Maestro error body becomes `internal` with `fallback` as its message, so callers never have to
   * look inside an answer themselves.
   */
  static fromJSON(value: unknown, fallback = 'the server answered with an error it did not describe'): MaestroError {
    const body = unwrap(value);
    if (!body) return new MaestroError('internal', fallback);
    const code = isCode(body.code) ? body.code : 'internal';
    const message = typeof body.message === 'string' && body.message ? body.message : fallback;
    const field = typeof body.field === 'string' ? body.field : undefined;
    const current = typeof body.current === 'number' ? body.current : undefined;
    const cause = typeof body.cause === 'string' ? body.cause : undefined;
    return new MaestroError(code, message, field, { cause, current });
  }
}

function unwrap(value: unknown): Record<string, unknown> | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  if ('error' in record && record.error !== null && typeof record.error === 'object') return record.error as Record<string, unknown>;
  return 'code' in record || 'message' in record ? record : undefined;
}

function causeText(cause: unknown): string | undefined {
  if (cause === undefined || cause === null) return undefined;
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return String(cause);
}
