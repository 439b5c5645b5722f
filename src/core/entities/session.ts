import { z } from 'zod';
import { STATE_REASONS } from '../constants.js';
import { AgentKindSchema, SessionRole, SessionStatus, SessionStrategy } from '../schemas.js';
import { ProjectId, SessionId, TaskId, TemplateId, Timestamp, Version } from './common.js';
import { Project } from './project.js';
import { QueueCounts, QueueItem } from './queue.js';
import { Task } from './task.js';
import { SessionUsage } from './usage.js';

export const StateReason = z
  .enum(STATE_REASONS)
  .describe('Why the agent is in its status: needs_input, finished, waiting, stalled, offline, …');

export const Session = z
  .object({
    id: SessionId,
    projectId: ProjectId,
    name: z.string(),
    role: SessionRole,
    strategy: SessionStrategy,
    status: SessionStatus,
    taskIds: z.array(TaskId).describe('The tasks it was given'),
    env: z.record(z.string(), z.string()).describe('Extra environment variables of its agent'),
    parentSessionId: SessionId.nullable().describe('The session that spawned it'),
    templateId: TemplateId.nullable(),
    agentCommand: z.string().nullable(),
    agentKind: AgentKindSchema.nullable().describe('The agent CLI chosen for it; null: known from its command'),
    skills: z.array(z.string()),
    exitCode: z.number().int().nullable(),
    stateReason: StateReason.nullable(),
    agentSessionId: z.string().nullable().describe("The agent's own session id (Claude Code's --session-id), when it has one"),
    transcriptPath: z.string().nullable().describe("The agent's transcript, once its hooks said where"),
    worktreePath: z.string().nullable().describe('Its own git worktree, where its agent runs (null: the project directory)'),
    branch: z.string().nullable().describe('Its worktree branch (maestro/<name>)'),
    baseRef: z.string().nullable().describe('The ref its branch started from'),
    mergedAt: Timestamp.nullable().describe('When its branch was merged'),
    mergeCommit: z.string().nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Version,
  })
  .describe('An agent session')
  .meta({ id: 'Session' });

export const TimelineKind = z.enum([
  'progress',
  'complete',
  'blocked',
  'error',
  'needs_input',
  'status',
  'spawned',
  'queue',
  'agent_state',
  /** A prompt the agent received (typed by a person, or its first). */
  'prompt',
  /** A tool the agent used: a command it ran, a file it edited. */
  'tool_use',
  /** The agent compacted its context. */
  'compaction',
  /** Its git worktree: made, merged (or refused, and why), cleaned up. */
  'worktree',
]);

export const TimelineEvent = z
  .object({
    id: z.number().int().describe('Event id, increasing (afterId of session_timeline)'),
    sessionId: SessionId,
    kind: TimelineKind,
    message: z.string(),
    taskId: TaskId.nullable(),
    data: z.record(z.string(), z.unknown()).nullable(),
    createdAt: Timestamp,
  })
  .describe('One event of a session timeline')
  .meta({ id: 'TimelineEvent' });

/** What became of a message sent to an agent (session_send). */
export const MessageDelivery = z
  .object({
    sessionId: SessionId,
    delivery: z
      .enum(['confirmed', 'typed', 'queued', 'unconfirmed'])
      .describe(
        "confirmed: the agent's hook received it; typed: typed in, but this agent has no hooks to confirm it; queued: the agent is mid-turn, and it is typed when the turn ends; unconfirmed: typed, but no hook confirmed it in time",
      ),
    typedAt: Timestamp.nullable().describe("When it was typed into the agent's terminal (null: not yet)"),
    confirmedAt: Timestamp.nullable().describe("When the agent's hook confirmed it (null: not confirmed)"),
  })
  .describe('What became of a message sent to an agent');

/** A session as listed: with what a person watching wants at a glance. */
export const SessionSummary = Session.extend({
  projectName: z.string().describe('Name of its project'),
  lastReport: TimelineEvent.nullable(),
  currentTaskId: TaskId.nullable(),
  queue: QueueCounts.nullable().describe('Queue progress, for queue sessions'),
}).describe('A session with its last report, current task and queue progress');

/** What session_info returns (GET /api/sessions/:sessionId). */
export const SessionInfo = z
  .object({
    session: Session,
    project: Project,
    tasks: z.array(Task).describe('Tasks assigned to it'),
    timeline: z.array(TimelineEvent).describe('Recent timeline events, oldest first'),
    children: z.array(Session).describe('Sessions it spawned'),
    queue: z.array(QueueItem).nullable().describe('Its queue, for queue sessions'),
    lastReport: TimelineEvent.nullable(),
    usage: SessionUsage.nullable().describe("Tokens and cost, from the agent's transcript; null while it has none"),
  })
  .describe('A session with its tasks, timeline, children, queue and usage');

/** What session_spawn returns (POST /api/sessions). */
export const SpawnResult = z
  .object({
    session: Session,
    manifestPath: z.string().describe('Where its manifest was written'),
  })
  .describe('The spawned session');

/** What the report_* tools return. */
export const ReportResult = z
  .object({
    event: TimelineEvent.describe('The timeline event recorded'),
    task: Task.nullable().describe('The task it was about, as it is now'),
    session: Session.describe('The reporting session, as it is now'),
  })
  .describe('The recorded report');
