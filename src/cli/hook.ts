import { appendFileSync, mkdirSync, statSync } from 'node:fs';
import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { homePaths, maestroHome } from '../core/paths.js';
import { httpRoute, requestFor } from '../http/routes.js';
import { HOOK_EVENT_NAME, MAX_HOOK_PAYLOAD, hookSpoolPath, type HookDelivery, type HookPost } from '../pty/hooks/contract.js';

/*
 * `maestro hook <event>`: what Claude Code runs for every hook of a session Maestro launched. It reads the
 * hook's JSON on stdin, POSTs it to the server (`POST /api/sessions/:id/hooks`, see ../pty/hooks/contract.ts)
 * and, when the server cannot take it now, appends it to the session's spool for the server to drain.
 *
 * A hook runs in the agent's way (Claude waits for it), and what it prints or how it exits can steer the
 * agent: exit 2 blocks a tool call or a prompt, and stdout of UserPromptSubmit/SessionStart hooks is added
 * to the model's context. So this never prints on stdout, always exits 0, never throws, and is bounded in
 * time (stdin 1 s; the POST 800 ms, less when reading took long: about 1.5 s in all). Errors are silent unless
 * MAESTRO_HOOK_DEBUG=1: then one line on stderr says what became of the event and how long it took
 * (`maestro hook Stop: spooled: ECONNREFUSED (3 ms in the hook, 61 ms since the process started)`).
 *
 * Only node built-ins and two tiny modules are imported here: this starts on every tool call.
 */

/** How long to wait for stdin to end; what arrived by then is used. */
export const STDIN_TIMEOUT_MS = 1000;
/** Hard deadline of the POST, connection included … */
export const POST_DEADLINE_MS = 800;
/** … shortened so that the whole hook, from its process's start, ends by about this time … */
export const TOTAL_BUDGET_MS = 1500;
/** … but never below this: an answer from a local server takes a few milliseconds. */
export const MIN_POST_MS = 150;
/** Beyond this much stdin, reading stops (the payload is then cut to `raw`). */
export const MAX_STDIN_BYTES = 16 * 1024 * 1024;
/** The spool stops growing here (about a thousand big events); a server that never drains it is gone. */
export const MAX_SPOOL_BYTES = 64 * 1024 * 1024;
/** Unparsable stdin is kept as this many of its first bytes. */
const RAW_BYTES = 2048;
/** In an oversized payload, strings longer than this (UTF-8 bytes) are dropped. */
const SMALL_STRING_BYTES = 4096;
/** … and `tool_input` keeps at most this much of its small fields. */
const TOOL_INPUT_BUDGET = 8 * 1024;
/** Fields kept first when a payload is cut (the rest of the small ones follow while they fit). */
const FIRST_FIELDS = [
  'session_id',
  'transcript_path',
  'cwd',
  'hook_event_name',
  'tool_name',
  'tool_use_id',
  'tool_input',
  'notification_type',
  'message',
  'source',
  'reason',
  'trigger',
  'permission_mode',
  'stop_hook_active',
];
/** Session ids are `ses_…`; anything that could leave the sessions directory is refused. */
const SESSION_ID = /^[A-Za-z0-9_-]{1,128}$/;

export type HookOutcome =
  | { kind: 'ignored'; reason: string }
  | { kind: 'delivered'; status: number }
  | { kind: 'refused'; status: number }
  | { kind: 'spooled'; reason: string }
  | { kind: 'lost'; reason: string };

export interface HookOptions {
  stdin?: NodeJS.ReadableStream & { destroy?: () => void; isTTY?: boolean };
  env?: NodeJS.ProcessEnv;
  /** When the budget started, as a `performance.now()` (default 0: the process's start). */
  startedAt?: number;
}

/**
 * Runs one hook: read, shape, deliver, spool. Resolves (never rejects) with what became of the event, and
 * leaves nothing running (stdin closed, request destroyed, timers cleared).
 */
export async function runHook(event: string | undefined, opts: HookOptions = {}): Promise<HookOutcome> {
  const env = opts.env ?? process.env;
  const began = performance.now();
  let outcome: HookOutcome;
  try {
    outcome = await hook(event, env, opts);
  } catch (err) {
    outcome = { kind: 'lost', reason: `unexpected: ${errorText(err)}` };
  }
  if (env.MAESTRO_HOOK_DEBUG === '1') debugLine(event, outcome, began);
  return outcome;
}

