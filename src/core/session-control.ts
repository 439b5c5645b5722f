import { removeWorktree } from '../git/worktree.js';
import type { AgentKind } from './constants.js';
import { MaestroError, invalid } from './errors.js';
import type { SessionRole, SessionStrategy } from './schemas.js';
import type { CoreContext } from './service-context.js';
import type { SessionSetup } from './session-setup.js';
import { FINISHED_STATUSES } from './sessions.js';
import type { MessageDelivery, Project, Session, SpawnResult } from './types.js';
import { makeSessionWorktree, projectRepo, wantsWorktree, type ProjectRepository } from './worktree-spawn.js';

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
  /** Its own git worktree (true), the project directory (false); default: the template's, then the project's. */
  worktree?: boolean;
  /** The ref its worktree branch starts from (default: the project's base branch). */
  base?: string;
}

/** How a message's delivery reads on the session's timeline. */
const DELIVERY_WORDS: Record<MessageDelivery['delivery'], string> = {
  confirmed: 'delivered (confirmed by its hook)',
  typed: 'typed in (no hooks to confirm it)',
  queued: 'queued until its turn ends',
  unconfirmed: 'typed in, not confirmed',
};

/** Starting, steering and stopping sessions' agents, through the launcher (the supervisor) when there is one. */
export class SessionControl {
  constructor(
    private readonly core: Pick<CoreContext, 'store' | 'paths' | 'projects' | 'tasks' | 'sessions' | 'queue' | 'templates' | 'skills' | 'launcher'>,
    private readonly setup: SessionSetup,
  ) {}

