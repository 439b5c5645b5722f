import type { OperationName } from '../core/operations.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface Route {
  op: OperationName;
  method: HttpMethod;
  /** express-style path; `:param` segments fill input fields of the same name */
  path: string;
}

/**
 * The REST face of every operation. Shared by the server (to mount routes) and the CLI's client (to
 * call them), so the two cannot drift. GET inputs travel as query parameters, others as a JSON body.
 */
export const ROUTES: readonly Route[] = [
  { op: 'project.list', method: 'GET', path: '/api/projects' },
  { op: 'project.create', method: 'POST', path: '/api/projects' },
  { op: 'project.get', method: 'GET', path: '/api/projects/:project' },
  { op: 'project.update', method: 'PATCH', path: '/api/projects/:project' },
  { op: 'project.delete', method: 'DELETE', path: '/api/projects/:project' },

  { op: 'task.list', method: 'GET', path: '/api/tasks' },
  { op: 'task.create', method: 'POST', path: '/api/tasks' },
  { op: 'task.tree', method: 'GET', path: '/api/tasks/tree' },
  { op: 'task.get', method: 'GET', path: '/api/tasks/:taskId' },
  { op: 'task.update', method: 'PATCH', path: '/api/tasks/:taskId' },
  { op: 'task.complete', method: 'POST', path: '/api/tasks/:taskId/complete' },

  { op: 'report.progress', method: 'POST', path: '/api/reports/progress' },
  { op: 'report.complete', method: 'POST', path: '/api/reports/complete' },
  { op: 'report.blocked', method: 'POST', path: '/api/reports/blocked' },
  { op: 'report.error', method: 'POST', path: '/api/reports/error' },
  { op: 'report.needs_input', method: 'POST', path: '/api/reports/needs_input' },

  { op: 'queue.list', method: 'GET', path: '/api/queue' },
  { op: 'queue.status', method: 'GET', path: '/api/queue/status' },
  { op: 'queue.start', method: 'POST', path: '/api/queue/start' },
  { op: 'queue.complete', method: 'POST', path: '/api/queue/complete' },
  { op: 'queue.skip', method: 'POST', path: '/api/queue/skip' },
  { op: 'queue.add', method: 'POST', path: '/api/queue/add' },

  { op: 'session.list', method: 'GET', path: '/api/sessions' },
  { op: 'session.spawn', method: 'POST', path: '/api/sessions' },
  { op: 'session.info', method: 'GET', path: '/api/sessions/:sessionId' },
  { op: 'session.timeline', method: 'GET', path: '/api/sessions/:sessionId/timeline' },
  { op: 'session.stop', method: 'POST', path: '/api/sessions/:sessionId/stop' },
  { op: 'session.send', method: 'POST', path: '/api/sessions/:sessionId/send' },

  { op: 'template.list', method: 'GET', path: '/api/templates' },
  { op: 'template.create', method: 'POST', path: '/api/templates' },
  { op: 'template.get', method: 'GET', path: '/api/templates/:template' },
  { op: 'template.delete', method: 'DELETE', path: '/api/templates/:template' },

  { op: 'skill.list', method: 'GET', path: '/api/skills' },
  { op: 'skill.get', method: 'GET', path: '/api/skills/:name' },

  { op: 'manifest.get', method: 'GET', path: '/api/manifest' },
  { op: 'manifest.generate', method: 'POST', path: '/api/manifest' },
  { op: 'whoami', method: 'GET', path: '/api/whoami' },
  { op: 'status', method: 'GET', path: '/api/status' },
];

export const routeFor = (op: string): Route | undefined => ROUTES.find((r) => r.op === op);

/** Fills `:param` placeholders from the input; returns the path and the input fields left over. */
export function buildPath(route: Route, input: Record<string, unknown>): { path: string; rest: Record<string, unknown> } {
  const rest = { ...input };
  const path = route.path.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
    const value = rest[name];
    if (value === undefined || value === null || value === '') throw new Error(`${name} is required`);
    delete rest[name];
    return encodeURIComponent(String(value));
  });
  return { path, rest };
}

export { toQuery } from './query.js';
