import { mkdirSync } from 'node:fs';
import { ensurePrivateDir, writePrivateFile } from '../security/permissions.js';
import { openDatabase, type Db } from './db.js';
import { MaestroError, invalid } from './errors.js';
import { EventBus } from './events.js';
import { buildManifest } from './manifest.js';
import { homePaths, type HomePaths } from './paths.js';
import { ProjectRepo } from './projects.js';
import { QueueRepo } from './queue.js';
import type { ReportKind, SessionRole, SessionStatus, SessionStrategy, TaskStatus } from './schemas.js';
import { FINISHED_STATUSES, SessionRepo, type SessionFilter } from './sessions.js';
import { SkillLibrary } from './skills.js';
import { Store } from './store.js';
import { TaskRepo } from './tasks.js';
import { TemplateRepo } from './templates.js';
import type { Manifest, Project, Session, SessionInfo, SessionSummary, SpawnResult, Task, TimelineEvent } from './types.js';

export interface ServiceConfig {
  /** `$MAESTRO_HOME` */
  home: string;
  /** Base URL agents use to reach this server, e.g. http://127.0.0.1:3000 */
  apiUrl: string;
  /** Overrides `$MAESTRO_HOME/data/maestro.db` */
  dbFile?: string;
  /** See DatabaseOptions: the server waits briefly for another process's lock, then answers 503. */
  busyTimeoutMs?: number;
}

/** What it takes to start an agent for a session; implemented by the PTY supervisor. */
export interface SessionLauncher {
  launch(session: Session, ctx: { manifestPath: string; env: Record<string, string> }): Promise<void>;
  stop(sessionId: string): Promise<void>;
}

export interface SpawnRequest {
  projectId: string;
  taskIds: string[];
  role?: SessionRole;
  strategy?: SessionStrategy;
  name?: string;
  template?: string;
  skills?: string[];
  agentCommand?: string;
  env?: Record<string, string>;
  parentSessionId?: string | null;
}

export type { SessionInfo, SpawnResult };

const TASK_STATUS_FOR_REPORT: Partial<Record<ReportKind, TaskStatus>> = {
  progress: 'in_progress',
  complete: 'done',
  blocked: 'blocked',
  needs_input: 'needs_input',
};
const SESSION_STATUS_FOR_REPORT: Partial<Record<ReportKind, SessionStatus>> = {
  progress: 'running',
  blocked: 'blocked',
  needs_input: 'needs_input',
};

/** The one service layer: every facade (MCP, HTTP, CLI via HTTP) goes through this object. */
export class MaestroService {
  readonly bus = new EventBus();
  readonly store: Store;
  readonly paths: HomePaths;
  readonly projects: ProjectRepo;
  readonly tasks: TaskRepo;
  readonly sessions: SessionRepo;
  readonly queue: QueueRepo;
  readonly templates: TemplateRepo;
  readonly skills: SkillLibrary;
  launcher: SessionLauncher | null = null;
  apiUrl: string;

  constructor(
    readonly db: Db,
    config: ServiceConfig,
  ) {
    this.paths = homePaths(config.home);
    this.apiUrl = config.apiUrl;
    this.store = new Store(db, this.bus);
    this.projects = new ProjectRepo(this.store);
    this.tasks = new TaskRepo(this.store);
    this.sessions = new SessionRepo(this.store);
    this.queue = new QueueRepo(this.store, this.tasks, this.sessions);
    this.templates = new TemplateRepo(this.store);
    this.skills = new SkillLibrary(this.paths.skills);
  }