async function hook(event: string | undefined, env: NodeJS.ProcessEnv, opts: HookOptions): Promise<HookOutcome> {
  const firedAt = new Date().toISOString();
  const sessionId = env.MAESTRO_SESSION_ID?.trim();
  // Not a Maestro session (the user's own Claude with the same settings): nothing to do, not even reading.
  if (!sessionId) return { kind: 'ignored', reason: 'no MAESTRO_SESSION_ID' };
  if (!SESSION_ID.test(sessionId)) return { kind: 'ignored', reason: 'MAESTRO_SESSION_ID is not a session id' };
  if (!event || !HOOK_EVENT_NAME.test(event)) return { kind: 'ignored', reason: `not a hook event name: ${JSON.stringify(event ?? '')}` };

  const stdin = opts.stdin ?? process.stdin;
  const input = stdin.isTTY ? { bytes: Buffer.alloc(0), complete: true } : await readAll(stdin, STDIN_TIMEOUT_MS, MAX_STDIN_BYTES);
  const delivery: HookDelivery = { event, payload: shapePayload(input.bytes, input.complete), firedAt };

  const sessionDir = homePaths(maestroHome(env)).session(sessionId);
  const url = hooksUrl(env, sessionId);
  const token = env.MAESTRO_SESSION_TOKEN?.trim();
  if (!url) return spool(sessionDir, delivery, 'no MAESTRO_API_URL');
  if (!token) return spool(sessionDir, delivery, 'no MAESTRO_SESSION_TOKEN');

  const post: HookPost = { events: [delivery] };
  const left = TOTAL_BUDGET_MS - (performance.now() - (opts.startedAt ?? 0));
  const answer = await postJson(url, token, JSON.stringify(post), Math.round(Math.min(POST_DEADLINE_MS, Math.max(MIN_POST_MS, left))));
  if ('error' in answer) return spool(sessionDir, delivery, answer.error);
  const { status } = answer;
  if (status < 300) return { kind: 'delivered', status };
  // The server is there but cannot take it now: it will drain the spool later.
  if (status >= 500 || status === 408 || status === 429) return spool(sessionDir, delivery, `HTTP ${status}`);
  // Refused for good (the session ended, the input is bad): a spooled copy would be refused too.
  return { kind: 'refused', status };
}

/** `${MAESTRO_API_URL}/api/sessions/<id>/hooks` (else MAESTRO_PORT on loopback), or null without either. */
export function hooksUrl(env: NodeJS.ProcessEnv, sessionId: string): URL | null {
  const port = env.MAESTRO_PORT?.trim();
  const base = env.MAESTRO_API_URL?.trim() || (port ? `http://127.0.0.1:${port}` : '');
  if (!base) return null;
  try {
    const url = new URL(base.replace(/\/+$/, '') + requestFor(httpRoute('session.hooks'), { sessionId }).path);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

/** Reads a stream to its end, or for `timeoutMs`, or up to `maxBytes`; whichever comes first. Never rejects. */
export function readAll(
  stream: NodeJS.ReadableStream & { destroy?: () => void },
  timeoutMs: number,
  maxBytes: number,
): Promise<{ bytes: Buffer; complete: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (complete: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('error', onError);
      stream.on('error', () => {}); // a late EPIPE/EBADF must not become an uncaught exception
      try {
        stream.pause();
        stream.destroy?.(); // a stdin that never closes would keep the process alive
      } catch {
        /* already closed */
      }
      resolve({ bytes: Buffer.concat(chunks, size), complete });
    };
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (size + buf.length > maxBytes) {
        chunks.push(buf.subarray(0, maxBytes - size));
        size = maxBytes;
        finish(false);
        return;
      }
      chunks.push(buf);
      size += buf.length;
    };
    const onEnd = () => finish(true);
    const onError = () => finish(false);
    const timer = setTimeout(() => finish(false), timeoutMs);
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.resume();
  });
}

/**
 * The hook's stdin as the event's payload: the JSON object itself when it is one and small enough; only its
 * small fields (plus `truncated: true`) when over MAX_HOOK_PAYLOAD; `{ raw }` (its first 2 KiB) when it is not
 * a JSON object (plus `truncated: true` when cut); `{}` when nothing arrived.
 */
export function shapePayload(bytes: Buffer, complete = true): Record<string, unknown> {
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return rawPayload(bytes, complete);
  }
  if (!isObject(parsed)) return rawPayload(bytes, complete);
  // A compact re-serialisation is never longer than its source: only a long source needs measuring.
  if (bytes.length <= MAX_HOOK_PAYLOAD || Buffer.byteLength(JSON.stringify(parsed)) <= MAX_HOOK_PAYLOAD) return parsed;
  return reducePayload(parsed);
}

function rawPayload(bytes: Buffer, complete: boolean): Record<string, unknown> {
  // stream: true holds back a character cut in half at the 2 KiB boundary instead of mangling it
  const raw = new TextDecoder('utf-8').decode(bytes.subarray(0, RAW_BYTES), { stream: true });
  return bytes.length > RAW_BYTES || !complete ? { raw, truncated: true } : { raw };
}

