import { z } from 'zod';
import {
  AGENT_KINDS,
  ENV_NAME,
  ENV_NAME_RULE,
  REPORT_KINDS,
  SESSION_ROLES,
  SESSION_STATUSES,
  SESSION_STRATEGIES,
  TASK_PRIORITIES,
  TASK_STATUSES,
} from './constants.js';

/*
 * Every operation's input is one of these schemas. The MCP tools, the HTTP routes, the CLI and the
 * generated JSON Schemas in `schemas/` all come from here, so they can never disagree.
 */

export { TASK_STATUSES, TASK_PRIORITIES, SESSION_ROLES, SESSION_STRATEGIES, SESSION_STATUSES, REPORT_KINDS };

export const TaskStatus = z.enum(TASK_STATUSES);
export const TaskPriority = z.enum(TASK_PRIORITIES);
export const SessionRole = z.enum(SESSION_ROLES);
export const SessionStrategy = z.enum(SESSION_STRATEGIES);
export const SessionStatus = z.enum(SESSION_STATUSES);
export const AgentKindSchema = z.enum(AGENT_KINDS);
export const ReportKind = z.enum(REPORT_KINDS);

export type TaskStatus = z.infer<typeof TaskStatus>;
export type TaskPriority = z.infer<typeof TaskPriority>;
export type SessionRole = z.infer<typeof SessionRole>;
export type SessionStrategy = z.infer<typeof SessionStrategy>;
export type SessionStatus = z.infer<typeof SessionStatus>;
export type ReportKind = z.infer<typeof ReportKind>;

const id = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `${what} id must not be empty`)
    .max(64, `${what} id is too long`)
    .describe(`${what} id`);

export const ProjectRef = z
  .string()
  .trim()
  .min(1, 'project must not be empty')
  .max(200)
  .describe('Project id or name. Defaults to the calling session\u2019s project.');
export const TaskId = id('Task');
export const SessionId = id('Session');

const title = z.string().trim().min(1, 'title must not be empty').max(500, 'title is longer than 500 characters');
const description = z.string().max(100_000, 'description is longer than 100000 characters');
const message = z.string().trim().min(1, 'message must not be empty').max(20_000, 'message is too long');
const envRecord = z
  .record(z.string().regex(ENV_NAME, ENV_NAME_RULE), z.string())
  .describe('Extra environment variables for the agent');
const skillName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'skill names are letters, digits, dot, dash and underscore');

/** A git ref as a person types it (branch, tag, sha); no option-like or control characters. */
const gitRef = z
  .string()
  .trim()
  .min(1, 'ref must not be empty')
  .max(250)
  .regex(/^[^-\s~^:?*[\\][^\s~^:?*[\\]*$/, 'not a valid git ref (no spaces, ~ ^ : ? * [ \\, and no leading dash)');

/** What a dependency waits for: its task done, or done and its branch merged. */
export const DependencyUntil = z.enum(['done', 'merged']);
export type DependencyUntil = z.infer<typeof DependencyUntil>;
export const MergeStrategy = z.enum(['merge', 'squash', 'rebase']);
export type MergeStrategy = z.infer<typeof MergeStrategy>;

// ---- projects -------------------------------------------------------------------------------------
export const ProjectCreateInput = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, 'name must not be empty')
    .max(200)
    .regex(/^[^\s/\\][^/\\]*$/, 'name must not contain slashes or start with a space')
    .describe('Unique project name'),
  workingDir: z.string().trim().min(1).max(4096).describe('Absolute path of the project working directory'),
});
export const ProjectListInput = z.strictObject({});
export const ProjectGetInput = z.strictObject({ project: ProjectRef });
/** Optimistic concurrency for updates: the version the caller read (see entities' `version`). */
const ifVersion = (what: string) =>
  z
    .number()
    .int()
    .positive()
    .optional()
    .describe(`Update only if the ${what} is still at this version (its \`version\` when you read it); otherwise a conflict error names the current version`);