  static open(config: ServiceConfig): MaestroService {
    const paths = homePaths(config.home);
    ensurePrivateDir(paths.home);
    mkdirSync(paths.skills, { recursive: true });
    ensurePrivateDir(paths.sessions);
    return new MaestroService(openDatabase(config.dbFile ?? paths.db, { busyTimeoutMs: config.busyTimeoutMs }), config);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ---- sessions ---------------------------------------------------------------------------------------

  /** Records the session, hands it its tasks, writes its manifest, then asks the launcher (if any) to start it. */
  async spawn(req: SpawnRequest): Promise<SpawnResult> {
    const template = req.template ? this.templates.resolve(req.template) : undefined;
    const role = req.role ?? template?.role ?? 'worker';
    const strategy = req.strategy ?? template?.strategy ?? 'simple';
    const skills = req.skills ?? template?.skills ?? [];
    const agentCommand = req.agentCommand ?? template?.agentCommand ?? null;
    const project = this.projects.get(req.projectId);
    for (const name of skills) this.skills.get(name, project.workingDir);

    const { session } = this.store.tx(() => {
      for (const taskId of req.taskIds) {
        const task = this.tasks.get(taskId, 'taskIds');
        if (task.projectId !== project.id) throw invalid(`task '${taskId}' belongs to another project`, 'taskIds');
      }
      const created = this.sessions.create({
        projectId: project.id,
        name: req.name,
        role,
        strategy,
        taskIds: [...new Set(req.taskIds)],
        env: req.env ?? {},
        parentSessionId: req.parentSessionId ?? null,
        templateId: template?.id ?? null,
        agentCommand,
        skills,
      });
      const sid = created.session.id;
      if (strategy === 'queue') this.queue.add(sid, req.taskIds);
      else
        for (const taskId of req.taskIds) {
          // take over tasks nobody holds, or whose holder has ended (failed, stopped, completed)
          const holder = this.tasks.get(taskId).assignee;
          if (holder === null || FINISHED_STATUSES.includes(this.sessions.get(holder).status))
            this.tasks.update(taskId, { assignee: sid });
        }
      this.sessions.appendTimeline(
        sid,
        'spawned',
        `spawned as ${role} (${strategy}) with ${req.taskIds.length} task(s)`,
        null,
        { role, strategy, taskIds: req.taskIds, parentSessionId: req.parentSessionId ?? null },
      );
      return created;
    });
    const { manifestPath } = this.writeManifest(session.id);
    if (this.launcher) {
      try {
        await this.launcher.launch(this.sessions.get(session.id), { manifestPath, env: this.sessionEnv(session.id) });
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        this.store.tx(() => {
          this.sessions.setStatus(session.id, 'failed', { message: `failed to start agent: ${reason}` });
          // a session that never ran holds nothing: its tasks go back to whoever comes next
          for (const task of this.tasks.list({ assignee: session.id }))
            if (task.assignee === session.id) this.tasks.update(task.id, { assignee: null });
        });
        throw new MaestroError('spawn_failed', `session ${session.id} failed to start: ${reason}`, 'agentCommand');
      }
    }
    return { session: this.sessions.get(session.id), manifestPath };
  }

  async stopSession(sessionId: string): Promise<Session> {
    const session = this.sessions.get(sessionId);
    if (this.launcher) await this.launcher.stop(sessionId);
    if (FINISHED_STATUSES.includes(session.status)) return this.sessions.get(sessionId);
    return this.sessions.setStatus(sessionId, 'stopped', { message: 'stopped on request' });
  }

  /** The `MAESTRO_*` environment an agent of this session runs with. */
  sessionEnv(sessionId: string): Record<string, string> {
    const session = this.sessions.get(sessionId);
    const port = (() => {
      try {
        return new URL(this.apiUrl).port;
      } catch {
        return '';
      }
    })();
    return {
      ...session.env,
      MAESTRO_HOME: this.paths.home,
      MAESTRO_API_URL: this.apiUrl,
      ...(port ? { MAESTRO_PORT: port } : {}),
      MAESTRO_PROJECT_ID: session.projectId,
      MAESTRO_SESSION_ID: session.id,
      MAESTRO_SESSION_TOKEN: this.sessions.token(session.id),
      MAESTRO_TASK_IDS: session.taskIds.join(','),
      MAESTRO_ROLE: session.role,
      MAESTRO_STRATEGY: session.strategy,
      MAESTRO_MANIFEST_PATH: this.paths.manifest(session.id),
    };
  }

  manifest(sessionId: string): Manifest {
    const session = this.sessions.get(sessionId);
    const project = this.projects.get(session.projectId);
    const all = this.skills.list(project.workingDir);
    const env = this.sessionEnv(sessionId);
    delete env.MAESTRO_SESSION_TOKEN; // the manifest is for reading; the secret travels in the environment only
    return buildManifest({
      session,
      project,
      tasks: this.tasks.list({ ids: session.taskIds }),
      skills: session.skills.length > 0 ? all.filter((s) => session.skills.includes(s.name)) : all,
      apiUrl: this.apiUrl,
      env,
    });
  }

  writeManifest(sessionId: string): { manifestPath: string; manifest: Manifest } {
    const manifest = this.manifest(sessionId);
    const manifestPath = this.paths.manifest(sessionId);
    writePrivateFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    return { manifestPath, manifest };
  }

  listSessions(filter: SessionFilter): SessionSummary[] {
    return this.sessions.list(filter).map((session) => ({
      ...session,
      lastReport: this.sessions.lastReport(session.id) ?? null,
      currentTaskId: this.currentTask(session.id)?.id ?? null,
      queue: session.strategy === 'queue' ? this.queue.status(session.id).counts : null,
    }));
  }

  sessionInfo(sessionId: string, timelineLimit = 200): SessionInfo {
    const session = this.sessions.get(sessionId);
    return {
      session,
      project: this.projects.get(session.projectId),
      tasks: this.tasks.list({ assignee: sessionId }),
      timeline: this.sessions.timeline(sessionId, { limit: timelineLimit }),
      children: this.sessions.list({ parentSessionId: sessionId }),
      queue: session.strategy === 'queue' ? this.queue.list(sessionId) : null,
      lastReport: this.sessions.lastReport(sessionId) ?? null,
    };
  }

  // ---- reports ----------------------------------------------------------------------------------------

  /**
   * The task a report without an explicit task id is about. In a queue session that is the current queue item
   * (the one queue_start handed out) or nothing: such a report must never start, block or finish a queued item
   * behind the queue's back (see the queue rule in queue.ts). An item whose task was finished or cancelled
   * elsewhere is no longer anyone's current work either.
   */
  currentTask(sessionId: string): Task | null {
    const session = this.sessions.get(sessionId);
    if (session.strategy === 'queue') {
      const item = this.queue.current(sessionId);
      return item && item.taskStatus !== 'done' && item.taskStatus !== 'cancelled' ? this.tasks.get(item.taskId) : null;
    }
    return this.tasks.currentFor(sessionId);
  }

  report(sessionId: string, kind: ReportKind, message: string, taskId?: string): { event: TimelineEvent; task: Task | null; session: Session } {
    return this.store.tx(() => {
      const session = this.sessions.get(sessionId);
      const task = taskId !== undefined ? this.tasks.get(taskId) : this.currentTask(sessionId);
      // Finishing someone else's task (an orchestrator closing a subtask) says nothing of this session's own work.
      const ownWork = task === null || this.tasks.isAssignedTo(task.id, sessionId);
      let updatedTask = task;
      const taskStatus = TASK_STATUS_FOR_REPORT[kind];
      if (task && taskStatus && task.status !== taskStatus && !(kind === 'progress' && task.status === 'done')) {
        updatedTask = this.tasks.update(task.id, {
          status: taskStatus,
          ...(task.assignee === null ? { assignee: sessionId } : {}),
        });
        if (kind === 'complete') {
          this.queue.finishItem(sessionId, task.id);
          this.queue.announce(sessionId);
        }
      }
      const event = this.sessions.appendTimeline(sessionId, kind, message, task?.id ?? null);
      if (!(['failed', 'stopped'] as SessionStatus[]).includes(session.status)) {
        const next =
          kind === 'complete'
            ? ownWork
              ? this.hasOpenWork(sessionId)
                ? 'running'
                : 'completed'
              : undefined
            : SESSION_STATUS_FOR_REPORT[kind];
        if (next) this.sessions.setStatus(sessionId, next, { message: `${kind} report: status ${session.status} -> ${next}` });
      }
      return { event, task: updatedTask, session: this.sessions.get(sessionId) };
    });
  }

  private hasOpenWork(sessionId: string): boolean {
    if (this.tasks.currentFor(sessionId)) return true;
    const session = this.sessions.get(sessionId);
    return session.strategy === 'queue' && this.queue.status(sessionId).counts.queued > 0;
  }

  // ---- overview -----------------------------------------------------------------------------------------

  status(projectId?: string) {
    const tasks = this.tasks.list(projectId ? { projectId } : {});
    const sessions = this.sessions.list(projectId ? { projectId } : {});
    const count = <T extends string>(values: T[]) =>
      values.reduce<Record<string, number>>((acc, v) => ((acc[v] = (acc[v] ?? 0) + 1), acc), {});
    return {
      projects: projectId ? 1 : this.projects.list().length,
      tasks: { total: tasks.length, ready: tasks.filter((t) => t.ready).length, byStatus: count(tasks.map((t) => t.status)) },
      sessions: {
        total: sessions.length,
        active: sessions.filter((s) => !FINISHED_STATUSES.includes(s.status)).length,
        byStatus: count(sessions.map((s) => s.status)),
      },
    };
  }

  resolveProject(ref: string | undefined, fallback: string | undefined, field = 'project'): Project {
    if (ref !== undefined) return this.projects.resolve(ref, field);
    if (fallback !== undefined) return this.projects.get(fallback);
    const all = this.projects.list();
    if (all.length === 1) return all[0]!;
    throw invalid(all.length === 0 ? 'no project exists yet; create one first' : 'project is required (there is more than one)', field);
  }
}

