import { z } from 'zod';
import * as E from '../entities/index.js';
import * as S from '../schemas.js';
import { contract } from './contract.js';

/** Sessions' git worktrees: where an agent works, its changes, merging them and cleaning up. */
export const worktreeInfo = contract({
  name: 'worktree.info',
  title: 'Where you work',
  description:
    'Says where a session (you by default) works: its own git worktree and branch (maestro/<name>) or the project directory, the base it started from, uncommitted files, and commits ahead of and behind the base. Commit your work on your branch; an orchestrator or the owner merges it.',
  input: S.WorktreeInfoInput,
  output: E.WorktreeInfo,
  access: 'any',
  readOnly: true,
});

export const sessionDiff = contract({
  name: 'session.diff',
  title: "A session's changes",
  description:
    "Shows a session's changes (yours by default) against the merge base of its branch and the project's base branch: committed, uncommitted and new files, with line counts and hunks. patch: false returns files and counts only.",
  input: S.SessionDiffInput,
  output: E.SessionDiff,
  access: 'any',
  readOnly: true,
});

export const sessionFiles = contract({
  name: 'session.files',
  title: "A session's files",
  description: "Lists the files of a session's worktree (tracked and new, not ignored), marking the ones changed against the base.",
  input: S.SessionFilesInput,
  output: E.SessionFiles,
  access: 'any',
  readOnly: true,
});

export const sessionFile = contract({
  name: 'session.file',
  title: 'Read a worktree file',
  description: "Reads one file of a session's worktree as it is now, or at the merge base (version: base). Read-only; at most 1 MB is shown.",
  input: S.SessionFileInput,
  output: E.FileContent,
  access: 'any',
  readOnly: true,
});

export const sessionMerge = contract({
  name: 'session.merge',
  title: "Merge a session's branch",
  description:
    "Merges a session's branch into the project's base branch (or into). Conflicts are checked first without touching any working tree; a dirty target, a target checked out elsewhere, or a failing project test command refuses it, naming the files, and nothing is left half-merged. dryRun only checks. Every outcome goes on the session's timeline.",
  input: S.SessionMergeInput,
  output: E.MergeResult,
  access: 'orchestrator',
  readOnly: false,
});

export const sessionCleanup = contract({
  name: 'session.cleanup',
  title: "Remove a session's worktree",
  description:
    "Removes a finished session's worktree, and its branch once merged (force: even unmerged, or with uncommitted changes). A live session is refused.",
  input: S.SessionCleanupInput,
  output: E.CleanupResult,
  access: 'orchestrator',
  readOnly: false,
});

export const mergeQueueAdd = contract({
  name: 'merge_queue.add',
  title: 'Queue sessions for merging',
  description:
    "Adds sessions to the project's merge queue. They are merged one by one in dependency order (a session whose tasks depend on another's goes after it), each rebased onto the previous result (strategy rebase by default) and tested before it lands; a conflict or a red test stops that entry with a reason (and those that depend on it) and the rest go on.",
  input: S.MergeQueueAddInput,
  output: z.array(E.MergeQueueEntry),
  access: 'orchestrator',
  readOnly: false,
});

export const mergeQueueList = contract({
  name: 'merge_queue.list',
  title: 'The merge queue',
  description: "Lists the project's merge queue: waiting, running, merged, failed (with the reason) and cancelled entries, in order.",
  input: S.MergeQueueListInput,
  output: z.array(E.MergeQueueEntry),
  access: 'any',
  readOnly: true,
});

export const mergeQueueRemove = contract({
  name: 'merge_queue.remove',
  title: 'Take a session out of the merge queue',
  description: 'Cancels a waiting merge queue entry (a running one finishes first).',
  input: S.MergeQueueRemoveInput,
  output: E.MergeQueueEntry,
  access: 'orchestrator',
  readOnly: false,
});

export const WORKTREE_CONTRACTS = [
  worktreeInfo,
  sessionDiff,
  sessionFiles,
  sessionFile,
  sessionMerge,
  sessionCleanup,
  mergeQueueAdd,
  mergeQueueList,
  mergeQueueRemove,
] as const;