export const ProjectUpdateInput = z.strictObject({
  project: ProjectRef,
  name: ProjectCreateInput.shape.name.optional(),
  workingDir: ProjectCreateInput.shape.workingDir.optional(),
  baseBranch: gitRef.nullable().optional().describe("Branch that worktrees start from and merges go into (null: the working directory's current branch)"),
  worktrees: z.boolean().optional().describe('Give every new session its own git worktree and branch unless it says otherwise'),
  worktreeRoot: z.string().trim().min(1).max(4096).nullable().optional().describe('Where session worktrees go (null: $MAESTRO_HOME/worktrees/<project>)'),
  testCmd: z.string().trim().min(1).max(4000).nullable().optional().describe('Shell command run on a merged result before the target branch moves (null: none)'),
  dependencyUntil: DependencyUntil.optional().describe("What a new dependency waits for by default: 'done' or 'merged'"),
  leaseGuard: z.boolean().optional().describe("Install the pre-commit guard in new session worktrees: it refuses commits of files under another session's exclusive lease (default true)"),
  ifVersion: ifVersion('project'),
});
export const ProjectDeleteInput = z.strictObject({ project: ProjectRef });

// ---- tasks ----------------------------------------------------------------------------------------
export const TaskCreateInput = z.strictObject({
  project: ProjectRef.optional(),
  title: title.describe('Short imperative title'),
  description: description.optional().describe('What done looks like; markdown'),
  priority: TaskPriority.optional().describe('Defaults to medium'),
  parentId: TaskId.optional().describe('Make this a subtask of that task'),
  dependencies: z.array(TaskId).max(200).optional().describe('Ids of tasks that must be done first'),
  until: DependencyUntil.optional().describe("What these dependencies wait for: 'done' or 'merged' (their branch landed); default: the project's"),
});
/** An integer field from `min` to `max`, every refusal saying so in the same words. */
const wholeNumber = (field: string, min: number, max: number) => {
  const message = `${field} must be a whole number from ${min} to ${max}`;
  return z.number().int(message).min(min, message).max(max, message);
};

/** Tasks per page of task_list when the caller names no limit: small, so an agent never pulls a whole project. */
export const TASK_PAGE_DEFAULT = 50;
export const TASK_PAGE_MAX = 1000;
/** The largest task_list offset: far past any real project, small enough that no request is a runaway index walk. */
export const TASK_OFFSET_MAX = 10_000_000;
export const TaskListInput = z.strictObject({
  project: ProjectRef.optional(),
  status: z.array(TaskStatus).optional().describe('Only tasks with one of these statuses'),
  priority: z.array(TaskPriority).optional().describe('Only tasks with one of these priorities'),
  parent: TaskId.nullable().optional().describe('Only direct children of this task (null: only top-level tasks)'),
  parentId: TaskId.nullable().optional().describe('Same as parent (older name, still accepted)'),
  assignee: SessionId.optional().describe('Only tasks assigned to this session'),
  ready: z.boolean().optional().describe('Only tasks that are todo with every dependency done'),
  search: z
    .string()
    .min(1, 'search must not be empty')
    .max(200, 'search must be at most 200 characters')
    .optional()
    .describe('Words to find in the title or description: every word must appear, each as a word or the start of one'),
  limit: wholeNumber('limit', 1, TASK_PAGE_MAX)
    .optional()
    .describe(`Tasks per page (default ${TASK_PAGE_DEFAULT}, at most ${TASK_PAGE_MAX})`),
  cursor: z.string().min(1, 'cursor must not be empty').max(200, 'cursor is not one task_list returned').optional().describe("The previous page's nextCursor, to get the next page"),
  offset: wholeNumber('offset', 0, TASK_OFFSET_MAX)
    .optional()
    .describe('Start at this position of the list (0: its first task) instead of after a cursor'),
  total: z.boolean().optional().describe('Also count every task that matches (all pages)'),
});
export const TaskGetInput = z.strictObject({ taskId: TaskId });
export const TaskUpdateInput = z.strictObject({
  taskId: TaskId,
  title: title.optional(),
  description: description.optional(),
  status: TaskStatus.optional(),
  priority: TaskPriority.optional(),
  parentId: TaskId.nullable().optional().describe('New parent task, or null to make it top-level'),
  dependencies: z.array(TaskId).max(200).optional().describe('Replaces the dependency list'),
  until: DependencyUntil.optional().describe("What the given dependencies wait for: 'done' or 'merged'; default: the project's"),
  assignee: SessionId.nullable().optional().describe('Session to assign, or null to unassign'),
  ifVersion: ifVersion('task'),
});
export const TaskCompleteInput = z.strictObject({
  taskId: TaskId,
  summary: z.string().max(20_000).optional().describe('What was done, for the timeline'),
});
/** What a tree is of: a project, or one subtree (task_tree, and the streamed tree of the CLI). */
export const TaskTreeScope = z.strictObject({
  project: ProjectRef.optional(),
  rootId: TaskId.optional().describe('Only the subtree under this task'),
});

