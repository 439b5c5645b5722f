import type { AgentKind, STATE_REASONS } from './constants.js';
import type { SessionRole, SessionStatus, SessionStrategy, TaskPriority, TaskStatus } from './schemas.js';

export type StateReason = (typeof STATE_REASONS)[number];

export interface Project {
  id: string;
  name: string;
  workingDir: string;
  createdAt: string;
  updatedAt: string;
}

export interface Task {
  id: string;
  projectId: string;
  parentId: string | null;
  title: string;
  description: string;
  status: TaskStatus;
  priority: TaskPriority;
  dependencies: string[];
  assignee: string | null;
  /** todo, and every dependency done */
  ready: boolean;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
}

export interface TaskNode extends Task {
  children: TaskNode[];
}

export interface Session {
  id: string;
  projectId: string;
  name: string;
  role: SessionRole;
  strategy: SessionStrategy;
  status: SessionStatus;
  taskIds: string[];
  env: Record<string, string>;
  parentSessionId: string | null;
  templateId: string | null;
  agentCommand: string | null;
  /** The agent CLI chosen for it (claude, codex, gemini, generic); null: known from its command. */
  agentKind: AgentKind | null;
  skills: string[];
  exitCode: number | null;
  /** Why the agent is in its status (needs_input, finished, offline, …), when known. */
  stateReason: StateReason | null;
  /** The agent's own session id (Claude Code's --session-id), when it has one. */
  agentSessionId: string | null;
  /** The agent's transcript (Claude Code's JSONL), once its hooks said where. */
  transcriptPath: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What became of a message sent to an agent (session_send). */
export interface MessageDelivery {
  sessionId: string;
  /**
   * confirmed: the agent's UserPromptSubmit hook received it; typed: typed in, but this agent has no
   * hooks to confirm it; queued: the agent is mid-turn, and it is typed when the turn ends;
   * unconfirmed: typed, but no hook confirmed it in time.
   */
  delivery: 'confirmed' | 'typed' | 'queued' | 'unconfirmed';
  /** When it was typed into the agent's terminal (null: not yet). */
  typedAt: string | null;
  /** When the agent's hook confirmed it (null: not confirmed). */
  confirmedAt: string | null;
}

/** A session as listed: with what a person watching wants at a glance. */
export interface SessionSummary extends Session {
  lastReport: TimelineEvent | null;
  currentTaskId: string | null;
  /** Queue progress, for queue sessions. */
  queue: QueueStatus['counts'] | null;
}

export type TimelineKind =
  | 'progress'
  | 'complete'
  | 'blocked'
  | 'error'
  | 'needs_input'
  | 'status'
  | 'spawned'
  | 'queue'
  | 'agent_state'
  /** A prompt the agent received (typed by a person, or its first). */
  | 'prompt'
  /** A tool the agent used: a command it ran, a file it edited. */
  | 'tool_use'
  /** The agent compacted its context. */
  | 'compaction';

export interface TimelineEvent {
  id: number;
  sessionId: string;
  kind: TimelineKind;
  message: string;
  taskId: string | null;
  data: Record<string, unknown> | null;
  createdAt: string;
}

export type QueueItemState = 'queued' | 'in_progress' | 'done';

export interface QueueItem {
  sessionId: string;
  taskId: string;
  title: string;
  taskStatus: TaskStatus;
  position: number;
  state: QueueItemState;
  skipCount: number;
  ready: boolean;
  startedAt: string | null;
  completedAt: string | null;
}

/** A queue at a glance (queue_status; also the body of `queue.updated` events). */
export interface QueueStatus {
  sessionId: string;
  current: QueueItem | null;
  next: QueueItem | null;
  counts: { total: number; queued: number; inProgress: number; done: number; waiting: number };
}

export interface QueueStartResult {
  item: QueueItem | null;
  alreadyStarted: boolean;
  /** Why nothing was claimed: every item done, or the remaining ones wait on dependencies / other sessions. */
  reason?: 'empty' | 'waiting';
}

/** What session_info returns (GET /api/sessions/:sessionId). */
export interface SessionInfo {
  session: Session;
  project: Project;
  tasks: Task[];
  timeline: TimelineEvent[];
  children: Session[];
  queue: QueueItem[] | null;
  lastReport: TimelineEvent | null;
  /** Tokens and cost, from the agent's transcript; null while it has none (not Claude Code, or no hook said where). */
  usage: SessionUsage | null;
}

// ---- transcripts: the agent's conversation and what it cost (src/core/transcript.ts) ------------------

/** One step of an agent's conversation, read from its transcript (Claude Code's JSONL). */
export interface TranscriptEntry {
  /** When it was written (ISO 8601), if the line says. */
  at: string | null;
  /** `tool` is a tool's result coming back to the model. */
  role: 'user' | 'assistant' | 'tool';
  kind: 'prompt' | 'text' | 'tool_use' | 'tool_result' | 'thinking';
  /** The text; tool uses are one line ("npm test", a file path, the input as JSON); results and thinking are shortened. */
  text: string;
  /** The tool used, or whose result this is. */
  tool?: string;
  /** The model that wrote it (assistant entries). */
  model?: string;
  /** A tool result that reports a failure. */
  isError?: boolean;
}

/** Token counts and their cost in US dollars. */
export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  /** Prompt-cache writes (5-minute and 1-hour). */
  cacheCreationTokens: number;
  cacheReadTokens: number;
  costUsd: number;
}

