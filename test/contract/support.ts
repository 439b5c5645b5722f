/**
 * What the contract suite (cases.ts) and its transports (the *.test.ts files here) share: who calls, how a
 * transport looks, and how an MCP tool result or a CLI `--json` answer is decoded into the operation's
 * result or a MaestroError.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import type { Actor } from '../../src/core/access.js';
import { ERROR_CODES, MaestroError } from '../../src/core/error-codec.js';
import { toMaestroError } from '../../src/core/errors.js';
import { executeOp } from '../../src/core/operations.js';
import type { MaestroService } from '../../src/core/service.js';

/** Who makes a call: the owner (secret), or a session proving itself with its token. */
export type Caller =
  | { kind: 'owner' }
  | { kind: 'session'; id: string; token: string; role: 'worker' | 'orchestrator' };

export const OWNER: Caller = { kind: 'owner' };

/** Runs operation `op` (dotted name) with `input` as `as`; the decoded result, or throws a MaestroError. */
export type OpCall = (op: string, input: Record<string, unknown>, as?: Caller) => Promise<unknown>;

export interface OpTransport {
  name: string;
  /** The transport under test. */
  call: OpCall;
  /** A session's token (read on the server's side: spawning returns none). */
  tokenOf(sessionId: string): string;
  /**
   * How the cases set things up (projects, tasks, sessions they then act on); defaults to `call`. A slow
   * transport (a process per call) may set up through the service directly: what a case asserts on always
   * goes through `call`.
   */
  arrange?: OpCall;
  /** Run the cases concurrently (each case is independent): for transports whose calls are child processes. */
  concurrent?: boolean;
  /** Per-case timeout (ms). */
  timeoutMs?: number;
  /**
   * Cases this transport is known to fail today (case name -> why): registered with `it.fails`, so the
   * suite stays green while the product is broken there and turns red once it is fixed (then drop the entry).
   */
  knownIssues?: Record<string, string>;
}

/** Thrown by a transport that cannot express a call (e.g. a CLI with no flag for an input field): the case is skipped. */
export class Unsupported extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'Unsupported';
  }
}

/** What crosses a wire: the JSON form of a value (drops undefined, turns Dates into strings). */
export const jsonCopy = <T>(value: T): T => (value === undefined ? (null as T) : (JSON.parse(JSON.stringify(value)) as T));

export const callerKey = (as: Caller = OWNER): string => (as.kind === 'owner' ? 'owner' : as.id);

/** The actor a caller is, as the server's door would find it from the token (without refusing ended sessions). */
export function actorFor(svc: MaestroService, as: Caller = OWNER): Actor {
  if (as.kind === 'owner') return { kind: 'user' };
  const session = svc.sessions.identityByToken(as.token);
  if (!session) throw new MaestroError('unauthorized', `unknown token for ${as.id}`, 'authorization');
  return { kind: 'session', session };
}

/** `executeOp` on the service itself, results as JSON (what every wire would carry). */
export function inProcessCall(svc: MaestroService): OpCall {
  return async (op, input, as) => {
    try {
      return jsonCopy(await executeOp(svc, actorFor(svc, as), op, input));
    } catch (err) {
      throw toMaestroError(err);
    }
  };
}

/** `task.create` -> `task_create`; `whoami` stays. */
export { toolName } from '../../src/core/contracts/contract.js';

const ERROR_TEXT = /^([a-z_]+): ([\s\S]*?)(?: \(field: ([^()]*)\))?$/;

/** The error an MCP error result's text describes: `<code>: <message> (field: <field>)`, as the server writes it. */
export function parseErrorText(text: string): MaestroError {
  const m = ERROR_TEXT.exec(text.trim());
  if (!m || !(ERROR_CODES as readonly string[]).includes(m[1]!)) return new MaestroError('internal', text || 'an error result without text');
  return new MaestroError(m[1] as MaestroError['code'], m[2]!, m[3]);
}

/**
 * The operation result an MCP tool result carries: the JSON text content (kept for older clients). When
 * `structuredContent` is there too it must say the same: the object itself, `{items}` for a list, `{result}`
 * for anything else. An error result becomes a MaestroError: from `structuredContent.error` when present
 * (and then its text must agree), else from the text.
 */
export function decodeToolResult(result: CallToolResult, op: string): unknown {
  const texts = result.content.filter((c) => c.type === 'text').map((c) => (c as { text: string }).text);
  const text = texts[0] ?? '';
  const structured = result.structuredContent as Record<string, unknown> | undefined;
  if (result.isError) {
    const fromText = parseErrorText(text);
    if (structured && typeof structured.error === 'object' && structured.error !== null) {
      const error = MaestroError.fromJSON(structured);
      expect({ code: fromText.code, field: fromText.field }, `${op}: error text and structuredContent.error disagree`).toEqual({
        code: error.code,
        field: error.field,
      });
      throw error;
    }
    throw fromText;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${op}: the tool result's text is not JSON: ${text.slice(0, 200)}`);
  }
  if (structured !== undefined) {
    const expected =
      parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
        ? parsed
        : Array.isArray(parsed)
          ? { items: parsed }
          : { result: parsed };
    expect(structured, `${op}: structuredContent differs from the text content`).toEqual(expected);
  }
  return parsed;
}

/** Decodes the CLI's `--json` output: the result on success; `{"error":{…}}` (stdout) on failure. */
export function decodeCliOutput(argv: string[], r: { code: number; stdout: string; stderr: string }): unknown {
  let parsed: unknown;
  try {
    parsed = r.stdout.trim() === '' ? undefined : JSON.parse(r.stdout);
  } catch {
    throw new Error(`maestro ${argv.join(' ')}: stdout is not JSON (exit ${r.code}): ${r.stdout.slice(0, 300)} ${r.stderr.slice(0, 300)}`);
  }
  if (r.code === 0) return parsed ?? null;
  if (parsed && typeof parsed === 'object' && 'error' in parsed) {
    const error = MaestroError.fromJSON(parsed);
    // The exit code follows the error (2: invalid input, 3: unreachable, 1: any other refusal).
    const exit = error.code === 'invalid_input' ? 2 : error.code === 'unavailable' ? 3 : 1;
    expect(r.code, `maestro ${argv.join(' ')}: exit code for ${error.code}`).toBe(exit);
    throw error;
  }
  throw new Error(`maestro ${argv.join(' ')} exited ${r.code} without a JSON error: ${r.stderr.slice(0, 300)}`);
}