/** The most tasks task_tree answers with, by default and at all: a whole 100k-task tree is for the streamed tree. */
export const TASK_TREE_LIMIT = { default: 1000, max: 10_000 } as const;

export const TaskTreeInput = TaskTreeScope.extend({
  limit: z
    .number()
    .int()
    .min(1)
    .max(TASK_TREE_LIMIT.max)
    .optional()
    .describe(
      `The most tasks you will take (default ${TASK_TREE_LIMIT.default}, at most ${TASK_TREE_LIMIT.max}). A larger tree is refused, saying its size: ask for a subtree (rootId) or page through task_list instead`,
    ),
});

// ---- reports --------------------------------------------------------------------------------------
export const ReportInput = z.strictObject({
  message: message.describe('What happened, in one or a few sentences'),
  taskId: TaskId.optional().describe('The task this is about; defaults to your current task'),
  sessionId: SessionId.optional().describe('Reporting session; defaults to the caller'),
});

// ---- queue ----------------------------------------------------------------------------------------
export const QueueSessionInput = z.strictObject({
  sessionId: SessionId.optional().describe('Queue owner; defaults to the caller'),
});
export const QueueCompleteInput = QueueSessionInput.extend({
  summary: z.string().max(20_000).optional().describe('What was done'),
});
export const QueueSkipInput = QueueSessionInput.extend({
  reason: z.string().max(20_000).optional().describe('Why it is skipped for now'),
});
export const QueueAddInput = z.strictObject({
  sessionId: SessionId,
  taskIds: z.array(TaskId).min(1, 'taskIds must name at least one task').max(500),
});

// ---- sessions -------------------------------------------------------------------------------------
export const SessionSpawnInput = z.strictObject({
  project: ProjectRef.optional(),
  taskIds: z.array(TaskId).max(500).optional().describe('Tasks this session works on (queue items in queue mode)'),
  role: SessionRole.optional().describe('worker (default) or orchestrator'),
  strategy: SessionStrategy.optional().describe('simple (default): all tasks at once; queue: one at a time'),
  name: z.string().trim().min(1).max(100).optional().describe('Human-friendly name'),
  template: z.string().trim().min(1).max(100).optional().describe('Template name or id to start from'),
  skills: z.array(skillName).max(50).optional().describe('Skill names to load'),
  agentCommand: z.string().trim().min(1).max(4000).optional().describe('Command that starts the agent'),
  agent: AgentKindSchema.optional().describe('Which agent CLI: claude (default), codex, gemini, or generic (any command)'),
  env: envRecord.optional(),
  worktree: z.boolean().optional().describe("Run in its own git worktree on branch maestro/<name>; default: the template's, else the project's"),
  base: gitRef.optional().describe("Ref the worktree branch starts from; default: the project's base branch"),
});
const allProjects = z.boolean().optional().describe('Every project (people only; the default without a project, unless a session asks)');
export const SessionListInput = z.strictObject({
  project: ProjectRef.optional(),
  all: allProjects,
  status: z.array(SessionStatus).optional(),
  parentSessionId: SessionId.optional().describe('Only sessions spawned by this session'),
});
export const SessionInfoInput = z.strictObject({
  sessionId: SessionId.optional().describe('Defaults to the caller'),
  timelineLimit: z.number().int().min(1).max(10_000).optional().describe('How many recent timeline events'),
});
export const SessionStopInput = z.strictObject({ sessionId: SessionId });
export const SessionSendInput = z.strictObject({
  sessionId: SessionId,
  text: z.string().trim().min(1, 'text must not be empty').max(64 * 1024).describe('The message: typed into the agent as its next prompt'),
  waitMs: z
    .number()
    .int()
    .min(0)
    .max(120_000)
    .optional()
    .describe('How long to wait for the agent to confirm it received the message (default 15000)'),
});
export const SessionTimelineInput = z.strictObject({
  sessionId: SessionId,
  afterId: z.number().int().min(0).optional().describe('Only events newer than this event id'),
  limit: z.number().int().min(1).max(10_000).optional(),
});

