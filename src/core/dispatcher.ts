import { FINISHED_SESSION_STATUSES } from './constants.js';
import { dispatchPicture, heldTasks, type DispatchPicture, type PlanTask } from './dispatch-plan.js';
import { DispatchStore, type DispatchLogKind, type DispatchSettings, type DispatcherRow } from './dispatch-store.js';
import type { EventBus } from './events.js';
import { KeyedLock } from './keyed-lock.js';
import type { CoreContext } from './service-context.js';
import type { SpawnRequest } from './session-control.js';
import type { Session, SpawnResult, Task } from './types.js';

/*
 * Auto-dispatch (`maestro run`, dispatch_start): one dispatcher per project keeps up to maxWorkers worker
 * sessions busy on its ready tasks. It holds no state in memory that matters: every decision is made
 * from the database (its rows in dispatch-store.ts, the tasks and sessions), so a restart resumes it
 * (`resume()`), and a lost event only delays a decision until the next one or the safety tick.
 *
 * A decision (`step`) runs under a per-project lock, one at a time, so two events arriving together can
 * never both see a free slot: it settles the workers that ended (done, or a failed attempt: the task
 * back to todo, or blocked with the reason past the retry limit), then starts workers for the ready
 * tasks while slots are free, then drains the dispatcher when nothing can ever start any more.
 */

export interface DispatcherOptions {
  /** The safety tick: decisions are event-driven, this catches what no event announced. */
  tickMs?: number;
  onError?: (err: unknown) => void;
}

export interface DispatchDefaults {
  maxWorkers: number;
  retries: number;
}

export const DISPATCH_DEFAULTS: DispatchDefaults = { maxWorkers: 3, retries: 2 };

const live = (s: Session | undefined): s is Session => s !== undefined && !FINISHED_SESSION_STATUSES.includes(s.status);

