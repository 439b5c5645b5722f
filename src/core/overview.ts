import type { Reports } from './reports.js';
import type { CoreContext } from './service-context.js';
import type { SessionTranscripts } from './session-transcripts.js';
import { FINISHED_STATUSES, type SessionFilter } from './sessions.js';
import type { TaskCounts } from './tasks.js';
import type { Session, SessionInfo, SessionSummary, StatusResult } from './types.js';

/** Read-only views across the stores: session lists and details, and the counts of the status overview. */
export class Overview {
  constructor(
    private readonly core: Pick<CoreContext, 'projects' | 'tasks' | 'sessions' | 'queue'>,
    private readonly reports: Pick<Reports, 'currentTask'>,
    private readonly transcripts: Pick<SessionTranscripts, 'sessionUsage' | 'usageByProject'>,
  ) {}

  /** Sessions with their last report, current task and queue counts. */
  listSessions(filter: SessionFilter): SessionSummary[] {
    const { sessions, queue, projects } = this.core;
    const names = new Map(projects.list().map((p) => [p.id, p.name]));
    return sessions.list(filter).map((session) => ({
      ...session,
      projectName: names.get(session.projectId) ?? session.projectId,
      lastReport: sessions.lastReport(session.id) ?? null,
      currentTaskId: this.reports.currentTask(session.id)?.id ?? null,
      queue: session.strategy === 'queue' ? queue.status(session.id).counts : null,
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
    const sessions = sessionRepo.list(projectId ? { projectId } : {});
    const counted = (projectId ? [projects.get(projectId)] : projects.list()).sort((a, b) => a.name.localeCompare(b.name));
    const perProject = counted.map((p) => ({
      projectId: p.id,
      name: p.name,
      tasks: taskCounts.get(p.id) ?? { total: 0, ready: 0, byStatus: {} },
      sessions: sessionCounts(sessions.filter((s) => s.projectId === p.id)),
    }));
    return {
      projects: counted.length,
      tasks: sumTaskCounts(perProject.map((p) => p.tasks)),
      sessions: sessionCounts(sessions),
      byProject: perProject,
      usage: await this.transcripts.usageByProject(sessions),
    };
  }
}

/** Sessions counted by status, and those still active. */
function sessionCounts(sessions: Session[]) {
  return {
    total: sessions.length,
    active: sessions.filter((s) => !FINISHED_STATUSES.includes(s.status)).length,
    byStatus: countBy(sessions.map((s) => s.status)),
  };
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

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
