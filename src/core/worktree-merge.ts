import { join } from 'node:path';
import { mergeBranch, type MergeOutcome } from '../git/merge.js';
import { snapshotTree } from '../git/diff.js';
import { identityArgs } from '../git/repo.js';
import { git, gitOk } from '../git/run.js';
import { isMerged, removeWorktree, worktreeStatus } from '../git/worktree.js';
import { invalid, MaestroError } from './errors.js';
import { KeyedLock } from './keyed-lock.js';
import type { MergeStrategy } from './schemas.js';
import type { CoreContext } from './service-context.js';
import { FINISHED_STATUSES } from './sessions.js';
import type { CleanupResult, MergeResult, Session } from './types.js';
import { gitCall } from './worktree-review.js';
import { projectRepo } from './worktree-spawn.js';

export interface MergeRequest {
  strategy?: MergeStrategy;
  into?: string;
  dryRun?: boolean;
  /** Commit the session's uncommitted changes first (else they refuse the merge). */
  commit?: boolean;
}

/*
 * Landing a session's branch (session_merge, the merge queue) and removing its worktree (session_cleanup).
 * The git engine (src/git/merge.ts) does the merge and keeps its promises (conflicts found before any
 * working tree is touched, a dirty target refused, nothing half-done, the test command before the target
 * moves); this part adds what the core knows: which branch, which target, the project's test command,
 * one merge at a time per project, the timeline, and the tasks whose work landed.
 */
export class WorktreeMerge {
  /** One merge at a time per project: they move the same target branch. */
  private readonly lock = new KeyedLock();

  constructor(private readonly core: Pick<CoreContext, 'projects' | 'sessions' | 'tasks' | 'paths' | 'launcher'>) {}

  /** Merges (or, dryRun, checks) and says what happened; a refusal is a result here, not an error. */
  attempt(sessionId: string, req: MergeRequest): Promise<MergeResult> {
    const session = this.core.sessions.get(sessionId);
    if (!session.branch) throw invalid(`session ${session.id} has no worktree branch: it works in the project directory`, 'sessionId');
    return this.lock.run(session.projectId, () => this.attemptLocked(session, req));
  }

  /** session_merge: a refusal (not in a dry run) is a `conflict` error naming the files; it is on the timeline too. */
  async merge(sessionId: string, req: MergeRequest): Promise<MergeResult> {
    const result = await this.attempt(sessionId, req);
    if (!result.ok && !result.dryRun) {
      // A red test's verdict is its output: the refusal carries its last lines.
      const tail = result.test && result.refusal === 'test_failed' ? `\n${lastLines(result.test.output, 20)}` : '';
      throw new MaestroError('conflict', `${result.message}${tail}`, result.refusal === 'dirty_source' ? 'commit' : 'sessionId');
    }
    return result;
  }

  private async attemptLocked(session: Session, req: MergeRequest): Promise<MergeResult> {
    const { sessions, tasks, projects, paths } = this.core;
    const project = projects.get(session.projectId);
    const { root, baseBranch } = await projectRepo(project, 'sessionId');
    const branch = session.branch!;
    const strategy = req.strategy ?? 'merge';
    const into = req.into ?? baseBranch;
    const dryRun = req.dryRun ?? false;

    const source = session.worktreePath ? await worktreeStatus(session.worktreePath) : null;
    const uncommitted = source?.exists ? source.dirty : [];
    if (uncommitted.length > 0 && !req.commit) return this.record(session, refusedForUncommitted(session, strategy, into, uncommitted, dryRun), dryRun);
    // With --commit, the uncommitted work is merged from a snapshot commit on a scratch branch: a refusal
    // then leaves the worktree exactly as it was, and only a landed merge moves the session's branch on.
    const snapshot = uncommitted.length > 0 ? await gitCall(() => snapshotCommit(session)) : null;
    let outcome: MergeOutcome;
    try {
      outcome = await gitCall(() =>
        mergeBranch({
          repoDir: root,
          branch: snapshot?.branch ?? branch,
          label: branch,
          into,
          strategy,
          message: mergeMessage(session, strategy, into),
          testCmd: dryRun ? null : project.testCmd,
          tmpDir: join(paths.home, 'tmp'),
          dryRun,
          allowWorktreeAt: [root],
        }),
      );
      if (snapshot && outcome.ok && !dryRun) await gitCall(() => adoptSnapshot(session, snapshot.commit));
    } finally {
      if (snapshot) await git(root, ['branch', '-D', snapshot.branch]);
    }
    const result = toResult(session.id, outcome);
    if (result.ok && !dryRun && result.commit) {
      sessions.setMerged(session.id, result.commit);
      tasks.markMerged(session.id);
    }
    return this.record(session, result, dryRun);
  }

