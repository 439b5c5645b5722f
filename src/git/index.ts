/*
 * The git engine: worktrees for agents, their diffs, and merging their branches back. Every git call is
 * an execFile with a timeout (run.ts); refusals are values, git's own failures are GitError.
 */
export { GitError, type GitErrorKind } from './errors.js';
export { git, gitOk, type GitResult, type GitOptions } from './run.js';
export {
  isGitRepo, repoRoot, worktreeTop, currentBranch, defaultRemote, resolveCommit, branchExists, worktreeList, statusPorcelain,
  type WorktreeEntry, type StatusEntry,
} from './repo.js';
export {
  createWorktree, removeWorktree, worktreeStatus, isMerged, type CreateWorktreeOptions, type CreatedWorktree,
} from './worktree.js';
export { diffWorktree, diffStat, type DiffHunk, type FileDiff, type WorktreeDiff } from './diff.js';
export { readFileAt, listTree, type FileContent } from './files.js';
export { mergeBranch, type MergeStrategy, type MergeRequest, type MergeRefusal, type MergeOutcome } from './merge.js';
export { copyIncludes, type IncludeCopy } from './include.js';
