import { isAbsolute } from 'node:path';
import { MaestroError } from './errors.js';
import type { CoreContext } from './service-context.js';
import { addCounts, emptyCounts, readTranscript, transcriptUsage, type ReadTranscriptOptions } from './transcript.js';
import type { ProjectUsage, Session, SessionLogs, SessionUsage, StatusResult } from './types.js';

/** What sessions' agent transcripts tell: their conversation, and the tokens and cost they used. */
export class SessionTranscripts {
  constructor(private readonly core: Pick<CoreContext, 'sessions' | 'projects' | 'prices'>) {}

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
      const usage = await transcriptUsage(path, { prices: this.core.prices.get() });
      return { ...usage, transcriptPath: path, taskId: session.taskIds.length === 1 ? session.taskIds[0]! : null };
    } catch {
      return null; // not written yet, or gone
    }
  }

  /** The conversation of a session's agent (GET /api/sessions/:sessionId/logs). */
  async sessionLogs(sessionId: string, opts: ReadTranscriptOptions = {}): Promise<SessionLogs> {
    const session = this.core.sessions.get(sessionId);
    const path = this.transcriptOf(session);
    const none = (why: string) => new MaestroError('not_found', `session ${session.id} has no transcript yet: ${why}`, 'sessionId');
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
      throw new MaestroError('internal', `cannot read the transcript ${path}: ${err instanceof Error ? err.message : String(err)}`, undefined, {
        cause: err,
      });
    }
    return { sessionId: session.id, transcriptPath: path, total: read.total, truncated: read.entries.length < read.total, entries: read.entries };
  }

  /** Tokens and cost per project, summed over these sessions' transcripts (each cached: cheap when nothing changed). */
  async usageByProject(sessions: Session[]): Promise<StatusResult['usage']> {
    const byProject = new Map<string, ProjectUsage>();
    const total = { ...emptyCounts(), sessions: 0 };
    for (const session of sessions) {
      const usage = await this.sessionUsage(session);
      if (!usage) continue;
      let row = byProject.get(session.projectId);
      if (!row) {
        const project = this.core.projects.get(session.projectId);
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
}