  /** Every real outcome goes on the session's timeline (a dry run is only a question, and is not). */
  private record(session: Session, result: MergeResult, dryRun: boolean): MergeResult {
    if (!dryRun) {
      const { test, ...rest } = result;
      this.core.sessions.appendTimeline(session.id, 'worktree', result.ok ? `merged: ${result.message}` : `merge refused: ${result.message}`, null, {
        merge: { ...rest, test: test ? { ...test, output: test.output.slice(-1000) } : null },
      });
    }
    return result;
  }

  /** session_cleanup: removes the worktree, and the branch once merged (or with force). A live session is refused. */
  async cleanup(sessionId: string, force = false): Promise<CleanupResult> {
    const { sessions, projects } = this.core;
    const session = sessions.get(sessionId);
    if (!session.branch || !session.worktreePath) throw invalid(`session ${session.id} has no worktree to clean up`, 'sessionId');
    if (!FINISHED_STATUSES.includes(session.status))
      throw new MaestroError('conflict', `session ${session.id} is ${session.status}: stop it first (maestro session stop ${session.id})`, 'sessionId');
    return this.lock.run(session.projectId, async () => {
      const { root, baseBranch } = await projectRepo(projects.get(session.projectId), 'sessionId');
      const merged = session.mergedAt !== null || (await gitCall(() => isMerged(root, session.branch!, baseBranch)));
      const r = await gitCall(() => removeWorktree({ repoDir: root, path: session.worktreePath!, branch: session.branch, deleteBranch: merged || force, force }));
      if (r.refusal) throw new MaestroError('conflict', r.refusal, 'force');
      if (r.removedWorktree) await this.core.launcher?.worktreeRemoved?.(session);
      const kept = r.deletedBranch ? `branch ${session.branch} deleted` : `branch ${session.branch} kept${merged ? '' : ' (not merged; --force deletes it)'}`;
      const message = `${r.removedWorktree ? `worktree ${session.worktreePath} removed` : 'worktree already gone'}; ${kept}`;
      sessions.appendTimeline(session.id, 'worktree', `cleaned up: ${message}`, null, { cleanup: { ...r, force } });
      return { sessionId: session.id, removedWorktree: r.removedWorktree, deletedBranch: r.deletedBranch, branch: session.branch, message };
    });
  }
}

const lastLines = (text: string, n: number): string =>
  text
    .trimEnd()
    .split('\n')
    .slice(-n)
    .map((l) => `  | ${l}`)
    .join('\n');

const mergeMessage = (s: Session, strategy: MergeStrategy, into: string): string =>
  `${strategy === 'squash' ? 'Squash' : 'Merge'} ${s.branch} into ${into} (Maestro session ${s.name !== s.id ? `"${s.name}" ` : ''}${s.id})`;

function toResult(sessionId: string, o: MergeOutcome): MergeResult {
  return {
    sessionId,
    ok: o.ok,
    dryRun: o.dryRun,
    strategy: o.strategy,
    branch: o.branch,
    into: o.into,
    previous: o.previous,
    commit: o.commit,
    refusal: o.refusal,
    message: o.message,
    files: o.files,
    test: o.test,
  };
}

function refusedForUncommitted(s: Session, strategy: MergeStrategy, into: string, dirty: string[], dryRun: boolean): MergeResult {
  const shown = dirty.slice(0, 20).join(', ') + (dirty.length > 20 ? ` and ${dirty.length - 20} more` : '');
  return {
    sessionId: s.id,
    ok: false,
    dryRun,
    strategy,
    branch: s.branch!,
    into,
    previous: null,
    commit: null,
    refusal: 'dirty_source',
    message: `session ${s.id}'s worktree has uncommitted changes (${shown}): commit them on ${s.branch}, or merge with --commit to commit them first`,
    files: dirty,
    test: null,
  };
}

/**
 * merge --commit: the worktree as `git add -A` would commit it, as a commit on top of the session's branch
 * and a scratch branch pointing at it, made through a temporary index (the worktree and its index untouched).
 */
async function snapshotCommit(s: Session): Promise<{ branch: string; commit: string }> {
  const dir = s.worktreePath!;
  const tree = await snapshotTree(dir);
  const head = (await gitOk(dir, ['rev-parse', 'HEAD'])).trim();
  const commit = (
    await gitOk(dir, [...(await identityArgs(dir)), 'commit-tree', tree, '-p', head, '-m', `Uncommitted work of Maestro session ${s.id}`])
  ).trim();
  const branch = `maestro-commit/${s.id}`;
  await gitOk(dir, ['branch', '-f', branch, commit]);
  return { branch, commit };
}

/** After a landed merge --commit: the session's branch moves to the snapshot; its files already are that snapshot. */
async function adoptSnapshot(s: Session, commit: string): Promise<void> {
  await gitOk(s.worktreePath!, ['reset', '-q', '--mixed', commit]);
}

