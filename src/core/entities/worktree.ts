import { z } from 'zod';
import { DependencyUntil, MergeStrategy } from '../schemas.js';
import { ProjectId, SessionId, Timestamp } from './common.js';

// ---- a session's worktree, its changes and their merge -------------------------------------------

export { DependencyUntil, MergeStrategy };

export const WorktreeInfo = z
  .object({
    sessionId: SessionId,
    worktree: z.boolean().describe('Whether the session has (or had) a worktree of its own'),
    path: z.string().describe('Where the agent works: its worktree, or the project directory'),
    branch: z.string().nullable().describe('Its branch (maestro/<name>), null without a worktree'),
    base: z.string().nullable().describe('The ref its branch started from'),
    baseCommit: z.string().nullable(),
    head: z.string().nullable().describe('The commit checked out now'),
    exists: z.boolean().describe('The worktree directory is still there (false after clean-up)'),
    dirty: z.array(z.string()).describe('Files with uncommitted changes'),
    ahead: z.number().int().describe('Commits on its branch not on the base'),
    behind: z.number().int().describe('Commits on the base not on its branch'),
    mergedAt: Timestamp.nullable().describe('When its branch was merged'),
    mergeCommit: z.string().nullable(),
  })
  .describe("Where a session's agent works: its git worktree and branch");

export const DiffHunk = z.object({
  header: z.string(),
  oldStart: z.number().int(),
  oldLines: z.number().int(),
  newStart: z.number().int(),
  newLines: z.number().int(),
  lines: z.array(z.string()).describe("Each line with its ' ', '+', '-' or '\\' prefix"),
});

export const FileDiff = z.object({
  path: z.string(),
  oldPath: z.string().nullable().describe('The path before a rename or copy'),
  status: z.enum(['added', 'modified', 'deleted', 'renamed', 'copied', 'type_changed']),
  binary: z.boolean(),
  additions: z.number().int(),
  deletions: z.number().int(),
  untracked: z.boolean().describe('A new file not yet added to git'),
  hunks: z.array(DiffHunk),
});

export const SessionDiff = z
  .object({
    sessionId: SessionId,
    branch: z.string().nullable(),
    base: z.string().describe('The base ref compared against'),
    mergeBase: z.string(),
    head: z.string().nullable(),
    files: z.array(FileDiff),
    additions: z.number().int(),
    deletions: z.number().int(),
    patch: z.string().describe('The unified diff (empty when patch: false)'),
    truncated: z.boolean().describe('The patch was cut at its size limit (the counts are complete)'),
  })
  .describe("A session's changes against the merge base: committed, uncommitted and new files");

export const WorktreeFile = z.object({
  path: z.string(),
  type: z.enum(['file', 'dir']),
  changed: z.boolean().describe('Changed against the base'),
});

export const SessionFiles = z
  .object({ sessionId: SessionId, root: z.string(), files: z.array(WorktreeFile) })
  .describe("The files of a session's worktree (tracked and new, not ignored)");

export const FileContent = z
  .object({
    sessionId: SessionId,
    path: z.string(),
    version: z.enum(['worktree', 'base']),
    content: z.string(),
    binary: z.boolean(),
    size: z.number().int(),
    truncated: z.boolean(),
  })
  .describe('A file of a worktree, read-only');

export const MergeRefusal = z.enum([
  'conflict',
  'dirty_target',
  'dirty_source',
  'checked_out_elsewhere',
  'test_failed',
  'nothing_to_merge',
  'not_found',
  'target_moved',
  'untracked_in_the_way',
  'no_worktree',
]);

export const MergeTest = z.object({
  cmd: z.string(),
  exitCode: z.number().int().nullable(),
  timedOut: z.boolean(),
  output: z.string().describe('The last 4 KB of its output'),
  durationMs: z.number(),
});

export const MergeResult = z
  .object({
    sessionId: SessionId,
    ok: z.boolean().describe('Merged (or, in a dry run, would merge)'),
    dryRun: z.boolean(),
    strategy: MergeStrategy,
    branch: z.string(),
    into: z.string(),
    previous: z.string().nullable().describe('The target commit before'),
    commit: z.string().nullable().describe('The target commit after (null: nothing moved)'),
    refusal: MergeRefusal.nullable(),
    message: z.string().describe('What happened, or why it was refused, naming the files'),
    files: z.array(z.string()).describe('Files merged, or the conflicting, dirty or in-the-way ones'),
    test: MergeTest.nullable(),
  })
  .describe('What a merge did, or why it was refused');

export const CleanupResult = z
  .object({
    sessionId: SessionId,
    removedWorktree: z.boolean(),
    deletedBranch: z.boolean(),
    branch: z.string().nullable(),
    message: z.string(),
  })
  .describe("What clean-up removed: the session's worktree, and its branch once merged");

export const MergeQueueStatus = z.enum(['queued', 'running', 'merged', 'failed', 'cancelled']);

export const MergeQueueEntry = z
  .object({
    id: z.string().describe('Entry id (mq_…)'),
    projectId: ProjectId,
    sessionId: SessionId,
    branch: z.string().nullable(),
    strategy: MergeStrategy,
    into: z.string().nullable().describe("Target branch (null: the project's base branch)"),
    status: MergeQueueStatus,
    reason: z.string().nullable().describe('Why it failed or was cancelled'),
    commit: z.string().nullable().describe('The target commit it landed as'),
    position: z.number().int().describe('Order it was added in (dependencies go first)'),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .describe('A session waiting in (or done with) the merge queue')
  .meta({ id: 'MergeQueueEntry' });
