import { existsSync } from 'node:fs';
import { changedPaths, diffWorktree, mergeBaseOf } from '../git/diff.js';
import { listTree, readFileAt } from '../git/files.js';
import { GitError } from '../git/errors.js';
import { worktreeStatus } from '../git/worktree.js';
import { invalid, MaestroError } from './errors.js';
import type { CoreContext } from './service-context.js';
import type { FileContent, Session, SessionDiff, SessionFiles, WorktreeInfo } from './types.js';
import { projectRepo } from './worktree-spawn.js';

/*
 * Reading a session's worktree: where it is (worktree_info), what changed against the merge base with the
 * project's base branch (session_diff), its files and one file's text (the dashboard's Changes tab).
 * Read-only: nothing here writes to a working tree or an index.
 */
export class WorktreeReview {
  constructor(private readonly core: Pick<CoreContext, 'projects' | 'sessions'>) {}

  async info(sessionId: string): Promise<WorktreeInfo> {
    const session = this.core.sessions.get(sessionId);
    const project = this.core.projects.get(session.projectId);
    const base = session.branch ? (await projectRepo(project, 'sessionId')).baseBranch : undefined;
    const status = await worktreeStatus(session.worktreePath ?? project.workingDir, base);
    return {
      sessionId: session.id,
      worktree: session.branch !== null,
      path: session.worktreePath ?? project.workingDir,
      branch: session.branch,
      base: session.baseRef,
      baseCommit: this.core.sessions.baseCommit(session.id),
      head: status.head,
      exists: status.exists,
      dirty: status.dirty,
      ahead: status.ahead,
      behind: status.behind,
      mergedAt: session.mergedAt,
      mergeCommit: session.mergeCommit,
    };
  }

  async diff(sessionId: string, patch = true): Promise<SessionDiff> {
    const { session, path, base } = await this.worktreeOf(sessionId);
    const d = await gitCall(() => diffWorktree({ path, base, maxBytes: patch ? undefined : 0 }));
    return {
      sessionId: session.id,
      branch: session.branch,
      base: d.base,
      mergeBase: d.mergeBase,
      head: d.head,
      files: d.files.map((f) => ({ ...f, hunks: patch ? f.hunks : [] })),
      additions: d.additions,
      deletions: d.deletions,
      patch: patch ? d.patch : '',
      truncated: patch ? d.truncated : false,
    };
  }

  async files(sessionId: string): Promise<SessionFiles> {
    const { session, path, base } = await this.worktreeOf(sessionId);
    const changed = await gitCall(() => changedPaths({ path, base }));
    return { sessionId: session.id, root: path, files: await gitCall(() => listTree({ path, changedPaths: changed })) };
  }

  async file(sessionId: string, file: string, version: 'worktree' | 'base' = 'worktree'): Promise<FileContent> {
    const { session, path, base } = await this.worktreeOf(sessionId);
    const ref = version === 'base' ? (await gitCall(() => mergeBaseOf(path, base))).mergeBase : undefined;
    const read = await gitCall(() => readFileAt({ path, file, ref }), 'path');
    return { sessionId: session.id, path: file, version, ...read };
  }

  /** The session's worktree (it must have one, still there) and the base branch it is compared with. */
  private async worktreeOf(sessionId: string): Promise<{ session: Session; path: string; base: string }> {
    const session = this.core.sessions.get(sessionId);
    if (!session.branch || !session.worktreePath)
      throw invalid(`session ${session.id} has no worktree: it works in the project directory (spawn with --worktree to review its changes)`, 'sessionId');
    // Only whether it is still there: a status (porcelain, ahead/behind) would be work thrown away.
    if (!existsSync(session.worktreePath))
      throw new MaestroError(
        'conflict',
        `session ${session.id}'s worktree was cleaned up${session.mergeCommit ? `; its branch landed as ${session.mergeCommit.slice(0, 7)}` : ''}`,
        'sessionId',
      );
    const { baseBranch } = await projectRepo(this.core.projects.get(session.projectId), 'sessionId');
    return { session, path: session.worktreePath, base: baseBranch };
  }
}

/** A git engine failure as a Maestro error: the caller's bad input (a path outside), a missing thing, or git failing. */
export async function gitCall<T>(job: () => Promise<T>, field?: string): Promise<T> {
  try {
    return await job();
  } catch (err) {
    if (!(err instanceof GitError)) throw err;
    if (err.kind === 'invalid') throw invalid(err.message, field);
    if (err.kind === 'not_found') throw new MaestroError('not_found', err.message, field);
    throw new MaestroError('internal', `git failed: ${err.message}`, undefined, { cause: err });
  }
}
