import { appendFileSync, mkdirSync, statSync } from 'node:fs';
import { hookSpoolPath, type HookDelivery } from '../../pty/hooks/contract.js';
import { errorText, type HookOutcome } from './outcome.js';

/*
 * The session's hook spool, writing side: an event the server cannot take now is appended to
 * `hooks.spool.jsonl` in the session's directory, one JSON line each, for the server to drain in order
 * later (../../pty/hooks/ingest.ts). Bounded in size; never throws. Node built-ins only (see ../hook.ts).
 */

/** The spool stops growing here (about a thousand big events); a server that never drains it is gone. */
export const MAX_SPOOL_BYTES = 64 * 1024 * 1024;

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