// ---- templates, skills, manifests, identity ------------------------------------------------------------
export const TemplateCreateInput = z.strictObject({
  name: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'template names are letters, digits, dot, dash, underscore'),
  role: SessionRole.optional(),
  strategy: SessionStrategy.optional(),
  skills: z.array(skillName).max(50).optional(),
  agentCommand: z.string().trim().min(1).max(4000).optional(),
  agent: AgentKindSchema.optional(),
  description: z.string().max(2000).optional(),
  worktree: z.boolean().optional().describe('Sessions from it run in their own git worktree (true) or in the project directory (false); unset: the project decides'),
});
export const TemplateListInput = z.strictObject({});
export const TemplateGetInput = z.strictObject({ template: z.string().trim().min(1).describe('Template name or id') });
export const TemplateDeleteInput = TemplateGetInput;

export const SkillListInput = z.strictObject({ project: ProjectRef.optional() });
export const SkillGetInput = z.strictObject({ name: skillName, project: ProjectRef.optional() });

export const ManifestGenerateInput = z.strictObject({ sessionId: SessionId.optional() });
export const WhoamiInput = z.strictObject({});
export const StatusInput = z.strictObject({ project: ProjectRef.optional(), all: allProjects });

// ---- worktrees, diffs, merges ------------------------------------------------------------------------
export const WorktreeInfoInput = z.strictObject({
  sessionId: SessionId.optional().describe('Defaults to the caller'),
});
export const SessionDiffInput = z.strictObject({
  sessionId: SessionId.optional().describe('Defaults to the caller'),
  patch: z.boolean().optional().describe('Include each file\u2019s hunks and the unified patch (default true; false: files and counts only)'),
});
export const SessionFilesInput = z.strictObject({ sessionId: SessionId.optional().describe('Defaults to the caller') });
export const SessionFileInput = z.strictObject({
  sessionId: SessionId.optional().describe('Defaults to the caller'),
  path: z.string().min(1, 'path must not be empty').max(4096).describe('File path relative to the worktree'),
  version: z.enum(['worktree', 'base']).optional().describe('worktree (default): as it is now; base: at the merge base'),
});
export const SessionMergeInput = z.strictObject({
  sessionId: SessionId,
  strategy: MergeStrategy.optional().describe('merge (default), squash or rebase'),
  into: gitRef.optional().describe("Target branch; default: the project's base branch"),
  dryRun: z.boolean().optional().describe('Only check: conflicts, a dirty target, where it is checked out; nothing moves'),
  commit: z.boolean().optional().describe("Commit the session's uncommitted changes first (else they are refused)"),
});
export const SessionCleanupInput = z.strictObject({
  sessionId: SessionId,
  force: z.boolean().optional().describe('Remove even with uncommitted changes, and delete the branch even if not merged'),
});
export const MergeQueueAddInput = z.strictObject({
  sessionIds: z.array(SessionId).min(1, 'sessionIds must name at least one session').max(200),
  strategy: MergeStrategy.optional().describe('rebase (default: each entry replayed onto the result of the previous, a straight history), merge or squash'),
  into: gitRef.optional().describe("Target branch; default: the project's base branch"),
});
export const MergeQueueListInput = z.strictObject({ project: ProjectRef.optional() });
export const MergeQueueRemoveInput = z.strictObject({ entryId: z.string().trim().min(1).max(64).describe('Merge queue entry id (mq_…)') });

