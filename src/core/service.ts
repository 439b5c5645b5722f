import { mkdirSync, rmSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { ensurePrivateDir, writePrivateFile } from '../security/permissions.js';
import type { AgentKind } from './constants.js';
import { openDatabase, type Db } from './db.js';
import { MaestroError, invalid } from './errors.js';
import { EventBus } from './events.js';
import { buildManifest } from './manifest.js';
import { homePaths, type HomePaths } from './paths.js';
import { PriceBook } from './prices.js';
import { ProjectRepo } from './projects.js';
import { QueueRepo } from './queue.js';
import type { ReportKind, SessionRole, SessionStatus, SessionStrategy, TaskStatus } from './schemas.js';
import { FINISHED_STATUSES, SessionRepo, type SessionFilter } from './sessions.js';
import { SkillLibrary } from './skills.js';
import { Store } from './store.js';
import { TaskRepo } from './tasks.js';
import { TemplateRepo } from './templates.js';
import { addCounts, emptyCounts, readTranscript, transcriptUsage, type ReadTranscriptOptions } from './transcript.js';
import type {
  Manifest,
  MessageDelivery,
  Project,
  ProjectDeleteResult,
  Session,
  ProjectUsage,
  SessionInfo,
  SessionLogs,
  SessionSummary,
  SessionUsage,
  StatusResult,
  SpawnResult,
  Task,
  TimelineEvent,
} from './types.js';

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
const DELIVERY_WORDS: Record<MessageDelivery['delivery'], string> = {
  confirmed: 'delivered (confirmed by its hook)',
  typed: 'typed in (no hooks to confirm it)',
  queued: 'queued until its turn ends',
  unconfirmed: 'typed in, not confirmed',
};

export interface SessionLauncher {
  launch(session: Session, ctx: { manifestPath: string; env: Record<string, string> }): Promise<void>;
  stop(sessionId: string): Promise<void>;
  /** Delivers a message to the agent as its next prompt; resolves once delivery is known (or after waitMs). */
  send?(sessionId: string, text: string, waitMs: number): Promise<MessageDelivery>;
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
  /** The agent CLI (its program by default, its launch arguments and screen reading). */
  agent?: AgentKind;
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
  /** Token prices: the built-in table with `$MAESTRO_HOME/prices.json` over it. */
  readonly prices: PriceBook;
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
    this.prices = new PriceBook(this.paths.prices);
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

  // ---- projects ---------------------------------------------------------------------------------------

  /**
   * Deletes a project (by id or name) with everything in it. Refused while any of its sessions is live:
   * that agent would go on working for a project that no longer exists. Deleting the project row takes
   * its tasks (with their dependencies) and its sessions (with their task links, timelines and queues)
   * along, by the schema's ON DELETE CASCADE. After the commit each session's folder goes too (manifest,
   * MCP config, terminal recording), once any agent still lingering in its terminal is stopped (a session
   * that reported itself complete may still sit at its prompt).
   */
  async deleteProject(ref: string): Promise<ProjectDeleteResult> {
    const { result, sessionIds } = this.store.tx(() => {
      const project = this.projects.resolve(ref);
      const sessions = this.store
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
      const { n: deletedTasks } = this.store.prepare('SELECT COUNT(*) AS n FROM tasks WHERE project_id = ?').get(project.id) as {
        n: number;
      };
      this.store.prepare('DELETE FROM projects WHERE id = ?').run(project.id);
      this.store.emit({ type: 'project.deleted', projectId: project.id });
      return {
        result: { projectId: project.id, name: project.name, deletedTasks, deletedSessions: sessions.length },
        sessionIds: sessions.map((x) => x.id),
      };
    });
    const leftOver: string[] = [];
    for (const id of sessionIds) {
      if (this.launcher) await this.launcher.stop(id).catch(() => undefined);
      const dir = this.paths.session(id);
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

  // ---- sessions ---------------------------------------------------------------------------------------

  /** Records the session, hands it its tasks, writes its manifest, then asks the launcher (if any) to start it. */
  async spawn(req: SpawnRequest): Promise<SpawnResult> {
    const template = req.template ? this.templates.resolve(req.template) : undefined;
    const role = req.role ?? template?.role ?? 'worker';
    const strategy = req.strategy ?? template?.strategy ?? 'simple';
    const skills = req.skills ?? template?.skills ?? [];
    const agentCommand = req.agentCommand ?? template?.agentCommand ?? null;
    // A command given here says which program runs; the template's kind goes with the template's command.
    const agentKind = req.agent ?? (req.agentCommand === undefined ? template?.agentKind : null) ?? null;
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
        agentKind,
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

  /** A message for a running agent (steering): typed between its turns and confirmed by its hook. */
  async sendToSession(sessionId: string, text: string, waitMs: number, from: string): Promise<MessageDelivery> {
    // Not by status: an agent that reported completion may still sit at its prompt, and take more work.
    this.sessions.assertExists(sessionId);
    if (!this.launcher?.send) throw new MaestroError('conflict', 'this server runs no agents (no supervisor): nothing to send to', 'sessionId');
    const result = await this.launcher.send(sessionId, text, waitMs);
    const shown = text.length > 200 ? `${text.slice(0, 199)}…` : text;
    this.sessions.appendTimeline(sessionId, 'agent_state', `message from ${from} ${DELIVERY_WORDS[result.delivery]}: ${shown}`, null, {
      message: true,
      from,
      delivery: result.delivery,
    });
    return result;
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

  async sessionInfo(sessionId: string, timelineLimit = 200): Promise<SessionInfo> {
    const session = this.sessions.get(sessionId);
    const info = {
      session,
      project: this.projects.get(session.projectId),
      tasks: this.tasks.list({ assignee: sessionId }),
      timeline: this.sessions.timeline(sessionId, { limit: timelineLimit }),
      children: this.sessions.list({ parentSessionId: sessionId }),
      queue: session.strategy === 'queue' ? this.queue.list(sessionId) : null,
      lastReport: this.sessions.lastReport(sessionId) ?? null,
    };
    return { ...info, usage: await this.sessionUsage(session) };
  }

  // ---- transcripts ------------------------------------------------------------------------------------

  /**
   * The agent's transcript, as its hooks announced it: an absolute path to a `.jsonl` file (anything else
   * is not a Claude Code transcript and is not read). Null when there is none (yet).
   */
  transcriptOf(session: Session): string | null {
    const path = session.transcriptPath;
    return path && isAbsolute(path) && path.endsWith('.jsonl') ? path : null;
  }

  /**
   * Tokens and cost of a session's agent, from its transcript (cached by file size and mtime); null while
   * it has none. Every token is attributed to the session's task only when it has exactly one: with more
   * (worked at once) or a queue, the transcript does not say which task a message was for.
   */
  async sessionUsage(session: Session): Promise<SessionUsage | null> {
    const path = this.transcriptOf(session);
    if (!path) return null;
    try {
      const usage = await transcriptUsage(path, { prices: this.prices.get() });
      return { ...usage, transcriptPath: path, taskId: session.taskIds.length === 1 ? session.taskIds[0]! : null };
    } catch {
      return null; // not written yet, or gone
    }
  }

  /** The conversation of a session's agent (GET /api/sessions/:sessionId/logs). */
  async sessionLogs(sessionId: string, opts: ReadTranscriptOptions = {}): Promise<SessionLogs> {
    const session = this.sessions.get(sessionId);
    const path = this.transcriptOf(session);
    const none = (why: string) =>
      new MaestroError('not_found', `session ${session.id} has no transcript yet: ${why}`, 'sessionId');
    if (!path)
      throw none(
        session.transcriptPath
          ? `its agent reported ${JSON.stringify(session.transcriptPath)}, which is not a .jsonl file path`
          : "its agent's hooks have not said where it is (only Claude Code, or an agent that runs its hooks, writes one)",
      );
    let read: { entries: SessionLogs['entries']; total: number };
    try {
      read = await readTranscript(path, opts);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw none(`${path} does not exist (yet)`);
      throw new MaestroError('internal', `cannot read the transcript ${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return { sessionId: session.id, transcriptPath: path, total: read.total, truncated: read.entries.length < read.total, entries: read.entries };
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

  /** Whether the session still has work: a task of its own not finished, or queued items. */
  hasOpenWork(sessionId: string): boolean {
    if (this.tasks.currentFor(sessionId)) return true;
    const session = this.sessions.get(sessionId);
    return session.strategy === 'queue' && this.queue.status(sessionId).counts.queued > 0;
  }

  // ---- overview -----------------------------------------------------------------------------------------

  async status(projectId?: string): Promise<StatusResult> {
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
      usage: await this.usageByProject(sessions),
    };
  }

  /** Tokens and cost per project, summed over its sessions' transcripts (each cached: cheap when nothing changed). */
  private async usageByProject(sessions: Session[]): Promise<StatusResult['usage']> {
    const byProject = new Map<string, ProjectUsage>();
    const total = { ...emptyCounts(), sessions: 0 };
    for (const session of sessions) {
      const usage = await this.sessionUsage(session);
      if (!usage) continue;
      let row = byProject.get(session.projectId);
      if (!row) {
        const project = this.projects.get(session.projectId);
        row = { projectId: project.id, name: project.name, ...emptyCounts(), sessions: 0 };
        byProject.set(project.id, row);
      }
      addCounts(row, usage);
      addCounts(total, usage);
      row.sessions++;
      total.sessions++;
    }
    return { total, byProject: [...byProject.values()] };
  }

  resolveProject(ref: string | undefined, fallback: string | undefined, field = 'project'): Project {
    if (ref !== undefined) return this.projects.resolve(ref, field);
    if (fallback !== undefined) return this.projects.get(fallback);
    const all = this.projects.list();
    if (all.length === 1) return all[0]!;
    throw invalid(all.length === 0 ? 'no project exists yet; create one first' : 'project is required (there is more than one)', field);
  }
}

