import { rmSync } from 'node:fs';
import { MaestroError, invalid } from './errors.js';
import type { SessionStatus } from './schemas.js';
import type { CoreContext } from './service-context.js';
import { FINISHED_STATUSES } from './sessions.js';
import type { Project, ProjectDeleteResult } from './types.js';

/** Project-wide work beyond the project table: which project a call is about, and deleting one with all it holds. */
export class ProjectAdmin {
  constructor(private readonly core: Pick<CoreContext, 'store' | 'paths' | 'projects' | 'launcher'>) {}

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
   * that agent would go on working for a project that no longer exists. Deleting the project row takes
   * its tasks (with their dependencies) and its sessions (with their task links, timelines and queues)
   * along, by the schema's ON DELETE CASCADE. After the commit each session's folder goes too (manifest,
   * MCP config, terminal recording), once any agent still lingering in its terminal is stopped (a session
   * that reported itself complete may still sit at its prompt).
   */
  async deleteProject(ref: string): Promise<ProjectDeleteResult> {
    const { store, projects, paths } = this.core;
    const { result, sessionIds } = store.tx(() => {
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
      store.prepare('DELETE FROM projects WHERE id = ?').run(project.id);
      store.emit({ type: 'project.deleted', projectId: project.id });
      return {
        result: { projectId: project.id, name: project.name, deletedTasks, deletedSessions: sessions.length },
        sessionIds: sessions.map((x) => x.id),
      };
    });
    const leftOver: string[] = [];
    for (const id of sessionIds) {
      const launcher = this.core.launcher;
      // best effort: the project is gone already, an agent that will not stop must not keep its folder
      if (launcher) await launcher.stop(id).catch(() => undefined);
      const dir = paths.session(id);
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch (err) {
        leftOver.push(`${dir} (${err instanceof Error ? err.message : String(err)})`);
      }
    }
    if (leftOver.length > 0)
      throw new MaestroError(
        'internal',
        `project '${result.name}' (${result.projectId}) was deleted, but these session folders could not be removed: ${leftOver.join(', ')}; remove them by hand`,
      );
    return result;
  }
}