export class Dispatcher {
  readonly rows: DispatchStore;
  private readonly lock = new KeyedLock();
  /** Projects with a decision queued but not begun: events arriving meanwhile add nothing. */
  private readonly queued = new Map<string, Promise<void>>();
  /** Projects whose dispatcher runs (a cache of the rows, to filter the bus cheaply). */
  private readonly active = new Set<string>();
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly core: Pick<CoreContext, 'store' | 'tasks' | 'sessions' | 'templates'> & { readonly bus: EventBus },
    private readonly spawn: (req: SpawnRequest) => Promise<SpawnResult>,
    private readonly opts: DispatcherOptions = {},
  ) {
    this.rows = new DispatchStore(core.store);
  }

  /** Starts (or reconfigures) the project's dispatcher and makes its first decision. */
  async start(projectId: string, settings: DispatchSettings): Promise<DispatcherRow> {
    if (settings.template !== null) this.core.templates.resolve(settings.template, 'template');
    const row = await this.lock.run(projectId, async () => {
      const before = this.rows.get(projectId);
      const started = this.core.store.tx(() => this.rows.start(projectId, settings));
      const again = before?.status === 'running' ? 'reconfigured' : 'started';
      this.log(projectId, 'started', `dispatch ${again}: up to ${settings.maxWorkers} workers, ${settings.retries} retries${settings.template ? `, template ${settings.template}` : ''}`);
      return started;
    });
    this.watch(projectId);
    await this.kick(projectId);
    return this.rows.get(projectId) ?? row;
  }

  /** Stops starting workers; live ones go on. */
  async stop(projectId: string): Promise<void> {
    await this.lock.run(projectId, async () => {
      const row = this.rows.get(projectId);
      this.active.delete(projectId);
      if (!row || row.status !== 'running') return;
      const running = this.liveWorkers(projectId).length;
      this.rows.setStatus(projectId, 'stopped', 'stopped on request');
      this.log(projectId, 'stopped', `dispatch stopped on request${running ? `; ${running} live worker(s) go on with their tasks` : ''}`);
    });
  }

  /** After a restart: every dispatcher left running picks up where it was. */
  resume(): void {
    for (const projectId of this.rows.running()) {
      this.watch(projectId);
      void this.kick(projectId);
    }
  }

  /** The dispatcher's view of the project's tasks (ready, waves, never), read in slices. */
  picture(projectId: string): Promise<DispatchPicture> {
    return dispatchPicture(this.core.store, projectId);
  }

  /** Its workers that still run (of any run: a worker from before a restart of dispatch still takes a slot). */
  liveWorkers(projectId: string): Array<{ sessionId: string; taskId: string }> {
    return this.rows.workers(projectId).filter((w) => live(this.session(w.sessionId)));
  }

  /** Makes a decision for the project soon (one queued at most; it runs after the current one). */
  kick(projectId: string): Promise<void> {
    const queued = this.queued.get(projectId);
    if (queued) return queued;
    const run = this.lock.run(projectId, async () => {
      this.queued.delete(projectId);
      if (this.closed) return;
      await this.step(projectId);
    });
    const settled = run.catch((err: unknown) => this.opts.onError?.(err));
    this.queued.set(projectId, settled);
    return settled;
  }

  /**
   * Makes no more decisions; resolves once the one under way (a worker being started) is over, so a
   * server closing first lets its dispatcher finish recording what it started.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all([...this.active, ...this.queued.keys()].map((id) => this.lock.run(id, async () => undefined)));
  }

  /** Follows the bus (task and session changes of the project) and the safety tick. */
  private watch(projectId: string): void {
    this.active.add(projectId);
    if (this.closed) return;
    this.unsubscribe ??= this.core.bus.subscribe((event) => {
      if (this.active.size === 0) return;
      const projectId =
        event.type === 'task.updated' || event.type === 'task.created' ? event.task.projectId
        : event.type === 'session.updated' ? event.session.projectId
        // A big import announces itself once (no task.updated per task): its new ready tasks are work now.
        : event.type === 'tasks.imported' ? event.projectId
        : null;
      if (projectId !== null && this.active.has(projectId)) void this.kick(projectId);
    });
    if (!this.timer) {
      this.timer = setInterval(() => {
        for (const id of this.active) void this.kick(id);
      }, this.opts.tickMs ?? 3000);
      this.timer.unref();
    }
  }

  private session(id: string): Session | undefined {
    return this.core.sessions.find(id);
  }

  private task(id: string): Task | undefined {
    return this.core.tasks.find(id);
  }

  /** One decision: settle ended workers, fill free slots, drain when nothing can start any more. */
  private async step(projectId: string): Promise<void> {
    const row = this.rows.get(projectId);
    if (!row || row.status !== 'running') {
      this.active.delete(projectId);
      return;
    }
    let stale: string | undefined;
    for (;;) {
      if (this.closed) return;
      // Settled again before each start: an agent that ended while the last one started frees its slot
      // (and counts its attempt) before its task can look ready again.
      this.settle(row);
      if (this.liveWorkers(projectId).length >= row.maxWorkers) return;
      const picture = await this.picture(projectId);
      if (this.closed) return;
      this.settle(row); // and those that ended while the picture was read
      const running = this.liveWorkers(projectId).length;
      if (running >= row.maxWorkers) return;
      const next = picture.ready[0];
      if (!next) {
        if (running === 0 && picture.planned.length === 0) this.drain(row, picture);
        return;
      }
      // The picture was read in slices: the task may have been taken or changed since. Then look again,
      // once for the same task (the next event or tick decides after that).
      if (!this.stillReady(projectId, next.id)) {
        if (stale === next.id) return;
        stale = next.id;
        continue;
      }
      await this.startWorker(row, next, running);
    }
  }

  /** Workers that ended: their task done, or a failed attempt (retried, or blocked past the limit). */
  private settle(row: DispatcherRow): void {
    for (const w of this.rows.workers(row.projectId, row.generation)) {
      if (w.outcome !== null) continue;
      const task = this.task(w.taskId);
      const session = this.session(w.sessionId);
      if (task?.status === 'done') {
        this.rows.settleWorker(w.sessionId, 'done');
        this.log(row.projectId, 'done', `${task.id} done '${task.title}' (by ${w.sessionId})`, { taskId: task.id, sessionId: w.sessionId });
        continue;
      }
      if (live(session)) continue;
      if (!task || task.status === 'cancelled') {
        this.rows.settleWorker(w.sessionId, 'failed');
        continue;
      }
      const holder = task.assignee !== null && task.assignee !== w.sessionId ? this.session(task.assignee) : undefined;
      if (live(holder)) {
        // someone else took the task over: not this worker's failure to count
        this.rows.settleWorker(w.sessionId, 'failed');
        this.log(row.projectId, 'note', `${task.id}: worker ${w.sessionId} ended; ${holder.id} works on it now`, { taskId: task.id, sessionId: w.sessionId });
        continue;
      }
      this.core.store.tx(() => {
        this.rows.settleWorker(w.sessionId, 'failed');
        this.failAttempt(row, task, w.sessionId, failureReason(this.core, session, w.sessionId));
      });
    }
  }

  /** Counts a failed attempt: the task goes back to todo (unassigned), or past the limit to blocked with the reason. */
  private failAttempt(row: DispatcherRow, task: Task, sessionId: string | null, reason: string): void {
    const attempts = this.rows.addFailure(row.projectId, row.generation, task.id, sessionId, reason);
    const allowed = row.retries + 1;
    if (attempts > row.retries) {
      const note = `Blocked by auto-dispatch after ${attempts} failed attempt(s): ${reason}`;
      this.core.tasks.update(task.id, {
        status: 'blocked',
        assignee: null,
        description: task.description ? `${task.description}\n\n---\n${note}` : note,
      });
      this.log(row.projectId, 'blocked', `${task.id} blocked: ${reason} (after ${attempts} failed attempt(s))`, { taskId: task.id, sessionId });
    } else {
      this.core.tasks.update(task.id, { status: 'todo', assignee: null });
      this.log(row.projectId, 'failed', `${task.id} failed (attempt ${attempts}/${allowed}): ${reason}; back to todo`, { taskId: task.id, sessionId });
    }
  }

  /** Whether the task is ready and nobody live holds it, as it is now. */
  private stillReady(projectId: string, taskId: string): boolean {
    return this.task(taskId)?.ready === true && !heldTasks(this.core.store, projectId).has(taskId);
  }

  private async startWorker(row: DispatcherRow, task: PlanTask, running: number): Promise<void> {
    try {
      const { session } = await this.spawn({
        projectId: row.projectId,
        taskIds: [task.id],
        role: 'worker',
        strategy: 'simple',
        template: row.template ?? undefined,
        parentSessionId: row.startedBy !== null && this.session(row.startedBy) ? row.startedBy : null,
      });
      this.rows.addWorker(row.projectId, row.generation, session.id, task.id);
      this.log(row.projectId, 'spawned', `started ${session.id} for ${task.id} '${task.title}' (${running + 1}/${row.maxWorkers} workers)`, {
        taskId: task.id,
        sessionId: session.id,
      });
    } catch (err) {
      // The spawn failed its session already (and let go of the task); the attempt counts.
      const fresh = this.task(task.id);
      if (fresh && fresh.status !== 'done' && fresh.status !== 'cancelled')
        this.core.store.tx(() => this.failAttempt(row, fresh, null, `could not start a worker: ${err instanceof Error ? err.message : String(err)}`));
      else throw err;
    }
  }

  private drain(row: DispatcherRow, picture: DispatchPicture): void {
    const counts = this.counts(row.projectId);
    const never = picture.never.length ? `, ${picture.never.length} can never start` : '';
    const reason = `nothing left to start: ${counts.done} done, ${counts.blocked} blocked${never}`;
    this.rows.setStatus(row.projectId, 'drained', reason);
    this.active.delete(row.projectId);
    for (const n of picture.never) this.log(row.projectId, 'note', `${n.task.id} '${n.task.title}' can never start: ${n.reason}`, { taskId: n.task.id });
    this.log(row.projectId, 'drained', `dispatch drained: ${reason}`);
  }

  counts(projectId: string): { done: number; blocked: number } {
    // Two ranges of the status index, not every task of the project (10 ms at 100k).
    const count = this.core.store.prepare(`SELECT COUNT(*) AS n FROM tasks WHERE project_id = ? AND status = ?`);
    const of = (status: string) => (count.get(projectId, status) as { n: number }).n;
    return { done: of('done'), blocked: of('blocked') };
  }

  /** Logs a decision and announces it on the bus. */
  private log(projectId: string, kind: DispatchLogKind, message: string, refs: { taskId?: string | null; sessionId?: string | null } = {}): void {
    const entry = this.rows.log(projectId, kind, message, refs);
    const status = this.rows.get(projectId)?.status ?? 'stopped';
    this.core.bus.emit({ type: 'dispatch.updated', projectId, status, kind, taskId: entry.taskId, sessionId: entry.sessionId, message });
  }
}

/** Why a worker failed, in words: its exit code, its last error report or status message, its state reason. */
function failureReason(core: Pick<CoreContext, 'sessions'>, session: Session | undefined, sessionId: string): string {
  if (!session) return `worker ${sessionId} is gone`;
  const timeline = core.sessions.timeline(session.id);
  const lastError = [...timeline].reverse().find((e) => e.kind === 'error' || e.kind === 'blocked');
  const lastStatus = [...timeline].reverse().find((e) => e.kind === 'status');
  const parts = [`worker ${session.id} ${session.status}`];
  if (session.exitCode !== null) parts.push(`exit code ${session.exitCode}`);
  if (lastError) parts.push(`${lastError.kind} report: ${lastError.message}`);
  else if (lastStatus) parts.push(lastStatus.message);
  if (session.stateReason) parts.push(`state ${session.stateReason}`);
  return parts.join(', ');
}
