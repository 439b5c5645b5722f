import { homePaths, maestroHome } from '../core/paths.js';
import { HOOK_EVENT_NAME, type HookDelivery, type HookPost } from '../pty/hooks/contract.js';
import { debugLine, errorText, type HookOutcome } from './hook/outcome.js';
import { hookOutput } from './hook/output.js';
import { shapePayload } from './hook/payload.js';
import { hooksUrl, postJson } from './hook/post.js';
import { spool } from './hook/spool.js';
import { readAll } from './hook/stdin.js';

/*
 * `maestro hook <event>`: what Claude Code runs for every hook of a session Maestro launched. It reads the
 * hook's JSON on stdin, POSTs it to the server (`POST /api/sessions/:id/hooks`, see ../pty/hooks/contract.ts)
 * and, when the server cannot take it now, appends it to the session's spool for the server to drain.
 * This module is the run of one hook and its time budget; the steps are in ./hook/: stdin.ts (reading),
 * payload.ts (shaping), post.ts (delivering), spool.ts (spooling), outcome.ts (what became of it).
 *
 * A hook runs in the agent's way (Claude waits for it), and what it prints or how it exits can steer the
 * agent: exit 2 blocks a tool call or a prompt, and its stdout can add to the model's context or block a
 * Stop. So this always exits 0, never throws, is bounded in time (stdin 1 s; the POST 800 ms, less when
 * reading took long: about 1.5 s in all), and prints on stdout only one thing, only when the server's answer
 * asks for it (messages for the session from other sessions, issue 12; see ./hook/output.ts): one line of
 * Claude Code's hook JSON for the event it ran for, `{"hookSpecificOutput":{"hookEventName":"UserPromptSubmit"
 * or "PostToolUse","additionalContext":"…"}}`, or for Stop `{"decision":"block","reason":"…"}`. Nothing is
 * printed when the server is down, late or refuses, or when nothing new waits. Errors are silent unless
 * MAESTRO_HOOK_DEBUG=1: then one line on stderr says what became of the event and how long it took
 * (`maestro hook Stop: spooled: ECONNREFUSED (3 ms in the hook, 61 ms since the process started)`).
 *
 * Only node built-ins and two tiny modules are imported here and in ./hook/: this starts on every tool call.
 */

export type { HookOutcome } from './hook/outcome.js';
export { reducePayload, shapePayload } from './hook/payload.js';
export { hooksUrl, postJson } from './hook/post.js';
export { MAX_SPOOL_BYTES, spool } from './hook/spool.js';
export { readAll } from './hook/stdin.js';

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
/** Session ids are `ses_…`; anything that could leave the sessions directory is refused. */
const SESSION_ID = /^[A-Za-z0-9_-]{1,128}$/;

export interface HookOptions {
  stdin?: NodeJS.ReadableStream & { destroy?: () => void; isTTY?: boolean };
  /** Where Claude Code's hook JSON goes (default: process.stdout). */
  stdout?: { write(text: string, done: (err?: Error | null) => void): unknown };
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
  if (status < 300) {
    const line = hookOutput(event, answer.body);
    if (line === null) return { kind: 'delivered', status };
    await print(opts.stdout ?? process.stdout, `${line}\n`);
    return { kind: 'delivered', status, printed: line };
  }
  // The server is there but cannot take it now: it will drain the spool later.
  if (status >= 500 || status === 408 || status === 429) return spool(sessionDir, delivery, `HTTP ${status}`);
  // Refused for good (the session ended, the input is bad): a spooled copy would be refused too.
  return { kind: 'refused', status };
}

/** Writes and waits until the text is handed over (the process exits right after). */
function print(out: NonNullable<HookOptions['stdout']>, text: string): Promise<void> {
  return new Promise((resolve) => {
    try {
      out.write(text, () => resolve());
    } catch {
      resolve();
    }
  });
}
