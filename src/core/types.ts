import type { z } from 'zod';
import type * as E from './entities/index.js';

/*
 * The entities as TypeScript types, derived from their zod schemas in src/core/entities (one source for
 * the types, the MCP outputSchemas and schemas/<op>.result.json). Type-only: the dashboard re-exports
 * this module (web/src/types.ts), so nothing here may pull in a value or node's types.
 */

export type StateReason = z.infer<typeof E.StateReason>;

export type Project = z.infer<typeof E.Project>;
/** What project_delete returns (DELETE /api/projects/:project): what went with the project. */
export type ProjectDeleteResult = z.infer<typeof E.ProjectDeleteResult>;

export type Task = z.infer<typeof E.Task>;
export type TaskNode = z.infer<typeof E.TaskNode>;

export type Session = z.infer<typeof E.Session>;
/** What became of a message sent to an agent (session_send). */
export type MessageDelivery = z.infer<typeof E.MessageDelivery>;
/** A session as listed: with what a person watching wants at a glance. */
export type SessionSummary = z.infer<typeof E.SessionSummary>;
export type TimelineKind = z.infer<typeof E.TimelineKind>;
export type TimelineEvent = z.infer<typeof E.TimelineEvent>;
/** What session_info returns (GET /api/sessions/:sessionId). */
export type SessionInfo = z.infer<typeof E.SessionInfo>;
/** What session_spawn returns (POST /api/sessions). */
export type SpawnResult = z.infer<typeof E.SpawnResult>;
/** What the report_* tools return. */
export type ReportResult = z.infer<typeof E.ReportResult>;

export type QueueItemState = z.infer<typeof E.QueueItemState>;
export type QueueItem = z.infer<typeof E.QueueItem>;
/** A queue at a glance (queue_status; also the body of `queue.updated` events). */
export type QueueStatus = z.infer<typeof E.QueueStatus>;
export type QueueStartResult = z.infer<typeof E.QueueStartResult>;

// ---- transcripts: the agent's conversation and what it cost (src/core/transcript.ts) ------------------

/** One step of an agent's conversation, read from its transcript (Claude Code's JSONL). */
export type TranscriptEntry = z.infer<typeof E.TranscriptEntry>;
/** Token counts and their cost in US dollars. */
export type TokenCounts = z.infer<typeof E.TokenCounts>;
/** Tokens and cost of one transcript: every assistant message counted once (the last line of its message id). */
export type TranscriptUsage = z.infer<typeof E.TranscriptUsage>;
/** A session's usage: its transcript's, and the task it all went to when that is certain. */
export type SessionUsage = z.infer<typeof E.SessionUsage>;
/** GET /api/sessions/:sessionId/logs */
export type SessionLogs = z.infer<typeof E.SessionLogs>;
/** Usage totals of one project (in `status`): its sessions that have a transcript. */
export type ProjectUsage = z.infer<typeof E.ProjectUsage>;

/** What `status` returns. */
export type StatusResult = z.infer<typeof E.StatusResult>;
/** What `whoami` returns. */
export type WhoamiResult = z.infer<typeof E.WhoamiResult>;

export type Template = z.infer<typeof E.Template>;
export type SkillSummary = z.infer<typeof E.SkillSummary>;
export type Skill = z.infer<typeof E.Skill>;
export type Manifest = z.infer<typeof E.Manifest>;
/** What manifest_generate returns. */
export type ManifestWritten = z.infer<typeof E.ManifestWritten>;

// ---- worktrees, diffs, merges (src/core/worktrees.ts, src/git) ----------------------------------------
export type WorktreeInfo = z.infer<typeof E.WorktreeInfo>;
export type SessionDiff = z.infer<typeof E.SessionDiff>;
export type FileDiff = z.infer<typeof E.FileDiff>;
export type SessionFiles = z.infer<typeof E.SessionFiles>;
export type FileContent = z.infer<typeof E.FileContent>;
export type MergeResult = z.infer<typeof E.MergeResult>;
export type MergeRefusalReason = z.infer<typeof E.MergeRefusal>;
export type CleanupResult = z.infer<typeof E.CleanupResult>;
export type MergeQueueEntry = z.infer<typeof E.MergeQueueEntry>;
export type MergeQueueState = z.infer<typeof E.MergeQueueStatus>;
export type Message = z.infer<typeof E.Message>;
export type MessageRecipient = z.infer<typeof E.MessageRecipient>;
export type MessageState = z.infer<typeof E.MessageState>;
export type MessageVia = z.infer<typeof E.MessageVia>;
export type MessageInbox = z.infer<typeof E.MessageInbox>;
