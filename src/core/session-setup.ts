import { writePrivateFileAsync } from '../security/permissions.js';
import { buildManifest } from './manifest.js';
import type { CoreContext } from './service-context.js';
import type { Manifest, Session } from './types.js';

/** What a session's agent starts with: its `MAESTRO_*` environment and its manifest file. */
export class SessionSetup {
  constructor(private readonly core: Pick<CoreContext, 'paths' | 'apiUrl' | 'projects' | 'tasks' | 'sessions' | 'skills'>) {}

  /** The `MAESTRO_*` environment an agent of this session runs with. */
  sessionEnv(sessionId: string): Record<string, string> {
    return this.envOf(this.core.sessions.get(sessionId));
  }

  private envOf(session: Session): Record<string, string> {
    const { sessions, paths, apiUrl } = this.core;
    return {
      ...session.env,
      MAESTRO_HOME: paths.home,
      MAESTRO_API_URL: apiUrl,
      ...portOf(apiUrl),
      MAESTRO_PROJECT_ID: session.projectId,
      MAESTRO_SESSION_ID: session.id,
      MAESTRO_SESSION_TOKEN: sessions.token(session.id),
      MAESTRO_TASK_IDS: session.taskIds.join(','),
      MAESTRO_ROLE: session.role,
      MAESTRO_STRATEGY: session.strategy,
      MAESTRO_MANIFEST_PATH: paths.manifest(session.id),
    };
  }

  /** The manifest of `session` (read by id unless the caller has just read it). */
  manifest(sessionId: string, session = this.core.sessions.get(sessionId)): Manifest {
    const { projects, skills, tasks, apiUrl } = this.core;
    const project = projects.get(session.projectId);
    const all = skills.list(project.workingDir);
    const env = this.envOf(session);
    delete env.MAESTRO_SESSION_TOKEN; // the manifest is for reading; the secret travels in the environment only
    return buildManifest({
      session,
      project,
      tasks: tasks.list({ ids: session.taskIds }),
      skills: session.skills.length > 0 ? all.filter((s) => session.skills.includes(s.name)) : all,
      apiUrl,
      env,
    });
  }

  /** Builds the manifest now (from the state as it is) and writes it off the event loop (spawns at c=64 wait on the disk in parallel). */
  async writeManifest(sessionId: string, session?: Session): Promise<{ manifestPath: string; manifest: Manifest }> {
    const manifest = this.manifest(sessionId, session);
    const manifestPath = this.core.paths.manifest(sessionId);
    await writePrivateFileAsync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    return { manifestPath, manifest };
  }
}

/** `MAESTRO_PORT`, when the API URL names a port. */
function portOf(apiUrl: string): { MAESTRO_PORT?: string } {
  let port = '';
  try {
    port = new URL(apiUrl).port;
  } catch {
    // not a URL: no port to tell
  }
  return port ? { MAESTRO_PORT: port } : {};
}
