import { mkdirSync } from 'node:fs';
import { ensurePrivateDir } from '../security/permissions.js';
import { openDatabase, type Db } from './db.js';
import { EventBus } from './events.js';
import { MergeQueueRepo } from './merge-queue.js';
import { MergeQueueRunner } from './merge-queue-runner.js';
import { Overview } from './overview.js';
import { homePaths, type HomePaths } from './paths.js';
import { PriceBook } from './prices.js';
import { ProjectAdmin } from './project-admin.js';
import { ProjectRemoval } from './project-removal.js';
import type { Slices } from './slices.js';
import { ProjectRepo } from './projects.js';
import { QueueRepo } from './queue.js';
import { Reports } from './reports.js';
import type { ReportKind } from './schemas.js';
import type { CoreContext, SessionLauncher } from './service-context.js';
import { SessionControl, type SpawnRequest } from './session-control.js';
import { SessionSetup } from './session-setup.js';
import { SessionTranscripts } from './session-transcripts.js';
import { SessionRepo, type SessionFilter } from './sessions.js';
import { SkillLibrary } from './skills.js';
import { Store } from './store.js';
import { TaskRepo } from './tasks.js';
import { TaskImporter } from './task-import.js';
import { TemplateRepo } from './templates.js';
import type { ReadTranscriptOptions } from './transcript.js';
import { WorktreeMerge } from './worktree-merge.js';
import { WorktreeReview } from './worktree-review.js';
import { Dispatcher } from './dispatcher.js';
import { LeaseRepo } from './leases.js';
import { MessageCenter } from './messages-center.js';
import { WebhookRepo, type Notifier } from './webhooks.js';
import type {
  Manifest,
  MessageDelivery,
  Project,
  ProjectDeleteResult,
  Session,
  SessionInfo,
  SessionLogs,
  SessionSummary,
  SessionUsage,
  SpawnResult,
  StatusResult,
  Task,
  TimelineEvent,
} from './types.js';

export type { SessionInfo, SpawnResult };
export type { SessionLauncher, SpawnRequest };

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

/**
 * The one service layer: every facade (MCP, HTTP, CLI via HTTP) goes through this object. It composes the
 * stores (the repos below, on one database and one event bus) and delegates the rest to parts with one job
 * each, which share the stores through CoreContext (service-context.ts):
 *
 * - reports.ts: reports and the task a report is about; report-transitions.ts: their state machine, as a table
 * - session-control.ts: spawn, steer (send) and stop sessions' agents, through the launcher
 * - session-setup.ts: a session's `MAESTRO_*` environment and manifest
 * - session-transcripts.ts: agents' transcripts, their conversation and usage
 * - overview.ts: session lists and details, the status counts
 * - project-admin.ts: resolving and deleting projects; project-removal.ts: removing their rows in slices
 * - worktree-spawn.ts, worktree-review.ts, worktree-merge.ts, merge-queue*.ts: sessions' git worktrees, their
 *   changes, merges and the merge queue
 */
export class MaestroService implements CoreContext {
  readonly bus = new EventBus();
  readonly store: Store;
  readonly paths: HomePaths;
  readonly projects: ProjectRepo;
  readonly tasks: TaskRepo;
  /** Bulk task import (task-import.ts): one transaction, idempotent by key. */
  readonly importer: TaskImporter;
  readonly sessions: SessionRepo;
  readonly queue: QueueRepo;
  readonly templates: TemplateRepo;
  readonly skills: SkillLibrary;
  /** Token prices: the built-in table with `$MAESTRO_HOME/prices.json` over it. */
  readonly prices: PriceBook;
  /** Sessions' worktrees: where they are, their changes and files (worktree-review.ts). */
  readonly worktrees: WorktreeReview;
  /** Merging a session's branch and cleaning up its worktree (worktree-merge.ts). */
  readonly merges: WorktreeMerge;
  readonly mergeQueue: MergeQueueRepo;
  /** Works off the merge queues (merge-queue-runner.ts); the server resumes it at start. */
  readonly mergeQueueRunner: MergeQueueRunner;
  /** Auto-dispatch (dispatcher.ts): keeps up to N workers busy on ready tasks; the server resumes it at start. */
  readonly dispatcher: Dispatcher;
  /** File leases (leases.ts): who holds which paths; ends them with their sessions. */
  readonly leases: LeaseRepo;
  /** Messages between sessions and the user, and their push to agents (messages-center.ts). */
  readonly messages: MessageCenter;
  /** Webhooks and their deliveries (webhooks.ts); src/notify/ sends them. */
  readonly webhooks: WebhookRepo;
  /** The webhook sender, set by the server (src/notify/); notify_test makes a one-off one without it. */
  notifier: Notifier | null = null;
  /** The supervisor, set by the server when it runs agents (the parts read it at each call). */
  launcher: SessionLauncher | null = null;
  /** Set by the server once it listens (the parts read it at each call). */
  apiUrl: string;

  private readonly reports: Reports;
  private readonly setup: SessionSetup;
  private readonly control: SessionControl;
  private readonly transcripts: SessionTranscripts;
  private readonly overview: Overview;
  private readonly projectAdmin: ProjectAdmin;
  private readonly projectRemoval: ProjectRemoval;

