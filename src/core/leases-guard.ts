import { join } from 'node:path';
import { installCommitGuard } from '../git/commit-guard.js';
import type { CreatedWorktree } from '../git/worktree.js';
import { maestroBin } from '../install.js';
import type { HomePaths } from './paths.js';
import type { Project, Session } from './types.js';

/*
 * Gives a new session worktree the pre-commit lease guard (git/commit-guard.ts), unless its project says
 * no (`maestro project update --no-lease-guard`). The hook lives in the session's folder
 * ($MAESTRO_HOME/sessions/<id>/git-hooks) and names this install's node and CLI, the home and the session;
 * the agent's token (and the server's URL) come from its environment when it commits.
 */

/** Where a session's guard hook goes. */
export const guardHooksDir = (paths: HomePaths, sessionId: string): string => join(paths.session(sessionId), 'git-hooks');

/**
 * Installs the guard in the worktree just made and hands the worktree on. It never fails the spawn: a
 * guard that could not be installed is a warning on the session's timeline (the worktree's warnings).
 */
export async function installLeaseGuard(paths: HomePaths, project: Project, session: Session, w: CreatedWorktree): Promise<CreatedWorktree> {
  if (!project.leaseGuard) return w;
  try {
    await installCommitGuard({
      worktree: w.path,
      hooksDir: guardHooksDir(paths, session.id),
      node: process.execPath,
      cli: maestroBin(),
      // No server URL: the agent's environment has it, and for a person the CLI reads it from the home's
      // lock at commit time (a URL written here would go stale when the server restarts on another port).
      env: { MAESTRO_HOME: paths.home, MAESTRO_SESSION_ID: session.id },
      label: `session ${session.id} (${session.name}) of project ${project.name}`,
    });
  } catch (err) {
    w.warnings.push(`the pre-commit lease guard was not installed: ${err instanceof Error ? err.message : String(err)}`);
  }
  return w;
}
