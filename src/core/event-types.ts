import type { MergeQueueEntry, Message, Project, QueueStatus, Session, Task, Template, TimelineEvent } from './types.js';

/*
 * The shapes of the core's events, in a module of types only (it imports nothing but types.ts), so
 * the dashboard can type-check against it without the bus of events.ts and its node:events.
 */

/** Every change in the core is announced as one of these, on one in-process bus. */
export type MaestroEventBody =
  | { type: 'project.created' | 'project.updated'; project: Project }
  | { type: 'project.deleted'; projectId: string }
  | { type: 'task.created' | 'task.updated'; task: Task }
  /** A bulk import changed many tasks at once (task import): one event for all, refetch the project's tasks. */
  | { type: 'tasks.imported'; projectId: string; created: number; updated: number; unchanged: number }
  | { type: 'session.created' | 'session.updated'; session: Session }
  | { type: 'session.event'; sessionId: string; event: TimelineEvent }
  | { type: 'queue.updated'; sessionId: string; status: QueueStatus }
  | { type: 'merge_queue.updated'; entry: MergeQueueEntry }
  | { type: 'message.created' | 'message.updated'; message: Message }
  | { type: 'lease.updated'; action: 'acquired' | 'released'; projectId: string; sessionId: string; leaseIds: string[]; patterns: string[] }
  | { type: 'template.created' | 'template.updated'; template: Template }
  | { type: 'template.deleted'; templateId: string }
  | { type: 'dispatch.updated'; projectId: string; status: 'running' | 'stopped' | 'drained'; kind: string; taskId: string | null; sessionId: string | null; message: string };

export type MaestroEvent = MaestroEventBody & { seq: number; at: string };
export type MaestroEventType = MaestroEvent['type'];
