import { FINISHED_SESSION_STATUSES, type AgentKind } from './constants.js';
import { notFound } from './errors.js';
import { newId, newToken, nowIso } from './ids.js';
import type { SessionRole, SessionStatus, SessionStrategy } from './schemas.js';
import { IN_SHOWN_PROJECT } from './projects.js';
import { parseJson, type Store } from './store.js';
import type { SessionIdentity } from './actor.js';
import type { Session, StateReason, TimelineEvent, TimelineKind } from './types.js';

/**
 * Rows of one session (the common case: its own calls, a get), or of a list of them (a JSON array of ids).
 * One session by equality: the list form costs a few µs more, on every session's call.
 */
export const sessionsIn = (ids: string[], column = 'session_id'): string =>
  ids.length === 1 ? `${column} = ?` : `${column} IN (SELECT value FROM json_each(?))`;
export const sessionsArg = (ids: string[]): string => (ids.length === 1 ? ids[0]! : JSON.stringify(ids));
/** The same sessions as a table `j` of one column, `sid`, for a statement that looks up something per session. */
export const sessionsTable = (ids: string[]): string => (ids.length === 1 ? '(SELECT ? AS sid) j' : '(SELECT value AS sid FROM json_each(?)) j');

/**
 * The reason a status has when nobody gave one: a completed session finished its work (whatever its
 * agent does after), and a session waiting for input waits for a person.
 */
const DEFAULT_REASON: Partial<Record<SessionStatus, StateReason>> = { completed: 'finished', needs_input: 'needs_input' };

interface SessionRow {
  id: string;
  project_id: string;
  name: string;
  role: SessionRole;
  strategy: SessionStrategy;
  status: SessionStatus;
  parent_session_id: string | null;
  template_id: string | null;
  agent_command: string | null;
  agent_kind: AgentKind | null;
  skills_json: string;
  env_json: string;
  token: string;
  exit_code: number | null;
  state_reason: StateReason | null;
  agent_session_id: string | null;
  transcript_path: string | null;
  worktree_path: string | null;
  branch: string | null;
  base_ref: string | null;
  base_commit: string | null;
  merged_at: string | null;
  merge_commit: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

interface TimelineRow {
  id: number;
  session_id: string;
  kind: TimelineKind;
  message: string;
  task_id: string | null;
  data_json: string | null;
  created_at: string;
}

export type NewSession = Pick<
  Session,
  'projectId' | 'role' | 'strategy' | 'taskIds' | 'env' | 'parentSessionId' | 'templateId' | 'agentCommand' | 'skills'
> & { name?: string; agentKind?: AgentKind | null };

export interface SessionFilter {
  projectId?: string;
  status?: SessionStatus[];
  parentSessionId?: string;
  /** Only sessions whose agent said where its transcript is. */
  withTranscript?: boolean;
}

/** The fields of a SessionIdentity, without the task list a whole Session loads. */
const SELECT_IDENTITY = 'SELECT id, role, project_id AS projectId, status FROM sessions';

/** Statuses after which a session does no more work. */
export const FINISHED_STATUSES: readonly SessionStatus[] = FINISHED_SESSION_STATUSES;

export class SessionRepo {
  constructor(private readonly store: Store) {}

