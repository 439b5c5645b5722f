import { FINISHED_SESSION_STATUSES, TASK_PRIORITIES } from './constants.js';
import type { DependencyUntil, TaskPriority, TaskStatus } from './schemas.js';
import { projectTaskRows, Slices } from './slices.js';
import type { Store } from './store.js';

/*
 * What the dispatcher can start, now and later, read from the task graph as it is (no state of its own):
 *
 * - ready: todo, every dependency met (done, or merged for `until merged`: the readiness of tasks.ts),
 *   held by no live session (not assigned to one, not handed to one at spawn, not in a live queue);
 * - waves: a task waiting on others starts one wave after the latest of them (work in flight counts as
 *   wave 0), priority first and then task order inside a wave;
 * - never: a task one of whose dependencies is blocked or cancelled (or one of theirs, or is being
 *   worked on by nobody) can never start, and says why.
 *
 * Only todo tasks and the tasks they depend on are read, as a few columns each, in slices (other requests
 * run in between): the whole project hydrated held the server 1.2 s at 100k tasks, on every decision.
 */

/** What the plan knows of a task: enough to order it, to judge what waits on it, and to name it. */
export interface PlanTask {
  id: string;
  title: string;
  status: TaskStatus;
  priority: TaskPriority;
  mergedAt: string | null;
  seq: number;
}

export interface PlannedTask {
  task: PlanTask;
  wave: number;
  waitsOn: string[];
}

export interface DispatchPicture {
  /** Ready tasks in start order (priority, then task order). */
  ready: PlanTask[];
  /** Every todo task that can start, now or later, in plan order (wave, priority, task order). */
  planned: PlannedTask[];
  /** todo tasks that can never start, with the reason. */
  never: Array<{ task: PlanTask; reason: string }>;
  /** todo tasks whose dependencies are not met. */
  waiting: number;
  /** Task ids some live session works on (assigned, handed at spawn, or queued). */
  held: Set<string>;
}

type Fate = { wave: number } | { never: string };
interface Edge {
  dep: PlanTask;
  until: DependencyUntil;
}

const PRIORITY_RANK = new Map<string, number>(TASK_PRIORITIES.map((p, i) => [p, i]));
const PLAN_COLUMNS = 'id, title, status, priority, merged_at AS mergedAt';

export async function dispatchPicture(store: Store, projectId: string, slices = new Slices()): Promise<DispatchPicture> {
  const todo = await projectTaskRows<Omit<PlanTask, 'seq'>>(store, projectId, PLAN_COLUMNS, slices, 'todo');
  const byId = new Map<string, PlanTask>();
  for (const t of todo) {
    byId.set(t.id, t);
    if (slices.due()) await slices.next();
  }
  const edges = await todoEdges(store, todo, byId, slices);
  const held = heldTasks(store, projectId);
  const label = (t: PlanTask) => `${t.id} (${t.title})`;
  const met = ({ dep, until }: Edge) => dep.status === 'done' && (until !== 'merged' || dep.mergedAt !== null);

  const fates = new Map<string, Fate>();
  const visiting = new Set<string>();
  /**
   * How a dependency holds its dependent back: not at all (0), until work in flight ends (1), until its own
   * wave is done; or `d` itself, a todo task nobody holds, whose own fate decides (undefined).
   */
  const contribution = ({ dep: d, until }: Edge): Fate | undefined => {
    if (d.status === 'done') return { wave: until === 'merged' && d.mergedAt === null ? 1 : 0 };
    if (d.status === 'cancelled' || d.status === 'blocked') return { never: `depends on ${label(d)}, which is ${d.status}` };
    if (d.status === 'todo' && !held.has(d.id)) {
      const known = fates.get(d.id);
      if (known) return 'never' in known ? { never: `depends on ${label(d)}, which can never start: ${known.never}` } : { wave: known.wave + 1 };
      if (visiting.has(d.id)) return { never: `depends on ${label(d)}, which can never start: ${label(d)} is part of a dependency cycle` };
      // todo since the page of todo tasks was read: it waits a wave, as work in flight does
      if (!byId.has(d.id)) return { wave: 1 };
      return undefined;
    }
    // in_progress, needs_input, or todo in someone's hands: it moves only while a live session has it
    if (held.has(d.id)) return { wave: 1 };
    return { never: `depends on ${label(d)}, which is ${d.status} with no live session working on it` };
  };
  /**
   * A todo task's fate: the wave it can start in, or why it never can (the first dependency that never can
   * decides). Depth first with a stack of its own: a chain of dependencies as long as the project must
   * not overflow the call stack.
   */
  const fate = async (root: PlanTask): Promise<Fate> => {
    const frames: Array<{ task: PlanTask; next: number; wave: number }> = [{ task: root, next: 0, wave: 0 }];
    visiting.add(root.id);
    while (frames.length > 0) {
      if (slices.due()) await slices.next();
      const frame = frames[frames.length - 1]!;
      const list = edges.get(frame.task.id) ?? [];
      let result: Fate | undefined;
      let deeper = false;
      while (frame.next < list.length) {
        const edge = list[frame.next]!;
        const c = contribution(edge);
        if (c === undefined) {
          visiting.add(edge.dep.id);
          frames.push({ task: edge.dep, next: 0, wave: 0 });
          deeper = true;
          break;
        }
        if ('never' in c) {
          result = c;
          break;
        }
        frame.wave = Math.max(frame.wave, c.wave);
        frame.next++;
      }
      if (deeper) continue; // the dependency's fate first; this edge is looked at again after it
      visiting.delete(frame.task.id);
      fates.set(frame.task.id, result ?? { wave: frame.wave });
      frames.pop();
    }
    return fates.get(root.id)!;
  };

  // Start order without a sort: tasks come in task order, into a bucket per priority (of each wave).
  const rank = (t: PlanTask) => TASK_PRIORITIES.length - 1 - (PRIORITY_RANK.get(t.priority) ?? 0);
  const byPriority = <T>(): T[][] => TASK_PRIORITIES.map(() => []);
  const ready = byPriority<PlanTask>();
  const waves: PlannedTask[][][] = [];
  const never: DispatchPicture['never'] = [];
  let waiting = 0;
  for (const t of todo) {
    if (slices.due()) await slices.next();
    if (held.has(t.id)) continue;
    const list = edges.get(t.id) ?? [];
    const isReady = list.every(met);
    if (!isReady) waiting++;
    const f = fates.get(t.id) ?? (await fate(t));
    if ('never' in f) {
      never.push({ task: t, reason: f.never });
      continue;
    }
    (waves[f.wave] ??= byPriority())[rank(t)]!.push({ task: t, wave: f.wave, waitsOn: list.filter((e) => !met(e)).map((e) => e.dep.id) });
    if (isReady) ready[rank(t)]!.push(t);
  }
  const planned: PlannedTask[] = [];
  for (const wave of waves) {
    if (!wave) continue;
    for (const bucket of wave)
      for (const p of bucket) {
        planned.push(p);
        if (slices.due()) await slices.next();
      }
  }
  return { ready: ready.flat(), planned, never, waiting, held };
}

