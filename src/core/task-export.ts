import { Readable } from 'node:stream';
import type { DependencyUntil, TaskStatus } from './schemas.js';
import { projectTaskRows, Slices } from './slices.js';
import type { Store } from './store.js';
import type { ImportRow } from './task-import-schemas.js';
import { depthFirst } from './task-tree-stream.js';

/*
 * `maestro task export`: a project's tasks as JSONL, one task per line, parents before their children,
 * each with its key (its own, or its id when it has none) and its parent and dependencies named by those
 * keys: a file that `task import` reads back into another project as the same tasks. Streamed in pages:
 * only the order (ids and keys) is held for the whole project, and no query stays open between pages
 * (other requests use the same connection meanwhile).
 */

/** Tasks read and written per page. */
const PAGE = 1000;

interface Skeleton {
  id: string;
  parent_id: string | null;
  key: string | null;
  status: TaskStatus;
}

interface Full {
  id: string;
  parent_id: string | null;
  key: string | null;
  title: string;
  description: string;
  status: TaskStatus;
  priority: string;
}

/** The export of a project (only tasks with one of `statuses`, when given) as a stream of JSONL. */
export function exportTasks(store: Store, projectId: string, statuses?: TaskStatus[], slices = new Slices()): Readable {
  return Readable.from(exportLines(store, projectId, slices, statuses), { objectMode: false });
}

async function* exportLines(store: Store, projectId: string, slices: Slices, statuses?: TaskStatus[]): AsyncGenerator<string> {
  // The skeleton and the order in slices, as the pages below: other requests run in between.
  const skeleton = await projectTaskRows<Skeleton>(store, projectId, 'id, parent_id, key, status', slices);
  const keyOf = new Map<string, string>();
  for (const t of skeleton) {
    keyOf.set(t.id, t.key ?? t.id);
    if (slices.due()) await slices.next();
  }
  const filter = statuses && statuses.length > 0 ? new Set(statuses) : undefined;
  const written = filter ? new Set(skeleton.filter((t) => filter.has(t.status)).map((t) => t.id)) : undefined;
  // Parents before their children, in creation order otherwise.
  const order = (await depthFirst(skeleton, slices)).map((p) => p.id).filter((id) => !written || written.has(id));
  const rowsOf = store.prepare(
    `SELECT id, parent_id, key, title, description, status, priority FROM tasks WHERE id IN (SELECT value FROM json_each(?))`,
  );
  const depsOf = store.prepare(
    `SELECT d.task_id, d.depends_on_id, d.until FROM task_dependencies d JOIN tasks t ON t.id = d.depends_on_id
     WHERE d.task_id IN (SELECT value FROM json_each(?)) ORDER BY t.seq`,
  );
  for (let start = 0; start < order.length; start += PAGE) {
    const ids = order.slice(start, start + PAGE);
    const json = JSON.stringify(ids);
    const rows = new Map((rowsOf.all(json) as Full[]).map((r) => [r.id, r]));
    const deps = new Map<string, { keys: string[]; until: DependencyUntil }>();
    for (const d of depsOf.all(json) as Array<{ task_id: string; depends_on_id: string; until: DependencyUntil }>) {
      let entry = deps.get(d.task_id);
      if (!entry) deps.set(d.task_id, (entry = { keys: [], until: d.until }));
      entry.keys.push(keyOf.get(d.depends_on_id) ?? d.depends_on_id);
      if (d.until === 'merged') entry.until = 'merged';
    }
    let chunk = '';
    for (const id of ids) {
      const t = rows.get(id);
      if (!t) continue;
      const line: ImportRow = { key: t.key ?? t.id, title: t.title, description: t.description, status: t.status, priority: t.priority as ImportRow['priority'] };
      // A parent the status filter leaves out is not named: imported elsewhere, the task is top-level; imported
      // back, it keeps its parent (a row without `parent` leaves it as it is).
      if (t.parent_id !== null && (!written || written.has(t.parent_id))) line.parent = keyOf.get(t.parent_id) ?? t.parent_id;
      const d = deps.get(id);
      if (d) {
        line.dependsOn = d.keys;
        line.until = d.until;
      }
      chunk += `${JSON.stringify(line)}\n`;
    }
    if (chunk) yield chunk;
    await slices.next(); // other requests in between pages
  }
}
