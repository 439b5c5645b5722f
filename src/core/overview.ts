import type { Reports } from './reports.js';
import type { CoreContext } from './service-context.js';
import type { SessionTranscripts } from './session-transcripts.js';
import { FINISHED_STATUSES, type SessionFilter } from './sessions.js';
import type { SessionStatus } from './schemas.js';
import type { TaskCounts } from './tasks.js';
import { Slices } from './slices.js';
import type { Session, SessionInfo, SessionSummary, StatusResult } from './types.js';

/** Sessions per page of a list: about 8 ms of the server's time each. */
const SESSION_PAGE = 200;

/** Read-only views across the stores: session lists and details, and the counts of the status overview. */
export class Overview {
  constructor(
    private readonly core: Pick<CoreContext, 'projects' | 'tasks' | 'sessions' | 'queue'>,
    private readonly reports: Pick<Reports, 'currentTaskIds'>,
    private readonly transcripts: Pick<SessionTranscripts, 'sessionUsage' | 'usageByProject'>,
  ) {}

  /**
   * Sessions with their last report, current task and queue counts, read a page at a time with the turn given
   * away in between, each page in a few statements for all its sessions: three or four statements per session
   * held the server 470 ms for 5,000 sessions. Not a snapshot: a session that starts meanwhile may be included.
   */
  async listSessions(filter: SessionFilter, slices = new Slices()): Promise<SessionSummary[]> {
    const { sessions, projects } = this.core;
    const names = new Map(projects.list().map((p) => [p.id, p.name]));
    const listed: SessionSummary[] = [];
    for (let after: { createdAt: string; id: string } | undefined; ; ) {
      const page = sessions.list(filter, { after, limit: SESSION_PAGE });
      for (const summary of this.summaries(page, names)) listed.push(summary);
      if (page.length < SESSION_PAGE) return listed;
      after = page[page.length - 1]!;
      await slices.next();
    }
  }

  private summaries(page: Session[], names: Map<string, string>): SessionSummary[] {
    const { sessions, queue } = this.core;
    const reports = sessions.lastReports(page.map((s) => s.id));
    const current = this.reports.currentTaskIds(page);
    const queues = queue.countsOf(page.filter((s) => s.strategy === 'queue').map((s) => s.id));
    return page.map((session) => ({
      ...session,
      projectName: names.get(session.projectId) ?? session.projectId,
      lastReport: reports.get(session.id) ?? null,
      currentTaskId: current.get(session.id) ?? null,
      queue: queues.get(session.id) ?? null,
    }));
  }

  /** One session in full: project, tasks, timeline (the newest `timelineLimit` events), children, queue, usage. */
  async sessionInfo(sessionId: string, timelineLimit = 200): Promise<SessionInfo> {
    const { sessions, projects, tasks, queue } = this.core;
    const session = sessions.get(sessionId);
    const info = {
      session,
      project: projects.get(session.projectId),
      tasks: tasks.list({ assignee: sessionId }),
      timeline: sessions.timeline(sessionId, { limit: timelineLimit }),
      children: sessions.list({ parentSessionId: sessionId }),
      queue: session.strategy === 'queue' ? queue.list(sessionId) : null,
      lastReport: sessions.lastReport(sessionId) ?? null,
    };
    return { ...info, usage: await this.transcripts.sessionUsage(session) };
  }

  /** Counts of projects, tasks and sessions (of one project, or all), with tokens and cost per project. */
  async status(projectId?: string): Promise<StatusResult> {
    const { projects, tasks: taskRepo, sessions: sessionRepo } = this.core;
    const taskCounts = taskRepo.counts(projectId);
    const sessionCounts = sessionRepo.statusCounts(projectId);
    const counted = (projectId ? [projects.get(projectId)] : projects.list()).sort((a, b) => a.name.localeCompare(b.name));
    const perProject = counted.map((p) => ({
      projectId: p.id,
      name: p.name,
      tasks: taskCounts.get(p.id) ?? { total: 0, ready: 0, byStatus: {} },
      sessions: countSessions(sessionCounts.filter((c) => c.projectId === p.id)),
    }));
    return {
      projects: counted.length,
      tasks: sumTaskCounts(perProject.map((p) => p.tasks)),
      sessions: countSessions(sessionCounts),
      byProject: perProject,
      // only the sessions with a transcript have tokens to count
      usage: await this.transcripts.usageByProject(sessionRepo.list({ ...(projectId ? { projectId } : {}), withTranscript: true })),
    };
  }
}

/** Sessions counted by status (SessionRepo.statusCounts' rows, summed over projects), and those still active. */
function countSessions(rows: Array<{ status: SessionStatus; n: number }>) {
  const byStatus: Record<string, number> = {};
  let total = 0;
  let active = 0;
  for (const { status, n } of rows) {
    byStatus[status] = (byStatus[status] ?? 0) + n;
    total += n;
    if (!FINISHED_STATUSES.includes(status)) active += n;
  }
  return { total, active, byStatus };
}

function sumTaskCounts(all: TaskCounts[]): TaskCounts {
  const sum: TaskCounts = { total: 0, ready: 0, byStatus: {} };
  for (const c of all) {
    sum.total += c.total;
    sum.ready += c.ready;
    for (const [status, n] of Object.entries(c.byStatus)) sum.byStatus[status] = (sum.byStatus[status] ?? 0) + n;
  }
  return sum;
}
