/*
 * The dashboard speaks the server's own types: entities come straight from src/core (type-only
 * imports, nothing of the server is bundled). The enum value lists are repeated here as plain arrays
 * (importing them at runtime would pull zod into the bundle); the `satisfies` + `Exact` checks make
 * `tsc -p web` fail if they ever drift from src/core/schemas.ts.
 */
import type {
  Project,
  QueueItem,
  Session,
  Task,
  TaskNode,
  Template,
  TimelineEvent,
  TimelineKind,
} from '../../src/core/types.js';
import type {
  SessionRole,
  SessionStatus,
  SessionStrategy,
  TaskPriority,
  TaskStatus,
  ReportKind,
} from '../../src/core/schemas.js';

export type {
  Project,
  QueueItem,
  Session,
  Task,
  TaskNode,
  Template,
  TimelineEvent,
  TimelineKind,
  SessionRole,
  SessionStatus,
  SessionStrategy,
  TaskPriority,
  TaskStatus,
  ReportKind,
};

type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const exact = <T extends true>(_: T): void => undefined;

export const TASK_STATUSES = ['todo', 'in_progress', 'blocked', 'needs_input', 'done', 'cancelled'] as const satisfies readonly TaskStatus[];
export const TASK_PRIORITIES = ['low', 'medium', 'high', 'critical'] as const satisfies readonly TaskPriority[];
export const SESSION_ROLES = ['worker', 'orchestrator'] as const satisfies readonly SessionRole[];
export const SESSION_STRATEGIES = ['simple', 'queue'] as const satisfies readonly SessionStrategy[];
export const SESSION_STATUSES = [
  'spawning',
  'running',
  'idle',
  'needs_input',
  'blocked',
  'completed',
  'failed',
  'stopped',
] as const satisfies readonly SessionStatus[];
export const REPORT_KINDS = ['progress', 'complete', 'blocked', 'error', 'needs_input'] as const satisfies readonly ReportKind[];
exact<Exact<(typeof TASK_STATUSES)[number], TaskStatus>>(true);
exact<Exact<(typeof TASK_PRIORITIES)[number], TaskPriority>>(true);
exact<Exact<(typeof SESSION_STATUSES)[number], SessionStatus>>(true);
exact<Exact<(typeof REPORT_KINDS)[number], ReportKind>>(true);

export const FINISHED_SESSION_STATUSES: readonly SessionStatus[] = ['completed', 'failed', 'stopped'];
export const OPEN_TASK_STATUSES: readonly TaskStatus[] = ['todo', 'in_progress', 'blocked', 'needs_input'];

/** Mirrors MaestroEvent of src/core/events.ts (that module imports node:events, so it is not imported). */
export type MaestroEventBody =
  | { type: 'project.created' | 'project.updated'; project: Project }
  | { type: 'task.created' | 'task.updated'; task: Task }
  | { type: 'session.created' | 'session.updated'; session: Session }
  | { type: 'session.event'; sessionId: string; event: TimelineEvent }
  | { type: 'queue.updated'; sessionId: string; items: QueueItem[] }
  | { type: 'template.created' | 'template.updated'; template: Template }
  | { type: 'template.deleted'; templateId: string };
export type MaestroEvent = MaestroEventBody & { seq: number; at: string };

/** What GET /api/sessions/:id returns (MaestroService.sessionInfo). */
export interface SessionInfo {
  session: Session;
  project: Project;
  tasks: Task[];
  timeline: TimelineEvent[];
  children: Session[];
  queue: QueueItem[] | null;
  lastReport: TimelineEvent | null;
}

export const STATUS_LABEL: Record<TaskStatus | SessionStatus, string> = {
  todo: 'To do',
  in_progress: 'In progress',
  blocked: 'Blocked',
  needs_input: 'Needs input',
  done: 'Done',
  cancelled: 'Cancelled',
  spawning: 'Spawning',
  running: 'Running',
  idle: 'Idle',
  completed: 'Completed',
  failed: 'Failed',
  stopped: 'Stopped',
};

export const PRIORITY_LABEL: Record<TaskPriority, string> = {
  low: 'Low',
  medium: 'Medium',
  high: 'High',
  critical: 'Critical',
};