/**
 * The todo tasks' dependency edges, each with the task it depends on (the todo one read above, or as it is
 * now), in the order of the dependencies' creation; a page of tasks at a time. The tasks depended on are
 * read only when they are not todo ones already read: joining them on every edge cost 25 µs an edge at 100k.
 */
async function todoEdges(store: Store, todo: PlanTask[], byId: Map<string, PlanTask>, slices: Slices): Promise<Map<string, Edge[]>> {
  const edgesOf = store.prepare(
    `SELECT d.task_id AS taskId, d.depends_on_id AS depId, d.until FROM json_each(?) j CROSS JOIN task_dependencies d ON d.task_id = j.value`,
  );
  const tasksOf = store.prepare(`SELECT ${PLAN_COLUMNS}, seq FROM tasks WHERE id IN (SELECT value FROM json_each(?))`);
  const edges = new Map<string, Edge[]>();
  /** Edges to tasks not read yet, by the id of the task depended on. */
  const pending = new Map<string, Array<{ taskId: string; until: DependencyUntil }>>();
  const append = <V>(map: Map<string, V[]>, key: string, value: V) => {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  };
  const add = (taskId: string, edge: Edge) => append(edges, taskId, edge);
  await inPages(todo.map((t) => t.id), slices, (ids) => {
    for (const { taskId, depId, until } of edgesOf.all(ids) as Array<{ taskId: string; depId: string; until: DependencyUntil }>) {
      const dep = byId.get(depId);
      if (dep) add(taskId, { dep, until });
      else append(pending, depId, { taskId, until });
    }
  });
  await inPages([...pending.keys()], slices, (ids) => {
    for (const dep of tasksOf.all(ids) as PlanTask[]) for (const { taskId, until } of pending.get(dep.id)!) add(taskId, { dep, until });
  });
  for (const list of edges.values()) {
    if (list.length > 1) list.sort((a, b) => a.dep.seq - b.dep.seq);
    if (slices.due()) await slices.next();
  }
  return edges;
}

/** `read` for each page of `ids` (as a JSON list), the turn given away when a slice has had its time. */
async function inPages(ids: string[], slices: Slices, read: (json: string) => void): Promise<void> {
  for (let start = 0; start < ids.length; start += ID_PAGE) {
    read(JSON.stringify(ids.slice(start, start + ID_PAGE)));
    if (slices.due(ID_PAGE)) await slices.next();
  }
}
/** Ids per lookup query: 1-6 ms of SQLite at 100k tasks. */
const ID_PAGE = 256;

/**
 * The project's tasks some live session works on: assigned to it, handed to it at spawn, or in its queue not
 * yet done. From the project's sessions to their tasks (CROSS JOIN keeps that order): SQLite's own choice
 * walked every task of the project, 14 ms at 100k. Each session's tasks by the assignee index (`+` keeps
 * SQLite off the project's): it walked the project's tasks once per session, 300-430 ms with 5,000 sessions.
 */
export function heldTasks(store: Store, projectId: string): Set<string> {
  const rows = store.prepare(HELD_TASKS_SQL).all(projectId, projectId, projectId) as Array<{ id: string }>;
  return new Set(rows.map((r) => r.id));
}

const FINISHED = FINISHED_SESSION_STATUSES.map((s) => `'${s}'`).join(',');
/** heldTasks' statement (its parameter, the project, three times); a test reads its plan. */
export const HELD_TASKS_SQL = `SELECT t.id FROM sessions s CROSS JOIN tasks t ON t.assignee_session_id = s.id
    WHERE s.project_id = ? AND +t.project_id = s.project_id AND s.status NOT IN (${FINISHED})
  UNION SELECT st.task_id FROM session_tasks st JOIN sessions s ON s.id = st.session_id
    WHERE s.project_id = ? AND s.status NOT IN (${FINISHED})
  UNION SELECT q.task_id FROM queue_items q JOIN sessions s ON s.id = q.session_id
    WHERE s.project_id = ? AND q.state <> 'done' AND s.status NOT IN (${FINISHED})`;