/** Tokens and cost of one transcript: every assistant message counted once (the last line of its message id). */
export interface TranscriptUsage extends TokenCounts {
  /** Assistant messages counted. */
  messages: number;
  /** Per model id as the transcript names it; `price` is the price-table entry used (null: no price, cost 0). */
  byModel: Record<string, TokenCounts & { messages: number; price: string | null }>;
  /** Problems with the price table ($MAESTRO_HOME/prices.json), or models without a price. */
  warnings: string[];
}

/** A session's usage: its transcript's, and the task it all went to when that is certain. */
export interface SessionUsage extends TranscriptUsage {
  transcriptPath: string;
  /** Set only when the session has exactly one task: then every token was spent on it. */
  taskId: string | null;
}

/** GET /api/sessions/:sessionId/logs */
export interface SessionLogs {
  sessionId: string;
  transcriptPath: string;
  /** Entries in the whole transcript. */
  total: number;
  /** Fewer entries than `total` were returned (see `limit`). */
  truncated: boolean;
  entries: TranscriptEntry[];
}

/** Usage totals of one project (in `status`): its sessions that have a transcript. */
export interface ProjectUsage extends TokenCounts {
  projectId: string;
  name: string;
  /** Sessions whose transcript was counted. */
  sessions: number;
}

/** What `status` returns. */
export interface StatusResult {
  projects: number;
  tasks: { total: number; ready: number; byStatus: Record<string, number> };
  sessions: { total: number; active: number; byStatus: Record<string, number> };
  /** Tokens and cost per project and in all, from the transcripts of its sessions. */
  usage: { total: TokenCounts & { sessions: number }; byProject: ProjectUsage[] };
}

/** What project_delete returns (DELETE /api/projects/:project): what went with the project. */
export interface ProjectDeleteResult {
  projectId: string;
  name: string;
  deletedTasks: number;
  deletedSessions: number;
}

/** What session_spawn returns (POST /api/sessions). */
export interface SpawnResult {
  session: Session;
  manifestPath: string;
}

export interface Template {
  id: string;
  name: string;
  role: SessionRole;
  strategy: SessionStrategy;
  skills: string[];
  agentCommand: string | null;
  agentKind: AgentKind | null;
  description: string;
  createdAt: string;
  updatedAt: string;
}

export interface SkillSummary {
  name: string;
  description: string;
  source: 'global' | 'project';
  path: string;
}

export interface Skill extends SkillSummary {
  content: string;
}

export interface Manifest {
  manifestVersion: 1;
  generatedAt: string;
  session: Pick<Session, 'id' | 'name' | 'role' | 'strategy' | 'parentSessionId'>;
  project: Pick<Project, 'id' | 'name' | 'workingDir'>;
  tasks: Array<Pick<Task, 'id' | 'title' | 'description' | 'status' | 'priority' | 'dependencies' | 'parentId'>>;
  skills: SkillSummary[];
  server: { apiUrl: string; mcpUrl: string };
  env: Record<string, string>;
  instructions: string;
}
