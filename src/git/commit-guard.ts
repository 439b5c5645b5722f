import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gitOk } from './run.js';

/*
 * The pre-commit guard of a session's worktree (file leases, issue 12). It is installed in that worktree
 * alone, leaving the user's main checkout and its hooks as they are: `extensions.worktreeConfig` lets a
 * worktree have a config of its own (.git/worktrees/<name>/config.worktree), where `core.hooksPath`
 * points at a directory under the session's folder holding one hook, `pre-commit`.
 *
 * The hook asks the server (`maestro lease check --staged`, with the session's home, server and id
 * written into it) whether a staged file is under another session's exclusive lease, and refuses the
 * commit if so; the CLI lets the commit through with a warning when the server cannot be reached. Then
 * it runs the pre-commit hook that would have run without it: the one in the repository's own
 * core.hooksPath (local, global or system config), else the common hooks directory's, if executable.
 */

export interface CommitGuardOptions {
  /** The worktree to guard. */
  worktree: string;
  /** Where the hook goes (created): a directory of the session's own. */
  hooksDir: string;
  /** The node binary and the maestro CLI script the hook runs (absolute). */
  node: string;
  cli: string;
  /** Written into the hook: MAESTRO_HOME, MAESTRO_SESSION_ID, MAESTRO_API_URL (when known)… */
  env: Record<string, string>;
  /** A line saying whose guard this is, for whoever opens the hook. */
  label: string;
}

/** Single-quoted for sh: safe whatever the value holds. */
export const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The hook's text (POSIX sh). */
export function guardScript(o: Omit<CommitGuardOptions, 'worktree'>): string {
  const env = Object.entries(o.env)
    .filter(([name]) => /^[A-Z_][A-Z0-9_]*$/.test(name))
    .map(([name, value]) => `${name}=${shQuote(value)}; export ${name}`)
    .join('\n');
  return `#!/bin/sh
# Maestro's pre-commit lease guard: ${o.label.replace(/\n/g, ' ')}
# Installed in this worktree only (git config --worktree core.hooksPath). It refuses a commit of files
# under another session's exclusive lease, then runs the pre-commit hook that would have run without it.
# Bypass it once with \`git commit --no-verify\`.
${env}
${shQuote(o.node)} ${shQuote(o.cli)} lease check --staged || exit 1

# The hook that would have run otherwise: the repository's core.hooksPath (not this worktree's), else
# the common hooks directory.
guard_dir=${shQuote(o.hooksDir)}
prev=$(git config --local --type=path --get core.hooksPath 2>/dev/null || git config --global --type=path --get core.hooksPath 2>/dev/null || git config --system --type=path --get core.hooksPath 2>/dev/null)
if [ -z "$prev" ]; then
  prev="$(git rev-parse --path-format=absolute --git-common-dir)/hooks"
else
  case "$prev" in /*) ;; *) prev="$(git rev-parse --show-toplevel)/$prev" ;; esac
fi
if [ -x "$prev/pre-commit" ] && [ "$(cd "$prev" 2>/dev/null && pwd -P)" != "$(cd "$guard_dir" && pwd -P)" ]; then
  exec "$prev/pre-commit" "$@"
fi
exit 0
`;
}

/** Writes the hook and points the worktree (alone) at it. Returns the hook's path. */
export async function installCommitGuard(o: CommitGuardOptions): Promise<string> {
  mkdirSync(o.hooksDir, { recursive: true, mode: 0o700 });
  const hook = join(o.hooksDir, 'pre-commit');
  writeFileSync(hook, guardScript(o), { mode: 0o700 });
  chmodSync(hook, 0o700);
  // A config per worktree: without the extension, `--worktree` would write the repository's own config.
  await gitOk(o.worktree, ['config', 'extensions.worktreeConfig', 'true']);
  await gitOk(o.worktree, ['config', '--worktree', 'core.hooksPath', o.hooksDir]);
  return hook;
}
