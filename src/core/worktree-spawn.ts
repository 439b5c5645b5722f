import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { currentBranch, isGitRepo, repoRoot, resolveCommit } from '../git/repo.js';
import { createWorktree, type CreatedWorktree } from '../git/worktree.js';
import { invalid, MaestroError } from './errors.js';
import { installLeaseGuard } from './leases-guard.js';
import type { HomePaths } from './paths.js';
import { slug } from './slug.js';
import type { Project, Session } from './types.js';

/*
 * Where a session's worktree goes and from what, decided at spawn: `--worktree` / `--no-worktree`, else
 * the template's choice, else the project's default. The branch is `maestro/<session name or id>`
 * (a clash with an existing branch or directory gets the session id appended), under the project's
 * worktree root or `$MAESTRO_HOME/worktrees/<project>`.
 */

/** Whether a new session gets a worktree: its own say, its template's, then its project's. */
export function wantsWorktree(req: boolean | undefined, template: boolean | null | undefined, project: Project): boolean {
  return req ?? template ?? project.worktrees;
}

/** The git repository of a project: its root, and the branch worktrees start from and merges go into. */
export interface ProjectRepository {
  root: string;
  baseBranch: string;
}

/** The project's repository, or an invalid_input (on `field`) saying why it cannot have worktrees. */
export async function projectRepo(project: Project, field = 'worktree'): Promise<ProjectRepository> {
  if (!existsSync(project.workingDir) || !(await isGitRepo(project.workingDir)))
    throw invalid(`project '${project.name}' is not a git repository (${project.workingDir}): worktrees need one`, field);
  const root = await repoRoot(project.workingDir);
  const baseBranch = project.baseBranch ?? (await currentBranch(root));
  if (!baseBranch)
    throw invalid(
      `project '${project.name}' has no base branch: its directory is on a detached HEAD; set one with \`maestro project update ${project.name} --base-branch <branch>\``,
      field,
    );
  return { root, baseBranch };
}

/** Makes the session's worktree and branch in the project's repository from `base` (default: its base branch). */
export async function makeSessionWorktree(
  paths: HomePaths,
  project: Project,
  { root, baseBranch }: ProjectRepository,
  session: Session,
  base: string | undefined,
): Promise<CreatedWorktree> {
  const from = base ?? baseBranch;
  if ((await resolveCommit(root, from)) === null) throw invalid(`base '${from}' is not a branch, tag or commit of ${root}`, base ? 'base' : 'worktree');
  const name = slug(session.name);
  const taken = async (branch: string, dir: string) => existsSync(dir) || (await resolveCommit(root, `refs/heads/${branch}`)) !== null;
  const parent = project.worktreeRoot ?? join(paths.home, 'worktrees', slug(project.name));
  let branch = `maestro/${name}`;
  let dir = join(parent, name);
  if (await taken(branch, dir)) {
    branch = `maestro/${name}-${session.id.slice(-8)}`;
    dir = join(parent, `${name}-${session.id.slice(-8)}`);
  }
  try {
    return await createWorktree({ repoDir: root, path: dir, branch, base: from }).then((w) => installLeaseGuard(paths, project, session, w));
  } catch (err) {
    throw new MaestroError('spawn_failed', `could not make a worktree for session ${session.id}: ${(err as Error).message}`, 'worktree', {
      cause: err,
    });
  }
}