  /** Records the session, hands it its tasks, writes its manifest, then asks the launcher (if any) to start it. */
  async spawn(req: SpawnRequest): Promise<SpawnResult> {
    const { store, projects, tasks, sessions, queue, templates, skills: library } = this.core;
    const template = req.template ? templates.resolve(req.template) : undefined;
    const role = req.role ?? template?.role ?? 'worker';
    const strategy = req.strategy ?? template?.strategy ?? 'simple';
    const skills = req.skills ?? template?.skills ?? [];
    const agentCommand = req.agentCommand ?? template?.agentCommand ?? null;
    // A command given here says which program runs; the template's kind goes with the template's command.
    const agentKind = req.agent ?? (req.agentCommand === undefined ? template?.agentKind : null) ?? null;
    const project = projects.get(req.projectId);
    // An unknown skill is the caller's `skills` (or the template's, when the skills came from it).
    library.assertKnown(skills, project.workingDir, req.skills ? 'skills' : 'template');
    const worktree = wantsWorktree(req.worktree, template?.worktree, project);
    if (req.base !== undefined && !worktree) throw invalid('base is the start of a worktree branch: spawn with worktree', 'base');
    // A project that cannot have worktrees is refused before anything is recorded.
    const repo = worktree ? await projectRepo(project) : null;

    const { session } = store.tx(() => {
      // still there: a project deleted while its worktree was looked at takes no new session
      if (repo) projects.get(project.id);
      const holders = new Map<string, string | null>();
      for (const taskId of req.taskIds) {
        const task = tasks.get(taskId, 'taskIds');
        if (task.projectId !== project.id) throw invalid(`task '${taskId}' belongs to another project`, 'taskIds');
        holders.set(taskId, task.assignee);
      }
      const created = sessions.create({
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
      if (strategy === 'queue') queue.add(sid, req.taskIds);
      else
        for (const [taskId, holder] of holders) {
          // take over tasks nobody holds, or whose holder has ended (failed, stopped, completed)
          if (holder === null || FINISHED_STATUSES.includes(sessions.identity(holder).status)) tasks.assign(taskId, sid);
        }
      sessions.appendTimeline(sid, 'spawned', `spawned as ${role} (${strategy}) with ${req.taskIds.length} task(s)`, null, {
        role,
        strategy,
        taskIds: req.taskIds,
        parentSessionId: req.parentSessionId ?? null,
      });
      return created;
    });
    if (repo) await this.makeWorktree(project, repo, session, req.base);
    // The session and project as read above (nothing was awaited since), unless its worktree changed them since.
    const { manifestPath } = await this.setup.writeManifest(session.id, repo ? undefined : session, repo ? undefined : project);
    const launcher = this.core.launcher;
    if (launcher) {
      try {
        await launcher.launch(sessions.get(session.id), { manifestPath, env: this.setup.sessionEnv(session.id) });
      } catch (err) {
        this.failToStart(session.id, err);
        if (repo) await this.dropWorktree(repo, session.id);
        // The supervisor's own error (with its code and field) as it is; anything else becomes spawn_failed.
        if (err instanceof MaestroError) throw err;
        throw new MaestroError('spawn_failed', `session ${session.id} failed to start: ${reasonOf(err)}`, 'agentCommand', { cause: err });
      }
    }
    return { session: sessions.get(session.id), manifestPath };
  }

  /** Gives the session its worktree (the agent then runs there), or fails it saying why. */
  private async makeWorktree(project: Project, repo: ProjectRepository, session: Session, base: string | undefined): Promise<void> {
    const { sessions } = this.core;
    try {
      const w = await makeSessionWorktree(this.core.paths, project, repo, session, base);
      sessions.setWorktree(session.id, { path: w.path, branch: w.branch, baseRef: w.base, baseCommit: w.baseCommit });
      const copied = w.copied.length ? `; copied ${w.copied.slice(0, 10).join(', ')}${w.copied.length > 10 ? ` and ${w.copied.length - 10} more` : ''}` : '';
      sessions.appendTimeline(session.id, 'worktree', `worktree ${w.path} on branch ${w.branch} from ${w.base} (${w.baseCommit.slice(0, 7)})${copied}`, null, {
        worktree: { path: w.path, branch: w.branch, base: w.base, baseCommit: w.baseCommit, fetched: w.fetched, copied: w.copied },
      });
      for (const warning of w.warnings) sessions.appendTimeline(session.id, 'worktree', `warning: ${warning}`, null, { warning });
    } catch (err) {
      this.failToStart(session.id, err);
      throw err;
    }
  }

  /**
   * The worktree of a session whose agent never started goes again, with its branch: nothing was done
   * there, and a failed spawn would otherwise leave a checkout and a branch behind each time.
   */
  private async dropWorktree(repo: ProjectRepository, sessionId: string): Promise<void> {
    const { sessions } = this.core;
    const s = sessions.get(sessionId);
    if (!s.worktreePath) return;
    const r = await removeWorktree({ repoDir: repo.root, path: s.worktreePath, branch: s.branch, deleteBranch: true, force: true }).catch(
      (err: unknown) => ({ removedWorktree: false, deletedBranch: false, refusal: reasonOf(err) }),
    );
    sessions.appendTimeline(
      sessionId,
      'worktree',
      r.removedWorktree ? `its agent did not start: worktree ${s.worktreePath} and branch ${s.branch} removed` : `its agent did not start; its worktree stays: ${r.refusal}`,
      null,
      { cleanup: r },
    );
  }

  /** A session whose agent could not start has failed, and holds nothing: its tasks go back to whoever comes next. */
  private failToStart(sessionId: string, err: unknown): void {
    const { store, tasks, sessions } = this.core;
    store.tx(() => {
      sessions.setStatus(sessionId, 'failed', { message: `failed to start agent: ${reasonOf(err)}` });
      for (const task of tasks.list({ assignee: sessionId }))
        if (task.assignee === sessionId) tasks.update(task.id, { assignee: null });
    });
  }

  /** A message for a running agent (steering): typed between its turns and confirmed by its hook. */
  async sendToSession(sessionId: string, text: string, waitMs: number, from: string): Promise<MessageDelivery> {
    const { sessions, launcher } = this.core;
    // Not by status: an agent that reported completion may still sit at its prompt, and take more work.
    sessions.assertExists(sessionId);
    if (!launcher?.send) throw new MaestroError('conflict', 'this server runs no agents (no supervisor): nothing to send to', 'sessionId');
    const result = await launcher.send(sessionId, text, waitMs);
    const shown = text.length > 200 ? `${text.slice(0, 199)}…` : text;
    sessions.appendTimeline(sessionId, 'agent_state', `message from ${from} ${DELIVERY_WORDS[result.delivery]}: ${shown}`, null, {
      message: true,
      from,
      delivery: result.delivery,
    });
    return result;
  }

  /** Stops the session's agent (if any runs) and marks the session stopped, unless it had already ended. */
  async stopSession(sessionId: string): Promise<Session> {
    const { sessions, launcher } = this.core;
    const session = sessions.get(sessionId);
    if (launcher) await launcher.stop(sessionId);
    if (FINISHED_STATUSES.includes(session.status)) return sessions.get(sessionId);
    return sessions.setStatus(sessionId, 'stopped', { message: 'stopped on request' });
  }
}

const reasonOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
