import { projectFor } from '../core/access.js';
import type { TaskStatus } from '../core/schemas.js';
import type { MaestroService } from '../core/service.js';
import { exportTasks } from '../core/task-export.js';
import type { RouteHandler } from './route-table.js';

/** `GET /api/tasks/export`: a project's tasks as JSONL, streamed (sessions: their own project only). */
export function taskExportHandler(svc: MaestroService): RouteHandler<'task.export'> {
  return ({ query }, ctx) => {
    const project = projectFor(svc, ctx.actor(), query.project);
    const status: TaskStatus[] | undefined = query.status;
    return { filename: `${project.name}-tasks.jsonl`, open: () => exportTasks(svc.store, project.id, status) };
  };
}
