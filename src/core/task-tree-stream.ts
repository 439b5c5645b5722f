import { Readable } from 'node:stream';
import type { TaskTreeLine } from './entities/task.js';
import { notFound } from './errors.js';
import { projectTaskRows, Slices } from './slices.js';
import type { Store } from './store.js';
import type { TaskRepo } from './tasks.js';

/*
 * `maestro task tree`, streamed (GET /api/tasks/tree/stream): a project's tasks (or one subtree) as NDJSON
 * lines `{depth, last, task}` in depth-first order, children in creation order, so a client prints each line
 * as it arrives and keeps only the path to the current task. The order is worked out from the ids and
 * parents alone (a few MB at 100k tasks); the tasks themselves are read a page at a time, and no query
 * stays open between pages (other requests use the same connection meanwhile).
 */

/** Tasks read and written per page. */
const PAGE = 500;

/** A task's place in the tree: a line of the stream without the task itself. */
export type Place = Omit<TaskTreeLine, 'task'> & { id: string };

/**
 * The tree of a project (or the subtree under `rootId`, the root at depth 0) as a stream of NDJSON. Its
 * order is worked out first, in slices (other requests run in between), so that a wrong root is a clean
 * 404 rather than a broken stream.
 */
export async function streamTaskTree(store: Store, tasks: TaskRepo, projectId: string, rootId?: string): Promise<Readable> {
  const slices = new Slices();
  const order = await treeOrder(store, projectId, rootId, slices);
  return Readable.from(treeLines(tasks, order, slices), { objectMode: false });
}

async function* treeLines(tasks: TaskRepo, order: Place[], slices: Slices): AsyncGenerator<string> {
  for (let start = 0; start < order.length; start += PAGE) {
    const places = order.slice(start, start + PAGE);
    const byId = new Map(tasks.list({ ids: places.map((p) => p.id) }).map((t) => [t.id, t]));
    let chunk = '';
    for (const { id, depth, last } of places) {
      const task = byId.get(id);
      // Deleted since the order was read (with its project): it is simply not shown.
      if (!task) continue;
      const line: TaskTreeLine = { depth, last, task };
      chunk += `${JSON.stringify(line)}\n`;
    }
    if (chunk) yield chunk;
    await slices.next(); // other requests in between pages
  }
}

/** Every task's place in the depth-first walk of a project (or the subtree under `rootId`): see `depthFirst`. */
export async function treeOrder(store: Store, projectId: string, rootId?: string, slices = new Slices()): Promise<Place[]> {
  const rows = await projectTaskRows<{ id: string; parent_id: string | null }>(store, projectId, 'id, parent_id', slices);
  return depthFirst(rows, slices, rootId);
}

/**
 * Every task's place in the depth-first walk from the top (or from `rootId`), children in the order of
 * `rows` (creation order): its depth, and whether it is the last child of its parent. So parents come before
 * their children (the export writes its tasks in this order too). The rows are read across turns: a task
 * moved meanwhile may be placed where it was; one moved under a task that was itself moved from under it
 * looks like a loop no walk from the top reaches, and is placed at the top, last (the next read shows it
 * where it is).
 */
export async function depthFirst(rows: Array<{ id: string; parent_id: string | null }>, slices: Slices, rootId?: string): Promise<Place[]> {
  const children = new Map<string | null, string[]>();
  const ids = new Set<string>();
  for (const r of rows) ids.add(r.id);
  for (const r of rows) {
    // A parent outside the project cannot be: but were it, its child is drawn as a root rather than lost.
    const parent = r.parent_id !== null && ids.has(r.parent_id) ? r.parent_id : null;
    let list = children.get(parent);
    if (!list) children.set(parent, (list = []));
    list.push(r.id);
    if (slices.due()) await slices.next();
  }
  if (rootId !== undefined && !ids.has(rootId)) throw notFound('task', rootId, 'rootId');
  const order: Place[] = [];
  const stack: Place[] = rootId !== undefined ? [{ id: rootId, depth: 0, last: true }] : placesOf(children.get(null) ?? [], 0);
  while (stack.length > 0) {
    const place = stack.pop()!;
    order.push(place);
    const kids = children.get(place.id);
    if (kids) for (const kid of placesOf(kids, place.depth + 1)) stack.push(kid);
    if (slices.due()) await slices.next();
  }
  if (rootId === undefined && order.length < rows.length) drawStraysAtTheTop(order, rows, children);
  return order;
}

/** The tasks no walk from the top reached (see depthFirst), each with its subtree, after the last top-level one. */
function drawStraysAtTheTop(order: Place[], rows: Array<{ id: string }>, children: Map<string | null, string[]>): void {
  const placed = new Set(order.map((p) => p.id));
  for (let i = order.length - 1; i >= 0; i--) {
    if (order[i]!.depth !== 0) continue;
    order[i]!.last = false; // no longer the last at the top
    break;
  }
  let lastAtTop: Place | undefined;
  for (const stray of rows) {
    if (placed.has(stray.id)) continue; // drawn already: in the walk, or under an earlier stray
    const stack: Place[] = [(lastAtTop = { id: stray.id, depth: 0, last: false })];
    while (stack.length > 0) {
      const place = stack.pop()!;
      if (placed.has(place.id)) continue;
      placed.add(place.id);
      order.push(place);
      const kids = children.get(place.id);
      if (kids) for (const kid of placesOf(kids, place.depth + 1)) stack.push(kid);
    }
  }
  if (lastAtTop) lastAtTop.last = true;
}

/** Siblings as places, reversed for the stack (the first child is popped first). */
function placesOf(ids: string[], depth: number): Place[] {
  return ids.map((id, i) => ({ id, depth, last: i === ids.length - 1 })).reverse();
}
