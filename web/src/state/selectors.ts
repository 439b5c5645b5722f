// Selectors: what views read out of the state (a project's tasks and sessions, a session's current task).
import type { Project, Session, Task } from '../types';
import type { State } from './container';
import { taskById } from './taskCache';

/** The tasks of a project the page has seen (loaded pages, tasks fetched by id): never the whole of a big project. */
export const projectTasks = (s: State, projectId: string | null): Task[] =>
  projectId ? Object.values(s.tasks).filter((t) => t.projectId === projectId) : [];

export const projectSessions = (s: State, projectId: string | null): Session[] =>
  projectId
    ? Object.values(s.sessions)
        .filter((x) => x.projectId === projectId)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    : [];

export const currentProject = (s: State): Project | undefined => s.projects.find((p) => p.id === s.projectId);

/**
 * The session's current task: the server's answer (MaestroService.currentTask), kept current by events.
 * A task the page has not loaded is fetched by id (null until it arrives).
 */
export function currentTaskOf(s: State, session: Session): Task | null {
  const id = s.currentTaskIds[session.id];
  return id ? (taskById(s, id) ?? null) : null;
}
