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

/** Segments: a `**` takes any number of segments; two other segments overlap when their globs do. */
function segmentsOverlap(p: string[], q: string[]): boolean {
  return sequencesOverlap(p, q, '**', charsOverlap);
}

/** Whether two segment globs (`*`, `?`, literals) match a common string: the same DP over characters. */
export function charsOverlap(a: string, b: string): boolean {
  return sequencesOverlap([...a], [...b], '*', (x, y) => x === '?' || y === '?' || x === y);
}

/**
 * Whether two patterns over units (segments, or characters) match a common sequence: i, j index the two; a
 * `star` either ends (advance its side alone) or takes one more unit of the other side (advance the other
 * side: a star can match any unit the other side produces, including what the other's star produces). Two
 * other units must `match`. Memoised: O(|p|·|q|).
 */
function sequencesOverlap<T>(p: readonly T[], q: readonly T[], star: T, match: (x: T, y: T) => boolean): boolean {
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = i * (q.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let r: boolean;
    if (i === p.length && j === q.length) r = true;
    else if (i < p.length && p[i] === star) r = go(i + 1, j) || (j < q.length && go(i, j + 1));
    else if (j < q.length && q[j] === star) r = go(i, j + 1) || (i < p.length && go(i + 1, j));
    else if (i === p.length || j === q.length) r = false;
    else r = match(p[i]!, q[j]!) && go(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}