// ---- messages (issue 12) -----------------------------------------------------------------------------
export const MESSAGE_SUBJECT_MAX = 200;
export const MESSAGE_BODY_MAX = 20_000;
const MessageId = z.string().trim().min(1, 'message id must not be empty').max(64, 'message id is too long').describe('Message id (msg_…)');
export const MessageSendInput = z.strictObject({
  to: z
    .string()
    .trim()
    .min(1, "to must name a session id, 'orchestrator', 'project' or 'user'")
    .max(64, 'to is too long')
    .describe("A session id; 'orchestrator' (your orchestrator, else the project's live orchestrators, else the user); 'project' (every live session of the project but you); 'user' (the person at the dashboard/CLI)"),
  subject: z.string().trim().min(1, 'subject must not be empty').max(MESSAGE_SUBJECT_MAX, `subject is longer than ${MESSAGE_SUBJECT_MAX} characters`),
  body: z.string().trim().min(1, 'body must not be empty').max(MESSAGE_BODY_MAX, `body is longer than ${MESSAGE_BODY_MAX} characters`).describe('The message; markdown'),
  taskId: TaskId.optional().describe('The task it is about'),
  replyTo: MessageId.optional().describe('The message this answers (same thread)'),
  project: ProjectRef.optional().describe("For the owner sending to 'orchestrator' or 'project': which project"),
});
export const MessageInboxInput = z.strictObject({
  all: z.boolean().optional().describe('Also the messages already read (history), after the unread ones'),
  sessionId: SessionId.optional().describe("Owner (or an orchestrator, for its project's sessions): look at that session's inbox without marking anything read"),
  limit: z.number().int().min(1, 'limit must be at least 1').max(500, 'limit is at most 500').optional().describe('At most this many messages (default 50)'),
  project: ProjectRef.optional().describe("Owner: only the user inbox's messages of this project"),
});
export const MessageAckInput = z.strictObject({
  messageId: MessageId,
  note: z.string().trim().max(2000, 'note is longer than 2000 characters').optional().describe('A short answer, shown to the sender'),
});
export const MessageListInput = z.strictObject({
  sessionId: SessionId.optional().describe('Only messages this session sent or received (default for a session: itself)'),
  project: ProjectRef.optional(),
  limit: z.number().int().min(1, 'limit must be at least 1').max(1000, 'limit is at most 1000').optional().describe('At most this many, newest first (default 100)'),
});
// end of messages

// ---- leases (issue 12) -----------------------------------------------------------------------------
export const LEASE_TTL_MIN_SECONDS = 10;
export const LEASE_TTL_MAX_SECONDS = 86_400;
export const LEASE_TTL_DEFAULT_SECONDS = 3600;
export const LEASE_PATHS_MAX = 100;
const leasePattern = z
  .string()
  .min(1, 'a path must not be empty')
  .max(1024, 'a path is longer than 1024 characters')
  .describe("A path or glob relative to the project directory: '*' and '?' within a directory, '**' any depth; a trailing slash ('src/') is everything under that directory");
const LeaseId = z.string().trim().min(1, 'lease id must not be empty').max(64, 'lease id is too long').describe('Lease id (lse_…)');
const leaseOnBehalf = SessionId.optional().describe('The session the lease is for: yours by default (the owner must name one; an orchestrator may name a session it spawned)');
export const LeaseAcquireInput = z.strictObject({
  paths: z
    .array(leasePattern)
    .min(1, 'paths must name at least one path or glob')
    .max(LEASE_PATHS_MAX, `paths may name at most ${LEASE_PATHS_MAX} paths or globs`)
    .describe('Files, directories or globs to lease, relative to the project directory; all are granted or none'),
  exclusive: z.boolean().optional().describe('true (default): nobody else may lease an overlapping path; false: shared, refused only by an exclusive lease'),
  ttlSeconds: z
    .number()
    .int('ttlSeconds must be a whole number of seconds')
    .min(LEASE_TTL_MIN_SECONDS, `ttlSeconds must be at least ${LEASE_TTL_MIN_SECONDS}`)
    .max(LEASE_TTL_MAX_SECONDS, `ttlSeconds must be at most ${LEASE_TTL_MAX_SECONDS} (24 hours)`)
    .optional()
    .describe(`How long the lease lasts, in seconds (default ${LEASE_TTL_DEFAULT_SECONDS}); acquire the same path again to renew it`),
  reason: z.string().trim().min(1, 'reason must not be empty').max(500, 'reason is longer than 500 characters').optional().describe('Why you hold it, shown to whoever it keeps out'),
  sessionId: leaseOnBehalf,
});
export const LeaseReleaseInput = z.strictObject({
  leaseIds: z.array(LeaseId).min(1, 'leaseIds must name at least one lease').max(500).optional().describe('These leases (the owner may release anyone\u2019s)'),
  paths: z.array(leasePattern).min(1, 'paths must name at least one path or glob').max(LEASE_PATHS_MAX).optional().describe('The leases with these patterns, as they were acquired'),
  sessionId: leaseOnBehalf,
  project: ProjectRef.optional().describe('For the owner releasing by paths without a sessionId: whose project'),
});
export const LeaseListInput = z.strictObject({
  project: ProjectRef.optional(),
  sessionId: SessionId.optional().describe('Only the leases of this session'),
  all: z.boolean().optional().describe('Also the released and expired ones (history), newest first'),
});
export const LeaseCheckInput = z.strictObject({
  paths: z
    .array(leasePattern)
    .min(1, 'paths must name at least one path')
    .max(10_000, 'paths may name at most 10000 paths')
    .describe('Paths (or globs) relative to the project directory'),
  sessionId: SessionId.optional().describe('Whose point of view: leases of this session are not in the way (default: you; the owner: none)'),
  project: ProjectRef.optional(),
});
// end of leases

