import { EventEmitter } from 'node:events';
import type { QueueStatus } from './queue.js';
import type { Project, Session, Task, Template, TimelineEvent } from './types.js';

/** Every change in the core is announced as one of these, on one in-process bus. */
export type MaestroEventBody =
  | { type: 'project.created' | 'project.updated'; project: Project }
  | { type: 'task.created' | 'task.updated'; task: Task }
  | { type: 'session.created' | 'session.updated'; session: Session }
  | { type: 'session.event'; sessionId: string; event: TimelineEvent }
  | { type: 'queue.updated'; sessionId: string; status: QueueStatus }
  | { type: 'template.created' | 'template.updated'; template: Template }
  | { type: 'template.deleted'; templateId: string };

export type MaestroEvent = MaestroEventBody & { seq: number; at: string };
export type MaestroEventType = MaestroEvent['type'];

export class EventBus {
  private readonly emitter = new EventEmitter();
  private seq = 0;

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  emit(body: MaestroEventBody): MaestroEvent {
    const event = { ...body, seq: ++this.seq, at: new Date().toISOString() } as MaestroEvent;
    this.emitter.emit('event', event);
    return event;
  }

  /** Subscribes to every event; returns the unsubscribe function. */
  subscribe(listener: (event: MaestroEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