  create(input: NewSession): { session: Session; token: string } {
    return this.store.tx(() => {
      const id = newId('ses');
      const token = newToken();
      const now = nowIso();
      this.store
        .prepare(
          `INSERT INTO sessions (id, project_id, name, role, strategy, status, parent_session_id, template_id,
             agent_command, agent_kind, skills_json, env_json, token, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, 'spawning', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          id,
          input.projectId,
          input.name ?? id,
          input.role,
          input.strategy,
          input.parentSessionId,
          input.templateId,
          input.agentCommand,
          input.agentKind ?? null,
          JSON.stringify(input.skills),
          JSON.stringify(input.env),
          token,
          now,
          now,
        );
      const link = this.store.prepare('INSERT INTO session_tasks (session_id, task_id, position) VALUES (?, ?, ?)');
      input.taskIds.forEach((taskId, i) => link.run(id, taskId, i));
      const session = this.get(id);
      this.store.emit({ type: 'session.created', session });
      return { session, token };
    });
  }

  get(id: string, field = 'sessionId'): Session {
    const session = this.find(id);
    if (!session) throw notFound('session', id, field);
    return session;
  }

  /** The session, or undefined when there is none (a deleted project took it). */
  find(id: string): Session | undefined {
    const row = this.store.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as SessionRow | undefined;
    return row ? this.toSession(row) : undefined;
  }

  assertExists(id: string, field = 'sessionId'): void {
    if (!this.store.prepare('SELECT 1 FROM sessions WHERE id = ?').get(id)) throw notFound('session', id, field);
  }

  /** The session that spawned this one (null: none). */
  parentOf(id: string, field = 'sessionId'): string | null {
    const row = this.store.prepare('SELECT parent_session_id AS parent FROM sessions WHERE id = ?').get(id) as { parent: string | null } | undefined;
    if (!row) throw notFound('session', id, field);
    return row.parent;
  }

  /** Who holds a token: identity fields only, since this runs on every authenticated request. */
  identityByToken(token: string): SessionIdentity | undefined {
    return this.store.prepare(`${SELECT_IDENTITY} WHERE token = ?`).get(token) as SessionIdentity | undefined;
  }

  identity(id: string, field = 'sessionId'): SessionIdentity {
    const row = this.store.prepare(`${SELECT_IDENTITY} WHERE id = ?`).get(id) as SessionIdentity | undefined;
    if (!row) throw notFound('session', id, field);
    return row;
  }

  token(id: string): string {
    const row = this.store.prepare('SELECT token FROM sessions WHERE id = ?').get(id) as { token: string } | undefined;
    if (!row) throw notFound('session', id);
    return row.token;
  }

  /**
   * The sessions that match, in creation order; with `page`, only those after `page.after` (a session's
   * createdAt and id), at most `page.limit` of them.
   */
  list(filter: SessionFilter = {}, page: { after?: { createdAt: string; id: string }; limit?: number } = {}): Session[] {
    // A project being deleted is gone for every caller (project-removal.ts), its sessions with it.
    const where: string[] = [IN_SHOWN_PROJECT];
    const params: unknown[] = [];
    if (filter.projectId !== undefined) {
      where.push('project_id = ?');
      params.push(filter.projectId);
    }
    if (filter.status && filter.status.length > 0) {
      where.push(`status IN (${filter.status.map(() => '?').join(',')})`);
      params.push(...filter.status);
    }
    if (filter.parentSessionId !== undefined) {
      where.push('parent_session_id = ?');
      params.push(filter.parentSessionId);
    }
    if (filter.withTranscript) where.push('transcript_path IS NOT NULL');
    if (page.after) {
      where.push('(created_at, id) > (?, ?)');
      params.push(page.after.createdAt, page.after.id);
    }
    const limit = page.limit === undefined ? '' : ` LIMIT ${Math.floor(page.limit)}`;
    const sql = `SELECT * FROM sessions WHERE ${where.join(' AND ')} ORDER BY created_at, id${limit}`;
    const rows = this.store.prepare(sql).all(...params) as SessionRow[];
    const taskIds = this.taskIdsOf(rows.map((r) => r.id));
    return rows.map((r) => this.toSession(r, taskIds.get(r.id) ?? []));
  }

  /**
   * How many sessions each project has in each status, counted by SQLite: `status` loaded every session to
   * count them (64 ms for 5,000). In the order the statuses first occur, as a count over the list would give.
   */
  statusCounts(projectId?: string): Array<{ projectId: string; status: SessionStatus; n: number }> {
    const scope = projectId === undefined ? '' : ' AND project_id = ?';
    return this.store
      .prepare(
        `SELECT project_id AS projectId, status, COUNT(*) AS n FROM sessions
         WHERE ${IN_SHOWN_PROJECT}${scope}
         GROUP BY project_id, status ORDER BY MIN(created_at || id)`,
      )
      .all(...(projectId === undefined ? [] : [projectId])) as Array<{ projectId: string; status: SessionStatus; n: number }>;
  }

  /**
   * Each session's task ids, in their order, in one statement for them all: one per session made 5,000
   * sessions cost 70 ms. A JSON string per session, not a row object per task: long queues make this hot.
   */
  private taskIdsOf(ids: string[]): Map<string, string[]> {
    if (ids.length === 0) return new Map();
    const rows = this.store
      .prepare(
        `SELECT session_id AS id, json_group_array(task_id) AS ids FROM
           (SELECT session_id, task_id FROM session_tasks WHERE ${sessionsIn(ids)} ORDER BY session_id, position) GROUP BY session_id`,
      )
      .all(sessionsArg(ids)) as Array<{ id: string; ids: string }>;
    return new Map(rows.map((r) => [r.id, parseJson<string[]>(r.ids, [])]));
  }

  /**
   * Changes status (recording the change on the timeline), exit code and/or state reason; a no-op change
   * records nothing. A status change without a reason clears the previous one (it explained the old status).
   */
  setStatus(id: string, status: SessionStatus, opts: { message?: string; exitCode?: number | null; reason?: StateReason | null } = {}): Session {
    return this.store.tx(() => {
      const current = this.get(id);
      const exitCode = opts.exitCode !== undefined ? opts.exitCode : current.exitCode;
      const reason = opts.reason !== undefined ? opts.reason : current.status === status ? current.stateReason : (DEFAULT_REASON[status] ?? null);
      if (current.status === status && exitCode === current.exitCode && reason === current.stateReason) return current;
      this.store
        .prepare('UPDATE sessions SET status = ?, exit_code = ?, state_reason = ?, updated_at = ? WHERE id = ?')
        .run(status, exitCode, reason, nowIso(), id);
      if (current.status !== status) {
        this.appendTimeline(id, 'status', opts.message ?? `status ${current.status} -> ${status}`, null, {
          from: current.status,
          to: status,
          ...(reason !== null ? { reason } : {}),
          ...(exitCode !== null ? { exitCode } : {}),
        });
      }
      const session = this.get(id);
      this.store.emit({ type: 'session.updated', session });
      return session;
    });
  }

  /** What the supervisor learns about the agent itself: its own session id, where its transcript is. */
  setAgentFacts(id: string, facts: { agentSessionId?: string; transcriptPath?: string }): Session {
    return this.store.tx(() => {
      const current = this.get(id);
      const agentSessionId = facts.agentSessionId ?? current.agentSessionId;
      const transcriptPath = facts.transcriptPath ?? current.transcriptPath;
      if (agentSessionId === current.agentSessionId && transcriptPath === current.transcriptPath) return current;
      this.store
        .prepare('UPDATE sessions SET agent_session_id = ?, transcript_path = ?, updated_at = ? WHERE id = ?')
        .run(agentSessionId, transcriptPath, nowIso(), id);
      const session = this.get(id);
      this.store.emit({ type: 'session.updated', session });
      return session;
    });
  }

  /** Where the session's agent works: the worktree made for it, its branch and what it started from. */
  setWorktree(id: string, w: { path: string; branch: string; baseRef: string; baseCommit: string }): Session {
    return this.store.tx(() => {
      this.store
        .prepare('UPDATE sessions SET worktree_path = ?, branch = ?, base_ref = ?, base_commit = ?, updated_at = ? WHERE id = ?')
        .run(w.path, w.branch, w.baseRef, w.baseCommit, nowIso(), id);
      const session = this.get(id);
      this.store.emit({ type: 'session.updated', session });
      return session;
    });
  }

  /** The session's branch landed as `commit`. */
  setMerged(id: string, commit: string): Session {
    return this.store.tx(() => {
      this.store.prepare('UPDATE sessions SET merged_at = ?, merge_commit = ?, updated_at = ? WHERE id = ?').run(nowIso(), commit, nowIso(), id);
      const session = this.get(id);
      this.store.emit({ type: 'session.updated', session });
      return session;
    });
  }

  /** The base commit the session's branch started from (kept out of the entity: an internal fact). */
  baseCommit(id: string): string | null {
    return (this.store.prepare('SELECT base_commit FROM sessions WHERE id = ?').get(id) as { base_commit: string | null } | undefined)?.base_commit ?? null;
  }

  addTasks(id: string, taskIds: string[]): Session {
    return this.store.tx(() => {
      const next = (
        this.store.prepare('SELECT COALESCE(MAX(position), -1) + 1 AS p FROM session_tasks WHERE session_id = ?').get(id) as {
          p: number;
        }
      ).p;
      const link = this.store.prepare(
        'INSERT OR IGNORE INTO session_tasks (session_id, task_id, position) VALUES (?, ?, ?)',
      );
      taskIds.forEach((taskId, i) => link.run(id, taskId, next + i));
      const session = this.get(id);
      this.store.emit({ type: 'session.updated', session });
      return session;
    });
  }

  appendTimeline(
    sessionId: string,
    kind: TimelineKind,
    message: string,
    taskId: string | null = null,
    data: Record<string, unknown> | null = null,
  ): TimelineEvent {
    return this.store.tx(() => {
      const info = this.store
        .prepare('INSERT INTO timeline (session_id, kind, message, task_id, data_json, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(sessionId, kind, message, taskId, data ? JSON.stringify(data) : null, nowIso());
      const event = this.timelineEvent(Number(info.lastInsertRowid));
      this.store.emit({ type: 'session.event', sessionId, event });
      return event;
    });
  }

  timeline(sessionId: string, opts: { afterId?: number; limit?: number } = {}): TimelineEvent[] {
    const limit = opts.limit ?? 1000;
    // newest `limit` events, returned oldest first
    const rows = this.store
      .prepare(
        `SELECT * FROM (SELECT * FROM timeline WHERE session_id = ? AND id > ? ORDER BY id DESC LIMIT ?) ORDER BY id`,
      )
      .all(sessionId, opts.afterId ?? 0, limit) as TimelineRow[];
    return rows.map(toTimelineEvent);
  }

  lastReport(sessionId: string): TimelineEvent | undefined {
    return this.lastReports([sessionId]).get(sessionId);
  }

  /** The last report of each of these sessions (one statement for them all), by session id; none: absent. */
  lastReports(ids: string[]): Map<string, TimelineEvent> {
    if (ids.length === 0) return new Map();
    const rows = this.store
      .prepare(
        `SELECT t.* FROM ${sessionsTable(ids)} JOIN timeline t ON t.id = (SELECT id FROM timeline
           WHERE session_id = j.sid AND kind IN ('progress','complete','blocked','error','needs_input') ORDER BY id DESC LIMIT 1)`,
      )
      .all(sessionsArg(ids)) as TimelineRow[];
    return new Map(rows.map((r) => [r.session_id, toTimelineEvent(r)]));
  }

  private timelineEvent(id: number): TimelineEvent {
    return toTimelineEvent(this.store.prepare('SELECT * FROM timeline WHERE id = ?').get(id) as TimelineRow);
  }

  private toSession(r: SessionRow, taskIds = this.taskIdsOf([r.id]).get(r.id) ?? []): Session {
    return {
      id: r.id,
      projectId: r.project_id,
      name: r.name,
      role: r.role,
      strategy: r.strategy,
      status: r.status,
      taskIds,
      env: parseJson<Record<string, string>>(r.env_json, {}),
      parentSessionId: r.parent_session_id,
      templateId: r.template_id,
      agentCommand: r.agent_command,
      agentKind: r.agent_kind ?? null,
      skills: parseJson<string[]>(r.skills_json, []),
      exitCode: r.exit_code,
      stateReason: r.state_reason ?? null,
      agentSessionId: r.agent_session_id ?? null,
      transcriptPath: r.transcript_path ?? null,
      worktreePath: r.worktree_path,
      branch: r.branch,
      baseRef: r.base_ref,
      mergedAt: r.merged_at,
      mergeCommit: r.merge_commit,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      version: r.version,
    };
  }
}

const toTimelineEvent = (r: TimelineRow): TimelineEvent => ({
  id: r.id,
  sessionId: r.session_id,
  kind: r.kind,
  message: r.message,
  taskId: r.task_id,
  data: parseJson<Record<string, unknown> | null>(r.data_json, null),
  createdAt: r.created_at,
});