// ---- dispatch (issue 12) -----------------------------------------------------------------------------
export const DispatchStartInput = z.strictObject({
  project: ProjectRef.optional(),
  maxWorkers: z
    .number({ error: 'maxWorkers must be a whole number from 1 to 64' })
    .int('maxWorkers must be a whole number from 1 to 64')
    .min(1, 'maxWorkers must be at least 1')
    .max(64, 'maxWorkers must be at most 64')
    .optional()
    .describe('How many workers may run at once (1..64, default 3)'),
  template: z.string().trim().min(1, 'template must not be empty').max(200).optional().describe("Template name or id the workers are spawned with (role and strategy are always worker, simple)"),
  retries: z
    .number({ error: 'retries must be a whole number from 0 to 10' })
    .int('retries must be a whole number from 0 to 10')
    .min(0, 'retries must be at least 0')
    .max(10, 'retries must be at most 10')
    .optional()
    .describe('How many times a failed task is tried again before it is blocked (0..10, default 2)'),
  dryRun: z.boolean().optional().describe('Only return the plan (the order tasks would start in); nothing starts'),
});
export const DispatchStopInput = z.strictObject({ project: ProjectRef.optional() });
export const DispatchStatusInput = z.strictObject({
  project: ProjectRef.optional(),
  afterLogId: z.number().int().min(0).optional().describe('Only log entries after this id (to follow a run)'),
});
// end of dispatch

// ---- notifications (issue 12) -----------------------------------------------------------------------------
/** What a webhook can be told about: a session needing input, blocked, failing (or reporting an error), done. */
export const NOTIFY_EVENTS = ['needs_input', 'blocked', 'error', 'completed'] as const;
export const NotifyEvent = z.enum(NOTIFY_EVENTS, { error: () => `must be one of ${NOTIFY_EVENTS.join(', ')}` });
export type NotifyEvent = z.infer<typeof NotifyEvent>;
export const NOTIFY_FORMATS = ['json', 'slack', 'discord', 'ntfy'] as const;
export const NotifyFormat = z.enum(NOTIFY_FORMATS, { error: () => `must be one of ${NOTIFY_FORMATS.join(', ')}` });
export type NotifyFormat = z.infer<typeof NotifyFormat>;
const WebhookId = z.string().trim().min(1, 'webhookId must not be empty').max(64).describe('Webhook id (whk_…)');
export const NotifyAddInput = z.strictObject({
  url: z
    .string()
    .trim()
    .min(1, 'url must not be empty')
    .max(2000, 'url is longer than 2000 characters')
    .refine((u) => {
      try {
        const parsed = new URL(u);
        return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
      } catch {
        return false;
      }
    }, 'url must be an http:// or https:// URL')
    .describe('Where to POST the notifications (http or https)'),
  on: z
    .array(NotifyEvent)
    .min(1, 'on must name at least one event (needs_input, blocked, error, completed)')
    .max(4)
    .describe('The events to send: needs_input, blocked, error, completed'),
  project: ProjectRef.optional().describe('Only this project\u2019s sessions (id or name); omitted: every project (a global webhook)'),
  format: NotifyFormat.optional().describe('Body format: json (default, the generic payload), slack, discord or ntfy'),
  secret: z
    .string()
    .min(16, 'secret must be at least 16 characters')
    .max(256, 'secret is longer than 256 characters')
    .optional()
    .describe('HMAC-SHA256 signing key; generated (32 random bytes, hex) when omitted, and returned once by notify_add'),
});
export const NotifyListInput = z.strictObject({
  project: ProjectRef.optional().describe("Only this project's webhooks (and the global ones); omitted: every webhook"),
});
export const NotifyRemoveInput = z.strictObject({ webhookId: WebhookId });
export const NotifyTestInput = z.strictObject({ webhookId: WebhookId });
// end of notifications
