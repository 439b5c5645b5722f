import { MaestroError, invalid } from './errors.js';
import type { SessionStatus } from './schemas.js';
import type { CoreContext } from './service-context.js';
import type { ProjectRemoval } from './project-removal.js';
import { FINISHED_STATUSES } from './sessions.js';
import type { Slices } from './slices.js';
import type { Project, ProjectDeleteResult } from './types.js';

/** Project-wide work beyond the project table: which project a call is about, and deleting one with all it holds. */
export class ProjectAdmin {
  constructor(
    private readonly core: Pick<CoreContext, 'store' | 'projects'>,
    private readonly removal: ProjectRemoval,
  ) {}

  /** The project named by `ref` (id or name), else `fallback` (an id), else the only project there is. */
  resolveProject(ref: string | undefined, fallback: string | undefined, field = 'project'): Project {
    const { projects } = this.core;
    if (ref !== undefined) return projects.resolve(ref, field);
    if (fallback !== undefined) return projects.get(fallback);
    const all = projects.list();
    if (all.length === 1) return all[0]!;
    throw invalid(all.length === 0 ? 'no project exists yet; create one first' : 'project is required (there is more than one)', field);
  }

  /**
   * Deletes a project (by id or name) with everything in it. Refused while any of its sessions is live:
   * that agent would go on working for a project that no longer exists. The project is gone for every
   * caller at once (marked, with its dispatcher stopped, and announced); its rows then go a chunk at a time
   * with the server's other requests in between (project-removal.ts), the project row's cascade last. This
   * answers once all is gone, its sessions' folders too (manifest, MCP config, terminal recording).
   */
  async deleteProject(ref: string, slices?: Slices): Promise<ProjectDeleteResult> {
    const { store, projects } = this.core;
    const result = store.tx(() => {
      const project = projects.resolve(ref);
      const sessions = store
        .prepare('SELECT id, status FROM sessions WHERE project_id = ? ORDER BY created_at, id')
        .all(project.id) as Array<{ id: string; status: SessionStatus }>;
      const live = sessions.filter((x) => !FINISHED_STATUSES.includes(x.status));
      if (live.length > 0)
        throw new MaestroError(
          'conflict',
          `project '${project.name}' (${project.id}) still has ${live.length} live session(s): ${live
            .map((x) => `${x.id} (${x.status})`)
            .join(', ')}; stop them first (maestro session stop <id>, or session_stop), then delete the project`,
          'project',
        );
      const { n: deletedTasks } = store.prepare('SELECT COUNT(*) AS n FROM tasks WHERE project_id = ?').get(project.id) as { n: number };
      projects.markDeleting(project.id);
      // its dispatcher finds no row at its next decision, and starts no worker for a project being deleted
      store.prepare('DELETE FROM dispatchers WHERE project_id = ?').run(project.id);
      store.emit({ type: 'project.deleted', projectId: project.id });
      return { projectId: project.id, name: project.name, deletedTasks, deletedSessions: sessions.length };
    });
    const leftOver = await this.removal.remove(result.projectId, slices);
    if (leftOver.length > 0)
      throw new MaestroError(
        'internal',
        `project '${result.name}' (${result.projectId}) was deleted, but these session folders could not be removed: ${leftOver.join(', ')}; remove them by hand`,
      );
    return result;
  }
}
