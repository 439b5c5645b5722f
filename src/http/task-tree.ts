import { treeScope } from '../core/access.js';
import type { MaestroService } from '../core/service.js';
import { streamTaskTree } from '../core/task-tree-stream.js';
import type { RouteHandler } from './route-table.js';

/** `GET /api/tasks/tree/stream`: a project's task tree (or a subtree) as NDJSON, streamed (sessions: their own project only). */
export function taskTreeStreamHandler(svc: MaestroService): RouteHandler<'task.tree.stream'> {
  return async ({ query }, ctx) => {
    const { project, root } = treeScope(svc, ctx.actor(), query);
    // Read before the answer starts, so that a wrong root is a clean 404 rather than a broken stream.
    const stream = await streamTaskTree(svc.store, svc.tasks, project.id, root?.id);
    return { filename: `${project.name}-tree.ndjson`, open: () => stream };
  };
}
