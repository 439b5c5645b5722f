// Tasks by id on demand: a view that names a task the page has not loaded (a session's current task, a
// timeline's, a dependency, the task in the address) gets it with task.get, once, and the cache keeps it.
import { ApiError, api } from '../api';
import type { Task } from '../types';
import { getState, setState, type State } from './container';
import { cacheTasks } from './taskLists';

/** At most this many task.get requests at once: scrolling past many rows must not flood the server. */
const CONCURRENT = 4;
const queued: string[] = [];
const asked = new Set<string>();
let active = 0;

function drain(): void {
  while (active < CONCURRENT && queued.length) {
    const id = queued.shift()!;
    active++;
    api
      .task(id)
      .then((t) => setState((s) => ({ tasks: cacheTasks(s, [t]) })))
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 404) setState((s) => ({ missingTasks: { ...s.missingTasks, [id]: true } }));
        // Any other failure: a later render asks again.
      })
      .finally(() => {
        active--;
        asked.delete(id);
        drain();
      });
  }
}

/** Fetches a task the page does not have (`force`: again, as it may have changed), at most once at a time. */
export function requestTask(id: string, force = false): void {
  const s = getState();
  if (asked.has(id) || (!force && (s.tasks[id] || s.missingTasks[id]))) return;
  asked.add(id);
  queued.push(id);
  drain();
}

/**
 * The task with this id: from the cache, or undefined while it is fetched (the view renders again when
 * it arrives). Safe to call while rendering: the request starts after the render.
 */
export function taskById(s: State, id: string): Task | undefined {
  const t = s.tasks[id];
  if (!t && !s.missingTasks[id] && !asked.has(id)) queueMicrotask(() => requestTask(id));
  return t;
}

