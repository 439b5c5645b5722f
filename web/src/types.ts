/*
 * The dashboard speaks the server's own types: entities, results and events come straight from
 * src/core as type-only imports (erased: nothing of the server is bundled). The enum value lists come
 * from src/core/constants.ts, which imports nothing, so bundling them does not pull zod in. None of
 * these modules reaches node's types, so web/tsconfig.json keeps `types: []`.
 */
import type { SessionStatus, TaskPriority, TaskStatus } from '../../src/core/schemas.js';
import type { MergeResult } from '../../src/core/types.js';

export type * from '../../src/core/types.js';
export type { MaestroEvent, MaestroEventBody, MaestroEventType } from '../../src/core/event-types.js';
export type { Message, MessageInbox, MessageRecipient, MessageState } from '../../src/core/types.js';
/** The operations by name, with what each takes and returns (from their node-free contracts). */
export type { OperationName, OpInput, OpResult } from '../../src/core/contracts/index.js';
export type { ReportKind, SessionRole, SessionStatus, SessionStrategy, TaskPriority, TaskStatus } from '../../src/core/schemas.js';
export {
  ENV_NAME,
  ENV_NAME_RULE,
  FINISHED_SESSION_STATUSES,
  REPORT_KINDS,
  SESSION_ROLES,
  SESSION_STATUSES,
  SESSION_STRATEGIES,
  TASK_PRIORITIES,
  TASK_STATUSES,
} from '../../src/core/constants.js';

/** How a session's branch lands: a merge commit, squashed, or rebased. */
export type MergeStrategy = MergeResult['strategy'];

export const OPEN_TASK_STATUSES: readonly TaskStatus[] = ['todo', 'in_progress', 'blocked', 'needs_input'];

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
