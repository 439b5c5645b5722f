import { basename } from 'node:path';
import { programOf } from '../shell.js';
import { claudeDetector } from './claude.js';
import { classifyScreen, decide, firstMatch, linesAround, screenTail } from './classify.js';
import { genericDetector } from './generic.js';
import type { AgentDetector, ReasonMatch, ScreenReason } from './types.js';

export * from './types.js';
export { claudeDetector, genericDetector, classifyScreen, screenTail };

/** Specific detectors first; the generic one catches everything else. Add new agents here. */
export const DETECTORS: readonly AgentDetector[] = [claudeDetector, genericDetector];

/** The detector for an agent command line, chosen by the basename of the program it runs. */
export function detectorFor(commandLine: string): AgentDetector {
  const program = basename(programOf(commandLine) ?? '');
  return DETECTORS.find((d) => d.handles(program)) ?? genericDetector;
}

const MAX_DETAIL = 200;

function clip(text: string, max = MAX_DETAIL): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

interface ReasonParts {
  reason: ScreenReason;
  pattern: string;
  /** The matched line(s), cleaned. */
  line: string;
  /** The short cause (e.g. "ENOTFOUND") and the line that names it, when the row looks for one. */
  cause: { text: string; line: string } | null;
}

function reasonParts(detector: AgentDetector, screen: string): ReasonParts | null {
  const { tail, reason } = decide(detector, screen);
  if (!reason) return null;
  const { row, match } = reason;
  const line = linesAround(tail, match.index, match.index + match[0].length);
  let cause: ReasonParts['cause'] = null;
  if (row.cause) {
    // Look from the matched line on: the cause is named with it or below it.
    const from = tail.lastIndexOf('\n', match.index - 1) + 1;
    const c = firstMatch(row.cause, tail.slice(from));
    if (c) cause = { text: c[1] ?? c[0], line: linesAround(tail, from + c.index, from + c.index + c[0].length) };
  }
  return { reason: row.reason!, pattern: row.name, line, cause };
}

/**
 * Why the agent is where it is, when its screen says so: the reason, the pattern that gave it, and
 * the most telling line of the screen (the matched line, followed by the line naming the cause when
 * that is another one), at most 200 characters. Pure: the same screen gives the same answer, and it
 * agrees with classifyScreen's reason.
 */
export function screenReason(detector: AgentDetector, screen: string): ReasonMatch | null {
  const p = reasonParts(detector, screen);
  if (!p) return null;
  const detail = p.cause && !p.line.includes(p.cause.text) ? `${p.line} … ${p.cause.line}` : p.line;
  return { reason: p.reason, pattern: p.pattern, detail: clip(detail) };
}

const REASON_LABEL: Record<ScreenReason, string> = {
  offline: 'offline',
  login_required: 'login required',
  trust_prompt: 'folder trust prompt',
};

/**
 * A one-line human reason for an agent that exited, read from its last screen, for the supervisor to
 * add to "agent exited with code 1": e.g. "offline: Unable to connect to Anthropic services
 * (ENOTFOUND)". Null when the screen gives no reason.
 */
export function exitReason(detector: AgentDetector, lastScreen: string): string | null {
  const p = reasonParts(detector, lastScreen);
  if (!p) return null;
  // The retry counter of a spinner line says nothing once the agent is gone.
  const line = p.line.replace(/\s*·\s*retrying\b.*$/i, '').replace(/[\s:]+$/, '');
  return clip(`${REASON_LABEL[p.reason]}: ${p.cause && !line.includes(p.cause.text) ? `${line} (${p.cause.text})` : line}`);
}