  constructor(
    readonly db: Db,
    config: ServiceConfig,
  ) {
    this.paths = homePaths(config.home);
    this.apiUrl = config.apiUrl;
    this.store = new Store(db, this.bus);
    this.projects = new ProjectRepo(this.store);
    this.tasks = new TaskRepo(this.store);
    this.importer = new TaskImporter(this.store, this.tasks);
    this.sessions = new SessionRepo(this.store);
    this.queue = new QueueRepo(this.store, this.tasks, this.sessions);
    this.templates = new TemplateRepo(this.store);
    this.skills = new SkillLibrary(this.paths.skills);
    this.prices = new PriceBook(this.paths.prices);
    this.worktrees = new WorktreeReview(this);
    this.merges = new WorktreeMerge(this);
    this.mergeQueue = new MergeQueueRepo(this.store);
    this.mergeQueueRunner = new MergeQueueRunner(this, this.mergeQueue, this.merges);
    this.dispatcher = new Dispatcher(this, (req) => this.spawn(req));
    this.leases = new LeaseRepo(this.store, this.bus);
    this.messages = new MessageCenter(this);
    this.webhooks = new WebhookRepo(this.store);

    this.reports = new Reports(this);
    this.setup = new SessionSetup(this);
    this.control = new SessionControl(this, this.setup);
    this.transcripts = new SessionTranscripts(this);
    this.overview = new Overview(this, this.reports, this.transcripts);
    this.projectRemoval = new ProjectRemoval(this);
    this.projectAdmin = new ProjectAdmin(this, this.projectRemoval);
  }

  static open(config: ServiceConfig): MaestroService {
    const paths = homePaths(config.home);
    ensurePrivateDir(paths.home);
    mkdirSync(paths.skills, { recursive: true });
    ensurePrivateDir(paths.sessions);
    return new MaestroService(openDatabase(config.dbFile ?? paths.db, { busyTimeoutMs: config.busyTimeoutMs }), config);
  }

  close(): void {
    void this.dispatcher.close();
    this.projectRemoval.close();
    if (this.db.open) {
      this.store.flush();
      this.db.close();
    }
  }

  // ---- projects (project-admin.ts) ---------------------------------------------------------------------

  /** Deletes a project with everything in it, in slices; refused while any of its sessions is live. */
  deleteProject(ref: string, slices?: Slices): Promise<ProjectDeleteResult> {
    return this.projectAdmin.deleteProject(ref, slices);
  }

  /**
   * After a restart: finishes deleting the projects a stopped server left half deleted (gone for every
   * caller already). Session folders that would not go are handed to `onLeftOver`.
   */
  resumeProjectRemovals(onLeftOver: (projectId: string, leftOver: string[]) => void): Promise<void> {
    return this.projectRemoval.resume(onLeftOver);
  }

  /** The project named by `ref`, else `fallback`, else the only one there is. */
  resolveProject(ref: string | undefined, fallback: string | undefined, field = 'project'): Project {
    return this.projectAdmin.resolveProject(ref, fallback, field);
  }

  // ---- sessions (session-control.ts, session-setup.ts) -------------------------------------------------

  /** Records the session, hands it its tasks, writes its manifest, then asks the launcher (if any) to start it. */
  spawn(req: SpawnRequest): Promise<SpawnResult> {
    return this.control.spawn(req);
  }

  /** A message for a running agent (steering): typed between its turns and confirmed by its hook. */
  sendToSession(sessionId: string, text: string, waitMs: number, from: string): Promise<MessageDelivery> {
    return this.control.sendToSession(sessionId, text, waitMs, from);
  }

  stopSession(sessionId: string): Promise<Session> {
    return this.control.stopSession(sessionId);
  }

  /** The `MAESTRO_*` environment an agent of this session runs with. */
  sessionEnv(sessionId: string): Record<string, string> {
    return this.setup.sessionEnv(sessionId);
  }

  manifest(sessionId: string): Manifest {
    return this.setup.manifest(sessionId);
  }

  writeManifest(sessionId: string): Promise<{ manifestPath: string; manifest: Manifest }> {
    return this.setup.writeManifest(sessionId);
  }

  // ---- overview (overview.ts) ----------------------------------------------------------------------------

  listSessions(filter: SessionFilter, slices?: Slices): Promise<SessionSummary[]> {
    return this.overview.listSessions(filter, slices);
  }

  sessionInfo(sessionId: string, timelineLimit = 200): Promise<SessionInfo> {
    return this.overview.sessionInfo(sessionId, timelineLimit);
  }

  status(projectId?: string): Promise<StatusResult> {
    return this.overview.status(projectId);
  }

  // ---- transcripts (session-transcripts.ts) -------------------------------------------------------------

  /** The agent's transcript file (an absolute `.jsonl` path its hooks announced), or null. */
  transcriptOf(session: Session): string | null {
    return this.transcripts.transcriptOf(session);
  }

  /** Tokens and cost of a session's agent, from its transcript; null while it has none. */
  sessionUsage(session: Session): Promise<SessionUsage | null> {
    return this.transcripts.sessionUsage(session);
  }

  /** The conversation of a session's agent (GET /api/sessions/:sessionId/logs). */
  sessionLogs(sessionId: string, opts: ReadTranscriptOptions = {}): Promise<SessionLogs> {
    return this.transcripts.sessionLogs(sessionId, opts);
  }

  // ---- reports (reports.ts, report-transitions.ts) --------------------------------------------------------

  /** The task a report without an explicit task id is about (in a queue session: the current item, or none). */
  currentTask(sessionId: string): Task | null {
    return this.reports.currentTask(sessionId);
  }

  /** Records a report and moves its task and the session as REPORT_TRANSITIONS says. */
  report(sessionId: string, kind: ReportKind, message: string, taskId?: string): { event: TimelineEvent; task: Task | null; session: Session } {
    return this.reports.report(sessionId, kind, message, taskId);
  }

  /** Whether the session still has work: a task of its own not finished, or queued items. */
  hasOpenWork(sessionId: string): boolean {
    return this.reports.hasOpenWork(sessionId);
  }
}
