/*
 * What became of one `maestro hook <event>` (HookOutcome), and how the hook reports it: the short error text
 * an outcome carries, and the one stderr line MAESTRO_HOOK_DEBUG=1 asks for. Node built-ins only (see ../hook.ts).
 */

export type HookOutcome =
  | { kind: 'ignored'; reason: string }
  /** `printed`: the hook output JSON written on stdout for Claude Code (messages for the session), if any. */
  | { kind: 'delivered'; status: number; printed?: string }
  | { kind: 'refused'; status: number }
  | { kind: 'spooled'; reason: string }
  | { kind: 'lost'; reason: string };

/** An error as a short text: its code (ECONNREFUSED…) when it has one, else its message; at most 200 characters. */
export function errorText(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  return String((e && (e.code ?? e.message)) ?? err).slice(0, 200);
}

/** The MAESTRO_HOOK_DEBUG=1 line on stderr: what became of the event and how long it took. Never throws. */
export function debugLine(event: string | undefined, outcome: HookOutcome, began: number): void {
  const printed = outcome.kind === 'delivered' && outcome.printed ? `, printed ${outcome.printed.length} characters` : '';
  const what =
    outcome.kind === 'delivered' || outcome.kind === 'refused' ? `${outcome.kind} (HTTP ${outcome.status}${printed})` : `${outcome.kind}: ${outcome.reason}`;
  try {
    // performance.now() counts from the process's start: with Node's own start-up, what the agent waited
    const now = performance.now();
    const took = `(${Math.round(now - began)} ms in the hook, ${Math.round(now)} ms since the process started)`;
    process.stderr.write(`${`maestro hook ${event ?? '?'}: ${what}`.replace(/\s+/g, ' ').slice(0, 300)} ${took}\n`);
  } catch {
    /* stderr closed */
  }
}