/** Keeps the small top-level fields (known ones first) and `tool_input`'s small fields, within MAX_HOOK_PAYLOAD. */
export function reducePayload(payload: Record<string, unknown>): Record<string, unknown> {
  const tail = ',"truncated":true}';
  const out: Record<string, unknown> = {};
  const budget = { used: 1 + tail.length };
  const keys = [...FIRST_FIELDS.filter((k) => Object.hasOwn(payload, k)), ...Object.keys(payload).filter((k) => !FIRST_FIELDS.includes(k))];
  for (const key of keys) {
    if (key === 'truncated') continue;
    const value = payload[key];
    if (key === 'tool_input' && isObject(value)) addWithin(out, key, smallFields(value, TOOL_INPUT_BUDGET), budget, MAX_HOOK_PAYLOAD);
    else if (isSmall(value)) addWithin(out, key, value, budget, MAX_HOOK_PAYLOAD);
  }
  out.truncated = true;
  return out;
}

function smallFields(obj: Record<string, unknown>, limit: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const budget = { used: 2 };
  for (const [key, value] of Object.entries(obj)) if (isSmall(value)) addWithin(out, key, value, budget, limit);
  return out;
}

function addWithin(out: Record<string, unknown>, key: string, value: unknown, budget: { used: number }, limit: number): void {
  const cost = Buffer.byteLength(JSON.stringify(key)) + 1 + Buffer.byteLength(JSON.stringify(value)) + 1; // "key":value,
  if (budget.used + cost > limit) return;
  out[key] = value;
  budget.used += cost;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSmall = (v: unknown): boolean =>
  v === null || typeof v === 'boolean' || typeof v === 'number' || (typeof v === 'string' && Buffer.byteLength(v) <= SMALL_STRING_BYTES);

/** One POST on a fresh connection, abandoned at `deadlineMs`: the status, or why there is none. Never rejects. */
export async function postJson(url: URL, token: string, body: string, deadlineMs: number): Promise<{ status: number } | { error: string }> {
  let request = httpRequest;
  if (url.protocol === 'https:') request = (await import('node:https')).request as typeof httpRequest; // only then
  return new Promise((resolve) => {
    let req: ClientRequest | undefined;
    let settled = false;
    const settle = (result: { status: number } | { error: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req?.destroy(); // the status is all we need; an open body would keep the process waiting
      resolve(result);
    };
    const timer = setTimeout(() => settle({ error: `no answer within ${deadlineMs} ms` }), deadlineMs);
    const options: RequestOptions = {
      method: 'POST',
      agent: false,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        accept: 'application/json',
      },
    };
    try {
      req = request(url, options, (res: IncomingMessage) => {
        res.on('error', () => {});
        settle({ status: res.statusCode ?? 0 });
      });
      req.on('error', (err) => settle({ error: errorText(err) }));
      req.end(body);
    } catch (err) {
      settle({ error: errorText(err) });
    }
  });
}

/** Appends the event to the session's spool: one line, one write (O_APPEND), so concurrent hooks don't interleave. */
export function spool(sessionDir: string, delivery: HookDelivery, reason: string): HookOutcome {
  try {
    const path = hookSpoolPath(sessionDir);
    mkdirSync(sessionDir, { recursive: true, mode: 0o700 });
    let size = 0;
    try {
      size = statSync(path).size;
    } catch {
      /* no spool yet */
    }
    if (size >= MAX_SPOOL_BYTES) return { kind: 'lost', reason: `${reason}; spool full (${size} bytes)` };
    appendFileSync(path, `${JSON.stringify(delivery)}\n`, { mode: 0o600 });
    return { kind: 'spooled', reason };
  } catch (err) {
    return { kind: 'lost', reason: `${reason}; spool failed: ${errorText(err)}` };
  }
}

function errorText(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  return String((e && (e.code ?? e.message)) ?? err).slice(0, 200);
}

function debugLine(event: string | undefined, outcome: HookOutcome, began: number): void {
  const what =
    outcome.kind === 'delivered' || outcome.kind === 'refused' ? `${outcome.kind} (HTTP ${outcome.status})` : `${outcome.kind}: ${outcome.reason}`;
  try {
    // performance.now() counts from the process's start: with Node's own start-up, what the agent waited
    const now = performance.now();
    const took = `(${Math.round(now - began)} ms in the hook, ${Math.round(now)} ms since the process started)`;
    process.stderr.write(`${`maestro hook ${event ?? '?'}: ${what}`.replace(/\s+/g, ' ').slice(0, 300)} ${took}\n`);
  } catch {
    /* stderr closed */
  }
}
