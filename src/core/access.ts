import type { Access } from './contracts/contract.js';
import type { Actor } from './actor.js';
import { forbidden, invalid } from './errors.js';
import type { MaestroService } from './service.js';
import type { Project, Session, Task } from './types.js';

// Who is calling (in a module of its own, which the session repository can import without a circle).
export { USER, type Actor, type SessionIdentity } from './actor.js';

/** Who may call an operation; declared with the operations' contracts (node-free). */
export type { Access };

export function mayCall(actor: Actor, access: Access): boolean {
  if (actor.kind === 'user') return true;
  if (access === 'any') return true;
  return access === 'orchestrator' && actor.session.role === 'orchestrator';
}

/** A session's project, the one it names (sessions may not leave theirs), or the only/named project for a user. */
export function projectFor(svc: MaestroService, actor: Actor, ref: string | undefined, field = 'project'): Project {
  if (actor.kind === 'user') return svc.resolveProject(ref, undefined, field);
  const own = svc.projects.get(actor.session.projectId);
  if (ref !== undefined && ref !== own.id && ref !== own.name)
    throw forbidden(`session ${actor.session.id} may only work in its own project '${own.name}'`, field);
  return own;
}

/**
 * What a listing covers: one project (named, or a session's own), or every project (undefined) for a
 * person who names none or asks for `all`. Sessions never see past their project.
 */
export function projectScope(svc: MaestroService, actor: Actor, ref: string | undefined, all: boolean | undefined): string | undefined {
  if (all && ref !== undefined) throw invalid('give a project or all, not both', 'all');
  if (all && actor.kind === 'session') throw forbidden(`session ${actor.session.id} may only see its own project`, 'all');
  if (all) return undefined;
  return ref !== undefined || actor.kind === 'session' ? projectFor(svc, actor, ref).id : undefined;
}

/**
 * The session an operation acts on. A session acts on itself; an orchestrator may also act on the
 * sessions it spawned; a user must name one.
 */
export function targetSession(svc: MaestroService, actor: Actor, sessionId: string | undefined, field = 'sessionId'): Session {
  return svc.sessions.get(targetSessionId(svc, actor, sessionId, field), field);
}

/**
 * The id of the session `targetSession` would answer, checked the same way without loading it: the queue
 * operations need no more, and a queue session's record carries all of its task ids (500 in a shared pool).
 */
export function targetSessionId(svc: MaestroService, actor: Actor, sessionId: string | undefined, field = 'sessionId'): string {
  if (actor.kind === 'user') {
    if (sessionId === undefined) throw invalid('sessionId is required (or set MAESTRO_SESSION_ID)', field);
    svc.sessions.assertExists(sessionId, field);
    return sessionId;
  }
  const self = actor.session;
  if (sessionId === undefined || sessionId === self.id) return self.id;
  const parent = svc.sessions.parentOf(sessionId, field);
  if (self.role === 'orchestrator' && parent === self.id) return sessionId;
  throw forbidden(
    self.role === 'orchestrator'
      ? `session ${sessionId} was not spawned by you (${self.id})`
      : `a worker may only act on its own session (${self.id}), not ${sessionId}`,
    field,
  );
}

/** Sessions may read any session of their project; workers only their own. */
export function readableSession(svc: MaestroService, actor: Actor, sessionId: string | undefined, field = 'sessionId'): Session {
  if (actor.kind === 'session' && actor.session.role === 'orchestrator' && sessionId !== undefined) {
    const other = svc.sessions.get(sessionId, field);
    if (other.projectId !== actor.session.projectId)
      throw forbidden(`session ${sessionId} belongs to another project`, field);
    return other;
  }
  return targetSession(svc, actor, sessionId, field);
}

/**
 * What a task tree is of (task_tree, the streamed tree): the subtree under `rootId`, whose task says its
 * project (no other is needed, and none is guessed among several), or a whole project.
 */
export function treeScope(svc: MaestroService, actor: Actor, input: { project?: string; rootId?: string }): { project: Project; root?: Task } {
  const root = input.rootId !== undefined ? visibleTask(svc, actor, input.rootId, 'rootId') : undefined;
  const project = root && input.project === undefined ? svc.projects.get(root.projectId) : projectFor(svc, actor, input.project);
  return { project, root };
}

/** Any task a caller may see: sessions only inside their project. */
export function visibleTask(svc: MaestroService, actor: Actor, taskId: string, field = 'taskId'): Task {
  const task = svc.tasks.get(taskId, field);
  if (actor.kind === 'session' && task.projectId !== actor.session.projectId)
    throw forbidden(`task ${taskId} belongs to another project`, field);
  return task;
}

/**
 * A task the caller may change. Workers: only tasks assigned to them, or subtasks beneath one of those.
 * Orchestrators: any task of their project.
 */
export function workableTask(svc: MaestroService, actor: Actor, taskId: string, field = 'taskId'): Task {
  const task = visibleTask(svc, actor, taskId, field);
  if (actor.kind === 'session' && actor.session.role === 'worker' && !workerOwns(svc, actor.session.id, task))
    throw forbidden(`task ${taskId} is not assigned to you (${actor.session.id}); workers may only change their own tasks`, field);
  return task;
}

/** A worker owns a task assigned to it and everything beneath such a task. */
function workerOwns(svc: MaestroService, sessionId: string, task: Task): boolean {
  return svc.tasks.ancestry(task.id).some((id) => svc.tasks.isAssignedTo(id, sessionId));
}
