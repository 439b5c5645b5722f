import { FINISHED_SESSION_STATUSES, TASK_PRIORITIES } from './constants.js';
import type { DependencyUntil } from './schemas.js';
import type { Store } from './store.js';
import type { TaskRepo } from './tasks.js';
import type { Task } from './types.js';

/*
 * What the dispatcher can start, now and later, read from the task graph as it is (no state of its own):
 *
 * - ready: todo, every dependency met (done, or merged for `until merged`: the readiness of tasks.ts),
 *   held by no live session (not assigned to one, not handed to one at spawn, not in a live queue);
 * - waves: a task waiting on others starts one wave after the latest of them (work in flight counts as
 *   wave 0), priority first and then task order inside a wave;
 * - never: a task one of whose dependencies is blocked or cancelled (or one of theirs, or is being
 *   worked on by nobody) can never start, and says why.
 */

export interface PlannedTask {
  task: Task;
  wave: number;
  waitsOn: string[];
}

export interface DispatchPicture {
  /** Ready tasks in start order (priority, then task order). */
  ready: Task[];
  /** Every todo task that can start, now or later, in plan order (wave, priority, task order). */
  planned: PlannedTask[];
  /** todo tasks that can never start, with the reason. */
  never: Array<{ task: Task; reason: string }>;
  /** todo tasks whose dependencies are not met. */
  waiting: number;
  /** Task ids some live session works on (assigned, handed at spawn, or queued). */
  held: Set<string>;
}

const PRIORITY_RANK = new Map<string, number>(TASK_PRIORITIES.map((p, i) => [p, i]));
/** Highest priority first, then the order the tasks were made in (their place in `tasks`, listed in that order). */
export function startOrder(tasks: Task[]): (a: Task, b: Task) => number {
  const place = new Map(tasks.map((t, i) => [t.id, i]));
  return (a, b) => (PRIORITY_RANK.get(b.priority) ?? 0) - (PRIORITY_RANK.get(a.priority) ?? 0) || place.get(a.id)! - place.get(b.id)!;
}

type Fate = { wave: number } | { never: string };

export function dispatchPicture(store: Store, tasks: TaskRepo, projectId: string): DispatchPicture {
  const all = tasks.list({ projectId });
  const byId = new Map(all.map((t) => [t.id, t]));
  const held = heldTasks(store, projectId);
  const edges = new Map<string, Array<{ dep: string; until: DependencyUntil }>>(
    all.map((t) => [t.id, t.dependencies.map((dep) => ({ dep, until: t.mergedDependencies.includes(dep) ? 'merged' : 'done' }) as const)]),
  );
  const label = (t: Task) => `${t.id} (${t.title})`;

  const fates = new Map<string, Fate>();
  const visiting = new Set<string>();
  /** A todo task's fate: the wave it can start in, or why it never can. */
  const fate = (t: Task): Fate => {
    const known = fates.get(t.id);
    if (known) return known;
    if (visiting.has(t.id)) return { never: `${label(t)} is part of a dependency cycle` };
    visiting.add(t.id);
    let wave = 0;
    let result: Fate | undefined;
    for (const { dep, until } of edges.get(t.id) ?? []) {
      const d = byId.get(dep);
      if (!d) continue;
      const contribution = depContribution(d, until);
      if ('never' in contribution) {
        result = { never: contribution.never };
        break;
      }
      wave = Math.max(wave, contribution.wave);
    }
    visiting.delete(t.id);
    result ??= { wave };
    fates.set(t.id, result);
    return result;
  };
  /** How a dependency holds its dependent back: not at all (0), until work in flight ends (1), until its own wave is done. */
  const depContribution = (d: Task, until: DependencyUntil): Fate => {
    if (d.status === 'done') return { wave: until === 'merged' && d.mergedAt === null ? 1 : 0 };
    if (d.status === 'cancelled' || d.status === 'blocked') return { never: `depends on ${label(d)}, which is ${d.status}` };
    if (d.status === 'todo' && !held.has(d.id)) {
      const f = fate(d);
      if ('never' in f) return { never: `depends on ${label(d)}, which can never start: ${f.never}` };
      return { wave: f.wave + 1 };
    }
    // in_progress, needs_input, or todo in someone's hands: it moves only while a live session has it
    if (held.has(d.id)) return { wave: 1 };
    return { never: `depends on ${label(d)}, which is ${d.status} with no live session working on it` };
  };

  const planned: PlannedTask[] = [];
  const never: DispatchPicture['never'] = [];
  const ready: Task[] = [];
  let waiting = 0;
  for (const t of all) {
    if (t.status !== 'todo' || held.has(t.id)) continue;
    if (!t.ready) waiting++;
    const f = fate(t);
    if ('never' in f) {
      never.push({ task: t, reason: f.never });
      continue;
    }
    const waitsOn = (edges.get(t.id) ?? [])
      .filter((e) => {
        const d = byId.get(e.dep);
        return d !== undefined && !(d.status === 'done' && (e.until !== 'merged' || d.mergedAt !== null));
      })
      .map((e) => e.dep);
    planned.push({ task: t, wave: f.wave, waitsOn });
    if (t.ready) ready.push(t);
  }
  const order = startOrder(all);
  planned.sort((a, b) => a.wave - b.wave || order(a.task, b.task));
  ready.sort(order);
  return { ready, planned, never, waiting, held };
}

/** The project's tasks some live session works on: assigned to it, handed to it at spawn, or in its queue not yet done. */
export function heldTasks(store: Store, projectId: string): Set<string> {
  const finished = FINISHED_SESSION_STATUSES.map((s) => `'${s}'`).join(',');
  const rows = store
    .prepare(
      `SELECT t.id FROM tasks t JOIN sessions s ON s.id = t.assignee_session_id
         WHERE t.project_id = ? AND s.status NOT IN (${finished})
       UNION SELECT st.task_id FROM session_tasks st JOIN sessions s ON s.id = st.session_id
         WHERE s.project_id = ? AND s.status NOT IN (${finished})
       UNION SELECT q.task_id FROM queue_items q JOIN sessions s ON s.id = q.session_id
         WHERE s.project_id = ? AND q.state <> 'done' AND s.status NOT IN (${finished})`,
    )
    .all(projectId, projectId, projectId) as Array<{ id: string }>;
  return new Set(rows.map((r) => r.id));
}
