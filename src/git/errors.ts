/*
 * The one error type of the git engine. It is thrown when git itself fails (it cannot start, it times
 * out, a command that must succeed exits non-zero) or when a caller asks for something unsafe (a path
 * escaping the worktree). Refusals that are part of the product (a conflict, a dirty target…) are not
 * errors: the functions return them as values, so callers never parse messages.
 */

/** Why the error happened, for callers mapping it to a status (404 vs 400 vs 500). */
export type GitErrorKind =
  | 'exit' // git ran and exited non-zero
  | 'spawn' // git could not be started (not installed, cwd missing)
  | 'timeout' // git was killed after its time limit
  | 'not_found' // a ref, branch, worktree or file named by the caller does not exist
  | 'exists' // something the caller wants to create already exists (a branch)
  | 'invalid'; // the caller's input is unsafe or malformed (a path escaping the worktree)

export class GitError extends Error {
  readonly args: string[];
  readonly stderr: string;
  /** git's exit code, or null when git did not exit on its own (or never ran). */
  readonly code: number | null;
  readonly kind: GitErrorKind;

  constructor(message: string, o: { args?: string[]; stderr?: string; code?: number | null; kind?: GitErrorKind } = {}) {
    super(message);
    this.name = 'GitError';
    this.args = o.args ?? [];
    this.stderr = o.stderr ?? '';
    this.code = o.code ?? null;
    this.kind = o.kind ?? 'exit';
  }
}

/** The first lines of git's stderr, enough to say what went wrong in a message. */
export function stderrGist(stderr: string, max = 400): string {
  const text = stderr.trim().replace(/\s*\n\s*/g, '; ');
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Up to 20 file names for a message, and how many more there are. */
export function nameFiles(files: string[], max = 20): string {
  const shown = files.slice(0, max).join(', ');
  return files.length > max ? `${shown} and ${files.length - max} more` : shown;
}
