/*
 * What `maestro hook <event>` may print on stdout (issue 12): the hook output JSON Claude Code reads, as
 * the server's answer carries it (`output`), for messages from other sessions. Checked here against the
 * event it ran for, so nothing else can ever reach Claude's stdout:
 *   UserPromptSubmit, PostToolUse: {"hookSpecificOutput":{"hookEventName":<event>,"additionalContext":"…"}}
 *   Stop:                          {"decision":"block","reason":"…"}  (Claude goes on with the reason)
 * Node built-ins only (see ../hook.ts).
 */

const CONTEXT_EVENTS = new Set(['UserPromptSubmit', 'PostToolUse']);
/** Claude Code caps what it adds; more than this is never printed. */
export const MAX_OUTPUT_CHARS = 200_000;

/** The line to print for `event` from the server's answer, or null when there is nothing (valid) to print. */
export function hookOutput(event: string, answer: unknown): string | null {
  const output = (answer as { output?: unknown } | null)?.output as Record<string, unknown> | undefined;
  if (!output || typeof output !== 'object') return null;
  let shaped: object | null = null;
  if (CONTEXT_EVENTS.has(event)) {
    const specific = output.hookSpecificOutput as Record<string, unknown> | undefined;
    if (specific && specific.hookEventName === event && typeof specific.additionalContext === 'string' && specific.additionalContext !== '')
      shaped = { hookSpecificOutput: { hookEventName: event, additionalContext: specific.additionalContext } };
  } else if (event === 'Stop') {
    if (output.decision === 'block' && typeof output.reason === 'string' && output.reason !== '') shaped = { decision: 'block', reason: output.reason };
  }
  if (!shaped) return null;
  const line = JSON.stringify(shaped);
  return line.length > MAX_OUTPUT_CHARS ? null : line;
}
