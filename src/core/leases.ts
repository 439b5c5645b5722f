import { FINISHED_SESSION_STATUSES } from './constants.js';
import { invalid, MaestroError, notFound } from './errors.js';
import { newId } from './ids.js';
import { normalizePattern, patternProblem, patternsOverlap } from './lease-glob.js';
import type { EventBus } from './events.js';
import type { Store } from './store.js';
import type { z } from 'zod';
import type * as E from './entities/index.js';

/*
 * File leases (issue 12): a session holds paths or globs of its project, exclusively or shared, for a
 * TTL. Nothing is enforced on the files themselves; lease_acquire refuses a request that overlaps what
 * another session holds (an exclusive request: any of its leases; a shared one: its exclusive leases),
 * lease_check says which paths are held (what the pre-commit guard, commit-guard.ts, asks).
 *
 * A lease is in force while it is not released, not past its expiry, and its holder has not finished:
 * all three are decided at query time, so an expired lease or one of a finished session never stands in
 * anyone's way even before a row says so. Rows are brought up to date lazily (at the next acquire in
 * the project) and at once when a session finishes (the bus's session.updated), keeping the history
 * (`lease_list --all`) truthful.
 */

export type Lease = z.infer<typeof E.Lease>;
export type LeaseHit = z.infer<typeof E.LeaseHit>;
type LeaseEndedBy = z.infer<typeof E.LeaseEnd>;

interface LeaseRow {
  id: string;
  project_id: string;
  session_id: string;
  session_name: string;
  session_status: string;
  pattern: string;
  exclusive: number;
  reason: string | null;
  acquired_at: string;
  renewed_at: string;
  expires_at: string;
  released_at: string | null;
  ended_by: LeaseEndedBy | null;
}

const FINISHED_SQL = FINISHED_SESSION_STATUSES.map((s) => `'${s}'`).join(',');
const SELECT = `SELECT l.*, s.name AS session_name, s.status AS session_status FROM leases l JOIN sessions s ON s.id = l.session_id`;
/** In force at `?` (the time now): not released, not expired, its holder still live. */
const ACTIVE = `l.released_at IS NULL AND l.expires_at > ? AND s.status NOT IN (${FINISHED_SQL})`;

export interface AcquireOptions {
  exclusive: boolean;
  ttlSeconds: number;
  reason: string | null;
}

/** Lease ids look like the other ids (`lse_` and ten letters of newId's alphabet). */
const newLeaseId = (): string => newId('lse');

export class LeaseRepo {
  /** Milliseconds since the epoch: tests move time on through this instead of waiting out a TTL. */
  now: () => number = () => Date.now();

  constructor(
    private readonly store: Store,
    bus: EventBus,
  ) {
    // Leases end with the session: a finished session's leases are released as it finishes.
    bus.subscribe((event) => {
      if (event.type !== 'session.updated' || !FINISHED_SESSION_STATUSES.includes(event.session.status)) return;
      try {
        this.releaseSession(event.session.id, 'session_ended');
      } catch {
        // the database closed under us (shutdown): the query-time rule still keeps them out of the way
      }
    });
  }

  private iso(ms = this.now()): string {
    return new Date(ms).toISOString();
  }

  /** Validated, normalised patterns (deduplicated, in order), or invalid_input naming the field. */
  static patterns(raw: string[], field = 'paths'): string[] {
    const out: string[] = [];
    for (const [i, p] of raw.entries()) {
      const problem = patternProblem(p);
      if (problem) throw invalid(`${field}[${i}] '${p}' ${problem}`, field);
      const n = normalizePattern(p);
      if (!out.includes(n)) out.push(n);
    }
    return out;
  }

