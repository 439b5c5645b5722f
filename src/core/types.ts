import type { SessionRole, SessionStatus, SessionStrategy, TaskPriority, TaskStatus } from './schemas.js';

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
  skills: string[];
  exitCode: number | null;
  createdAt: string;
  updatedAt: string;
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
  | 'agent_state';

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
