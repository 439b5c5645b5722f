import { projectFor, visibleTask } from '../core/access.js';
import type { MaestroService } from '../core/service.js';
import { streamTaskTree } from '../core/task-tree-stream.js';
import type { RouteHandler } from './route-table.js';

/** `GET /api/tasks/tree/stream`: a project's task tree (or a subtree) as NDJSON, streamed (sessions: their own project only). */
export function taskTreeStreamHandler(svc: MaestroService): RouteHandler<'task.tree.stream'> {
  return ({ query }, ctx) => {
    const actor = ctx.actor();
    const root = query.rootId !== undefined ? visibleTask(svc, actor, query.rootId, 'rootId') : undefined;
    // A subtree says its project (as task_tree does): it needs no other.
    const project = root && query.project === undefined ? svc.projects.get(root.projectId) : projectFor(svc, actor, query.project);
    const stream = streamTaskTree(svc.store, svc.tasks, project.id, root?.id);
    return { filename: `${project.name.replace(/[^\w.-]+/g, '_')}-tree.ndjson`, open: () => stream };
  };
}
