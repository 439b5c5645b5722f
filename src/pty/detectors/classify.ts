import type { AgentDetector, Classification, ScreenPattern, ScreenVerdict } from './types.js';

/** The bottom of the screen, where prompts live; trailing blank rows (tmux pads the pane) dropped. */
export function screenTail(screen: string, lines: number): string {
  const rows = screen.replace(/\r/g, '').split('\n').map((l) => l.replace(/\s+$/, ''));
  while (rows.length > 0 && rows[rows.length - 1] === '') rows.pop();
  return rows.filter((r) => r !== '').slice(-lines).join('\n');
}

/** Between two words of a phrase: spaces, a line break (wrapped text), box borders of a wrapped boxed line. */
export const GAP = String.raw`[\s│┃|]+`;

/**
 * The regex source for a phrase, tolerant of wrapping and box drawing: its words may be separated by
 * any run of whitespace (a non-breaking space too), line breaks and vertical box borders. Words are
 * taken literally.
 */
export function phrase(text: string): string {
  return text
    .trim()
    .split(/\s+/)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join(GAP);
}

/** A screen line as text: box borders, bullets and prompt marks around it dropped, spaces collapsed. */
export function cleanLine(line: string): string {
  return line
    .replace(/\s+/g, ' ')
    .replace(/^[\s│┃|╭╮╰╯─━⎿●⏺✻✽✶✳✢·*❯>]+/, '')
    .replace(/[\s│┃|╭╮╰╯─━>]+$/, '')
    .trim();
}

/** The whole lines of `text` that the range [start, end) touches, as one cleaned line. */
export function linesAround(text: string, start: number, end: number): string {
  const from = text.lastIndexOf('\n', start - 1) + 1;
  const nl = text.indexOf('\n', Math.max(start, end - 1));
  return text
    .slice(from, nl === -1 ? text.length : nl)
    .split('\n')
    .map(cleanLine)
    .filter((l) => l !== '')
    .join(' ');
}

/** A one-shot copy of a regex (no global/sticky state) to locate its match. */
export function firstMatch(re: RegExp, text: string): RegExpExecArray | null {
  return new RegExp(re.source, re.flags.replace(/[gy]/g, '')).exec(text);
}

const VERDICT_ORDER = ['needs_input', 'busy', 'idle'] as const;

export interface Decision {
  /** The bottom of the screen the patterns were matched against. */
  tail: string;
  verdict: ScreenVerdict;
  /** The row that decided the verdict. */
  deciding: ScreenPattern | null;
  /** The row that gives the reason, and its match in the tail. */
  reason: { row: ScreenPattern; match: RegExpExecArray } | null;
}

/**
 * The whole decision. needs_input beats busy beats idle: a prompt on screen matters most, even next
 * to a spinner; within a verdict the first matching row of the table decides. The reason comes from
 * the deciding row if it has one; otherwise from the first matching row with a reason that decides
 * nothing (verdict null) or agrees with the verdict, so a leftover line cannot explain a state it
 * does not belong to (an old "API Error" above a permission prompt does not make it "offline").
 */
export function decide(detector: AgentDetector, screen: string): Decision {
  const tail = screenTail(screen, detector.tailLines);
  const hits = detector.patterns.filter((p) => firstMatch(p.pattern, tail) !== null);
  let deciding: ScreenPattern | null = null;
  for (const verdict of VERDICT_ORDER) {
    deciding = hits.find((p) => p.verdict === verdict) ?? null;
    if (deciding) break;
  }
  const verdict = deciding?.verdict ?? null;
  const row = deciding?.reason ? deciding : hits.find((p) => p.reason && (p.verdict === null || p.verdict === verdict));
  const match = row ? firstMatch(row.pattern, tail) : null;
  return { tail, verdict, deciding, reason: row && match ? { row, match } : null };
}

export function classifyScreen(detector: AgentDetector, screen: string): Classification {
  const d = decide(detector, screen);
  return { verdict: d.verdict, pattern: d.deciding?.name ?? null, reason: d.reason?.row.reason ?? null };
}
