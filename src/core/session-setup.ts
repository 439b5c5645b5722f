import { writePrivateFileAsync } from '../security/permissions.js';
import { buildManifest } from './manifest.js';
import type { CoreContext } from './service-context.js';
import type { Manifest, Project, Session } from './types.js';

/** What a session's agent starts with: its `MAESTRO_*` environment and its manifest file. */
export class SessionSetup {
  constructor(private readonly core: Pick<CoreContext, 'paths' | 'apiUrl' | 'projects' | 'tasks' | 'sessions' | 'skills'>) {}

  /** The `MAESTRO_*` environment an agent of this session runs with. */
  sessionEnv(sessionId: string): Record<string, string> {
    const session = this.core.sessions.get(sessionId);
    return { ...this.envOf(session), MAESTRO_SESSION_TOKEN: this.core.sessions.token(session.id) };
  }

  /** The environment without its secret, MAESTRO_SESSION_TOKEN (it goes where the manifest has it). */
  private envOf(session: Session): Record<string, string> {
    const { paths, apiUrl } = this.core;
    return {
      ...session.env,
      MAESTRO_HOME: paths.home,
      MAESTRO_API_URL: apiUrl,
      ...portOf(apiUrl),
      MAESTRO_PROJECT_ID: session.projectId,
      MAESTRO_SESSION_ID: session.id,
      MAESTRO_TASK_IDS: session.taskIds.join(','),
      MAESTRO_ROLE: session.role,
      MAESTRO_STRATEGY: session.strategy,
      MAESTRO_MANIFEST_PATH: paths.manifest(session.id),
    };
  }

  /**
   * The manifest of `session` (read by id unless the caller has just read it, with its project). It has the
   * environment but not the secret: the manifest is for reading, the token travels in the environment only.
   */
  manifest(sessionId: string, session = this.core.sessions.get(sessionId), project?: Project): Manifest {
    const { projects, skills, tasks, apiUrl } = this.core;
    if (project?.id !== session.projectId) project = projects.get(session.projectId);
    const all = skills.list(project.workingDir);
    const env = this.envOf(session);
    delete env.MAESTRO_SESSION_TOKEN; // one the session's own env may have set: the secret is not for reading either
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
  async writeManifest(sessionId: string, session?: Session, project?: Project): Promise<{ manifestPath: string; manifest: Manifest }> {
    const manifest = this.manifest(sessionId, session, project);
    const manifestPath = this.core.paths.manifest(sessionId);
    await writePrivateFileAsync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    return { manifestPath, manifest };
  }
}

/** `MAESTRO_PORT`, when the API URL names a port (parsed once per URL: every spawn asks). */
function portOf(apiUrl: string): { MAESTRO_PORT?: string } {
  if (apiUrl !== lastPort.apiUrl) {
    let port = '';
    try {
      port = new URL(apiUrl).port;
    } catch {
      // not a URL: no port to tell
    }
    lastPort = { apiUrl, port: port ? { MAESTRO_PORT: port } : {} };
  }
  return lastPort.port;
}
let lastPort: { apiUrl: string | undefined; port: { MAESTRO_PORT?: string } } = { apiUrl: undefined, port: {} };