  /**
   * Grants every pattern or none: a conflict with another session refuses the whole request, naming each
   * holder, its pattern, how it holds it and when it expires. A pattern the session already holds is
   * renewed (new TTL, and the mode and reason asked for now).
   */
  acquire(projectId: string, sessionId: string, rawPatterns: string[], opts: AcquireOptions): { leases: Lease[]; renewed: string[] } {
    const patterns = LeaseRepo.patterns(rawPatterns);
    return this.store.tx(() => {
      const nowMs = this.now();
      const now = this.iso(nowMs);
      this.sweep(projectId, now);
      const active = this.rows(`${SELECT} WHERE l.project_id = ? AND ${ACTIVE}`, projectId, now);
      const conflicts: string[] = [];
      for (const pattern of patterns)
        for (const other of active)
          if (other.session_id !== sessionId && (opts.exclusive || other.exclusive === 1) && patternsOverlap(pattern, other.pattern))
            conflicts.push(`'${pattern}' ${this.describe(other, nowMs)}`);
      if (conflicts.length > 0)
        throw new MaestroError('conflict', `lease refused (nothing was leased): ${conflicts.join('; ')}`, 'paths');

      const expires = this.iso(nowMs + opts.ttlSeconds * 1000);
      const ids: string[] = [];
      const renewed: string[] = [];
      for (const pattern of patterns) {
        const mine = active.find((l) => l.session_id === sessionId && l.pattern === pattern);
        if (mine) {
          this.store
            .prepare('UPDATE leases SET exclusive = ?, reason = ?, renewed_at = ?, expires_at = ? WHERE id = ?')
            .run(opts.exclusive ? 1 : 0, opts.reason, now, expires, mine.id);
          ids.push(mine.id);
          renewed.push(pattern);
        } else {
          const id = newLeaseId();
          this.store
            .prepare(
              `INSERT INTO leases (id, project_id, session_id, pattern, exclusive, reason, acquired_at, renewed_at, expires_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(id, projectId, sessionId, pattern, opts.exclusive ? 1 : 0, opts.reason, now, now, expires);
          ids.push(id);
        }
      }
      const leases = ids.map((id) => this.get(id));
      this.store.emit({ type: 'lease.updated', action: 'acquired', projectId, sessionId, leaseIds: ids, patterns });
      return { leases, renewed };
    });
  }

  get(id: string, field = 'leaseIds'): Lease {
    const row = this.rows(`${SELECT} WHERE l.id = ?`, id)[0];
    if (!row) throw notFound('lease', id, field);
    return this.toLease(row);
  }

  /** The project's leases in force (or, with `all`, every lease it had, newest first), of one session if named. */
  list(projectId: string, opts: { sessionId?: string; all?: boolean } = {}): Lease[] {
    const now = this.iso();
    const where = ['l.project_id = ?'];
    const params: unknown[] = [projectId];
    if (!opts.all) {
      where.push(ACTIVE);
      params.push(now);
    }
    if (opts.sessionId) {
      where.push('l.session_id = ?');
      params.push(opts.sessionId);
    }
    const order = opts.all ? 'l.renewed_at DESC, l.id' : 'l.pattern, l.acquired_at';
    return this.rows(`${SELECT} WHERE ${where.join(' AND ')} ORDER BY ${order}`, ...params).map((r) => this.toLease(r));
  }

  /** Leases in force of a project, of one session, whose patterns are among these (normalised). */
  activeOf(projectId: string, sessionId: string | null, patterns?: string[]): Lease[] {
    return this.list(projectId, { sessionId: sessionId ?? undefined }).filter((l) => !patterns || patterns.includes(l.pattern));
  }

  /** Releases leases in force (by id); returns those released now. */
  release(ids: string[], endedBy: LeaseEndedBy): Lease[] {
    if (ids.length === 0) return [];
    return this.store.tx(() => {
      const now = this.iso();
      const released: Lease[] = [];
      for (const id of [...new Set(ids)]) {
        const r = this.store.prepare('UPDATE leases SET released_at = ?, ended_by = ? WHERE id = ? AND released_at IS NULL').run(now, endedBy, id);
        if (r.changes > 0) released.push(this.get(id));
      }
      this.announceReleased(released);
      return released;
    });
  }

  /** Every lease of the session still open (including expired ones not yet marked) ends now. */
  releaseSession(sessionId: string, endedBy: LeaseEndedBy): Lease[] {
    const open = this.rows(`${SELECT} WHERE l.session_id = ? AND l.released_at IS NULL`, sessionId);
    return this.release(
      open.map((r) => r.id),
      endedBy,
    );
  }

  /**
   * Which of these paths other sessions hold (every lease in force of the project when `asSession` is
   * null): exclusive holders are conflicts, shared ones are reported apart.
   */
  check(projectId: string, paths: string[], asSession: string | null): { conflicts: LeaseHit[]; shared: LeaseHit[]; checked: number } {
    const wanted = LeaseRepo.patterns(paths);
    const nowMs = this.now();
    const others = this.rows(`${SELECT} WHERE l.project_id = ? AND ${ACTIVE}`, projectId, this.iso(nowMs)).filter((l) => l.session_id !== asSession);
    const conflicts: LeaseHit[] = [];
    const shared: LeaseHit[] = [];
    for (const path of wanted)
      for (const row of others)
        if (patternsOverlap(path, row.pattern)) {
          const hit = { path, lease: this.toLease(row), message: `'${path}' ${this.describe(row, nowMs)}` };
          (row.exclusive === 1 ? conflicts : shared).push(hit);
        }
    return { conflicts, shared, checked: wanted.length };
  }

  /** "is leased exclusively by session ses_x (name) as 'src/**' (reason) until <ISO> (in 12 min)". */
  private describe(row: LeaseRow, nowMs: number): string {
    const left = Math.max(0, Date.parse(row.expires_at) - nowMs);
    const inWords = left < 60_000 ? `in ${Math.ceil(left / 1000)} s` : `in ${Math.round(left / 60_000)} min`;
    const why = row.reason ? ` (${row.reason})` : '';
    return `is leased ${row.exclusive === 1 ? 'exclusively' : 'shared'} by session ${row.session_id} (${row.session_name}) as '${row.pattern}'${why} until ${row.expires_at} (${inWords})`;
  }

  /** Marks what ended without anyone saying so: expired leases, and leases of finished sessions. */
  private sweep(projectId: string, now: string): void {
    this.store
      .prepare(`UPDATE leases SET released_at = expires_at, ended_by = 'expired' WHERE project_id = ? AND released_at IS NULL AND expires_at <= ?`)
      .run(projectId, now);
    this.store
      .prepare(
        `UPDATE leases SET released_at = ?, ended_by = 'session_ended' WHERE project_id = ? AND released_at IS NULL
           AND session_id IN (SELECT id FROM sessions WHERE status IN (${FINISHED_SQL}))`,
      )
      .run(now, projectId);
  }

  private announceReleased(released: Lease[]): void {
    const bySession = new Map<string, Lease[]>();
    for (const l of released) bySession.set(l.sessionId, [...(bySession.get(l.sessionId) ?? []), l]);
    for (const [sessionId, ls] of bySession)
      this.store.emit({
        type: 'lease.updated',
        action: 'released',
        projectId: ls[0]!.projectId,
        sessionId,
        leaseIds: ls.map((l) => l.id),
        patterns: ls.map((l) => l.pattern),
      });
  }

  private rows(sql: string, ...params: unknown[]): LeaseRow[] {
    return this.store.prepare(sql).all(...params) as LeaseRow[];
  }

  private toLease(r: LeaseRow): Lease {
    const now = this.iso();
    const finished = (FINISHED_SESSION_STATUSES as readonly string[]).includes(r.session_status);
    let state: Lease['state'] = 'active';
    let endedBy = r.ended_by;
    let releasedAt = r.released_at;
    if (r.released_at !== null) state = r.ended_by === 'expired' ? 'expired' : 'released';
    else if (r.expires_at <= now) {
      state = 'expired';
      endedBy = 'expired';
      releasedAt = r.expires_at;
    } else if (finished) {
      state = 'released';
      endedBy = 'session_ended';
    }
    return {
      id: r.id,
      projectId: r.project_id,
      sessionId: r.session_id,
      sessionName: r.session_name,
      pattern: r.pattern,
      exclusive: r.exclusive === 1,
      reason: r.reason,
      acquiredAt: r.acquired_at,
      renewedAt: r.renewed_at,
      expiresAt: r.expires_at,
      releasedAt,
      state,
      endedBy,
    };
  }
}
