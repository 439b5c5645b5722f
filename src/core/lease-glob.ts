/*
 * The path patterns of file leases, and whether two of them can name the same file.
 *
 * A pattern is a project-relative path of `/`-separated segments, in which `*` is any run of characters
 * within a segment, `?` one character of a segment, and a segment `**` any number of segments (none
 * included). A pattern names paths, not trees: a directory's contents are `dir/` (which is `dir/**`) or
 * `dir/**`; a plain `dir` covers only that path. (Making a plain path cover its subtree too would make a
 * file `README.md` overlap `**\/*.ts` through `README.md/x.ts`, a file nobody can create.)
 *
 * Two leases conflict only when some path matches both patterns, so overlap is the intersection of the
 * two sets of paths, not a textual prefix test: `src/**` and `src/a.ts` overlap, `src/*.ts` and
 * `src/*.md` do not, `**\/*.ts` and `lib/x.ts` do. It is decided by a DP over both patterns at once
 * (segments, then characters within a pair of segments), memoised, so it is polynomial in their lengths.
 */

/** Why a pattern cannot be a lease, or null when it can. Absolute paths and `..` would leave the project. */
export function patternProblem(raw: string): string | null {
  if (raw.trim() === '') return 'is empty';
  if (raw.includes('\0')) return 'contains a NUL character';
  if (raw.includes('\\')) return "contains a backslash (use '/' between directories)";
  if (raw.startsWith('/') || raw.startsWith('~') || /^[A-Za-z]:/.test(raw)) return 'is absolute (paths are relative to the project directory)';
  if (raw.split('/').some((s) => s === '..')) return "escapes the project directory with '..'";
  if (normalizePattern(raw) === '') return 'names the project directory itself (use ** for every file)';
  return null;
}

/** A pattern in its one spelling: no `./`, no empty segments, no trailing slash (a directory's contents: `dir/**`). */
export function normalizePattern(raw: string): string {
  const trimmed = raw.trim();
  const dir = trimmed.endsWith('/');
  const segments = trimmed.split('/').filter((s) => s !== '' && s !== '.');
  // `**/**` is `**`: collapsing keeps patterns short and renewals matching what was leased.
  const out: string[] = [];
  for (const s of segments) if (!(s === '**' && out[out.length - 1] === '**')) out.push(s);
  if (dir && out.length > 0 && out[out.length - 1] !== '**') out.push('**');
  return out.join('/');
}

export const hasWildcard = (pattern: string): boolean => /[*?]/.test(pattern);

/** Whether some path matches both patterns (both normalised). */
export function patternsOverlap(a: string, b: string): boolean {
  return segmentsOverlap(a.split('/'), b.split('/'));
}

/**
 * Sequences of segments: i, j index the two; a `**` either ends (advance its side alone) or takes one
 * more segment of the other side (advance the other side: a `**` can match any segment the other side
 * produces, including what the other's `**` produces). Two plain segments must share a string.
 */
function segmentsOverlap(p: string[], q: string[]): boolean {
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = i * (q.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let r: boolean;
    if (i === p.length && j === q.length) r = true;
    else if (i < p.length && p[i] === '**') r = go(i + 1, j) || (j < q.length && go(i, j + 1));
    else if (j < q.length && q[j] === '**') r = go(i, j + 1) || (i < p.length && go(i + 1, j));
    else if (i === p.length || j === q.length) r = false;
    else r = charsOverlap(p[i]!, q[j]!) && go(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

/** Whether two segment globs (`*`, `?`, literals) match a common non-empty string: the same DP over characters. */
export function charsOverlap(a: string, b: string): boolean {
  const memo = new Map<number, boolean>();
  const go = (x: number, y: number): boolean => {
    const key = x * (b.length + 1) + y;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let r: boolean;
    if (x === a.length && y === b.length) r = true;
    else if (x < a.length && a[x] === '*') r = go(x + 1, y) || (y < b.length && go(x, y + 1));
    else if (y < b.length && b[y] === '*') r = go(x, y + 1) || (x < a.length && go(x + 1, y));
    else if (x === a.length || y === b.length) r = false;
    else r = (a[x] === '?' || b[y] === '?' || a[x] === b[y]) && go(x + 1, y + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}
