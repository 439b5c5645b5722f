import { EventEmitter } from 'node:events';
import type { MaestroEvent, MaestroEventBody } from './event-types.js';

export type { MaestroEvent, MaestroEventBody, MaestroEventType } from './event-types.js';

/** The in-process bus every change in the core is announced on. */
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
