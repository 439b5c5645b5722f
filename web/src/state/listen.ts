// Views that follow live events themselves (the Changes tab: diffs, merge checks, the merge queue) subscribe here.
import type { MaestroEvent } from '../types';

type Listener = (ev: MaestroEvent) => void;
const listeners = new Set<Listener>();

/**
 * Calls `listener` with every live event, before the store applies it (so `getState()` still holds what
 * the event changes). Returns the unsubscribe.
 */
export function onLiveEvent(listener: Listener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** Hands an event to the subscribed views; a listener that throws does not stop the others or the store. */
export function notifyLiveEvent(ev: MaestroEvent): void {
  for (const l of listeners) {
    try {
      l(ev);
    } catch (err) {
      console.error(err);
    }
  }
}
