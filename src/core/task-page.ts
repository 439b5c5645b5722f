import { invalid } from './errors.js';

/*
 * The two pieces of task_list paging that are not SQL: the cursor (opaque to callers) and the FTS5 query
 * built from a user's search text.
 */

const CURSOR_PREFIX = 'c1.';

/**
 * A cursor names the project and the seq of the last task a page returned: the next page starts after that
 * seq, so tasks created or changed between pages neither shift nor repeat what is left to read.
 */
export function encodeCursor(projectId: string, afterSeq: number): string {
  return CURSOR_PREFIX + Buffer.from(`${projectId}:${afterSeq}`, 'utf8').toString('base64url');
}

/** The seq a cursor continues after; anything that is not a cursor of this project is the caller's error. */
export function decodeCursor(cursor: string, projectId: string): number {
  const bad = () => invalid('cursor is not one task_list returned for this project: pass nextCursor from the previous page as it is, or leave cursor out to start at the beginning', 'cursor');
  if (!cursor.startsWith(CURSOR_PREFIX)) throw bad();
  const text = Buffer.from(cursor.slice(CURSOR_PREFIX.length), 'base64url').toString('utf8');
  const colon = text.lastIndexOf(':');
  const seqText = text.slice(colon + 1);
  if (colon < 0 || text.slice(0, colon) !== projectId || !/^\d{1,15}$/.test(seqText)) throw bad();
  return Number(seqText);
}

/**
 * The FTS5 query for a user's search text: its words (letters and digits, as FTS5's unicode61 tokenizer splits
 * them), each quoted as a string and matched as a prefix, all of them required. Quoting every word means no
 * user text can be read as FTS5 syntax (AND, NEAR(, "x*, column filters): it can never be a syntax error.
 * Null when the text has no word at all (nothing can match it).
 */
export function ftsQuery(search: string): string | null {
  const words = search.match(/[\p{L}\p{N}\p{M}]+/gu);
  if (!words) return null;
  return words.map((w) => `"${w}"*`).join(' ');
}
