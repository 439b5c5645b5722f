/*
 * The shapes of a worktree diff and the two pure transformations on them: reading git's unified patch
 * into hunks (parsePatch) and writing the `git diff --stat` summary (diffStat). Paths are not read from
 * the patch (a `diff --git a/x b/y` line is ambiguous once a name has a space); diff.ts pairs each
 * section with the file list git gave in -z form, in the same order.
 */

export interface DiffHunk {
  header: string;
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** Each with its ' ', '+', '-' or '\\' prefix. */
  lines: string[];
}

export interface FileDiff {
  path: string;
  oldPath: string | null;
  status: 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'type_changed';
  binary: boolean;
  additions: number;
  deletions: number;
  hunks: DiffHunk[];
  untracked: boolean;
}

export interface WorktreeDiff {
  base: string;
  mergeBase: string;
  head: string | null;
  files: FileDiff[];
  additions: number;
  deletions: number;
  /** The unified diff text (for diff2html): whole file sections only, cut at maxBytes. */
  patch: string;
  truncated: boolean;
}

/** One `diff --git` section of a patch. */
export interface PatchSection {
  header: string[];
  hunks: DiffHunk[];
  binary: boolean;
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** The sections of a unified patch, in order, each with its hunks. */
export function parsePatch(text: string): PatchSection[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const sections: PatchSection[] = [];
  let cur: PatchSection | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('diff --git ')) {
      cur = { header: [line], hunks: [], binary: false };
      sections.push(cur);
      continue;
    }
    if (!cur) continue;
    const m = HUNK.exec(line);
    if (!m) {
      cur.header.push(line);
      if (line.startsWith('Binary files ') || line === 'GIT binary patch') cur.binary = true;
      continue;
    }
    const hunk: DiffHunk = {
      header: line,
      oldStart: Number(m[1]),
      oldLines: m[2] === undefined ? 1 : Number(m[2]),
      newStart: Number(m[3]),
      newLines: m[4] === undefined ? 1 : Number(m[4]),
      lines: [],
    };
    cur.hunks.push(hunk);
    // Count the body out rather than trusting prefixes: a content line may look like anything.
    let oldLeft = hunk.oldLines;
    let newLeft = hunk.newLines;
    while (i + 1 < lines.length && (oldLeft > 0 || newLeft > 0 || lines[i + 1]!.startsWith('\\'))) {
      const body = lines[++i]!;
      const c = body[0];
      if (c === '\\') hunk.lines.push(body);
      else if (c === '+') (hunk.lines.push(body), newLeft--);
      else if (c === '-') (hunk.lines.push(body), oldLeft--);
      else {
        // diff.suppressBlankEmpty writes an empty context line as '' instead of ' '.
        hunk.lines.push(c === ' ' ? body : ` ${body}`);
        oldLeft--;
        newLeft--;
      }
    }
  }
  return sections;
}

/** The text of `git diff --stat`: one ' path | N ++--' line per file and the summary line. */
export function diffStat(d: WorktreeDiff, width = 50): string {
  const names = d.files.map((f) => (f.oldPath && f.oldPath !== f.path ? `${f.oldPath} => ${f.path}` : f.path));
  const counts = d.files.map((f) => (f.binary ? 'Bin' : String(f.additions + f.deletions)));
  const nameW = Math.max(0, ...names.map((n) => n.length));
  const countW = Math.max(0, ...counts.map((c) => c.length));
  const max = Math.max(0, ...d.files.map((f) => (f.binary ? 0 : f.additions + f.deletions)));
  const scale = (n: number) => (max <= width || n === 0 ? n : Math.max(1, Math.round((n * width) / max)));
  const lines = d.files.map((f, i) => {
    const bar = f.binary ? '' : `${'+'.repeat(scale(f.additions))}${'-'.repeat(scale(f.deletions))}`;
    return ` ${names[i]!.padEnd(nameW)} | ${counts[i]!.padStart(countW)}${bar ? ` ${bar}` : ''}`;
  });
  const n = d.files.length;
  let summary = ` ${n} file${n === 1 ? '' : 's'} changed`;
  // As git: both counts when both are zero, else only the non-zero ones.
  if (n > 0 && (d.additions || !d.deletions)) summary += `, ${d.additions} insertion${d.additions === 1 ? '' : 's'}(+)`;
  if (n > 0 && (d.deletions || !d.additions)) summary += `, ${d.deletions} deletion${d.deletions === 1 ? '' : 's'}(-)`;
  return [...lines, summary].join('\n') + '\n';
}
