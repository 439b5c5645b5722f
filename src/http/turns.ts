import { performance } from 'node:perf_hooks';

/** The request work one turn of the event loop does before it lets the loop poll again (see FairTurns). */
export const DEFAULT_TURN_BUDGET_MS = 2;

/**
 * Request work in slices of at most a budget per turn of the event loop, in arrival order.
 *
 * Why: Node 20's libuv accepts one new connection per turn (libuv #3696: it no longer accepts in a loop),
 * and a turn lasts as long as the work of every request read in it. With 30 kept-alive clients busy, a turn
 * took 60 ms and a burst of 200 new connections (hooks and the CLI open one per call) waited up to 13 s to be
 * answered. A request that arrives once its turn has spent the budget waits for a later turn instead, after
 * the loop has polled again (accepting a connection, reading every socket): the same burst was answered in
 * at most 0.75 s, each request in its fair place.
 *
 * A turn has two slices: its poll phase (requests run as they are read, until the budget is spent) and its
 * check phase (waiting requests, each from an immediate of its own, until the budget is spent again). Node
 * runs a callback's promise continuations before the next callback of either phase, so a slice counts all of
 * a request's work up to its first real wait (I/O, a commit), not just its synchronous start. A slice runs at
 * least one request, so no budget stops work.
 *
 * This is fairness among requests, first come first served. MCP calls are also held back by their own gate
 * (mcp/admission.ts: a few per turn), which lets REST requests go ahead of a crowd of MCP callers.
 */
export class FairTurns {
  private readonly waiting: Array<(() => void) | undefined> = [];
  /** Index of the first waiting job (a queue without Array#shift's copying). */
  private head = 0;
  /** When the poll phase's slice ends (performance.now()); 0: it has not started this turn. */
  private pollEnds = 0;
  private ranInPoll = 0;
  private checkEnds = 0;
  private ranInCheck = 0;
  private openerScheduled = false;

  /** `budgetMs`: null runs every job where it is submitted (no slicing). */
  constructor(
    private readonly budgetMs: number | null,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Runs `job` now if this slice has time left and nobody waits; otherwise in a later slice, in order. */
  run(job: () => void): void {
    if (this.budgetMs === null) return job();
    const now = performance.now();
    if (this.pollEnds === 0) {
      this.pollEnds = now + this.budgetMs;
      this.ranInPoll = 0;
      this.scheduleOpener();
    }
    if (this.queued === 0 && (this.ranInPoll === 0 || now < this.pollEnds)) {
      this.ranInPoll++;
      job();
      return;
    }
    this.waiting.push(job);
    // One runner per waiting job. Made here, in the poll phase, it runs in this turn's check phase.
    setImmediate(this.runner);
  }

  /** Jobs waiting for a slice. */
  get queued(): number {
    return this.waiting.length - this.head;
  }

  private scheduleOpener(): void {
    if (this.openerScheduled) return;
    this.openerScheduled = true;
    setImmediate(this.opener);
  }

  /**
   * The first immediate of a check phase: it starts the check phase's slice and makes the next poll start a
   * fresh one. While jobs wait, it schedules itself for the next turn before any runner of this phase can
   * reschedule itself, so it stays first there too.
   */
  private readonly opener = (): void => {
    this.openerScheduled = false;
    this.pollEnds = 0;
    this.checkEnds = performance.now() + (this.budgetMs ?? 0);
    this.ranInCheck = 0;
    if (this.queued > 0) this.scheduleOpener();
  };

  /** Runs the oldest waiting job if the check phase's slice has time left; otherwise tries again next turn. */
  private readonly runner = (): void => {
    if (this.queued === 0) return;
    if (this.ranInCheck > 0 && performance.now() >= this.checkEnds) {
      setImmediate(this.runner);
      return;
    }
    this.ranInCheck++;
    const job = this.waiting[this.head]!;
    this.waiting[this.head++] = undefined;
    if (this.head === this.waiting.length) {
      this.waiting.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
    try {
      job();
    } catch (err) {
      this.onError(err);
    }
  };
}

/**
 * MAESTRO_TURN_BUDGET_MS: milliseconds (0 or more; 0 runs one request per slice) or `off` (no slicing);
 * unset: DEFAULT_TURN_BUDGET_MS. Anything else is refused, naming the variable.
 */
export function turnBudgetFromEnv(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return DEFAULT_TURN_BUDGET_MS;
  if (value.trim().toLowerCase() === 'off') return null;
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms < 0 || ms > 1000)
    throw new RangeError(`MAESTRO_TURN_BUDGET_MS must be a number of milliseconds from 0 to 1000, or "off"; got "${value}"`);
  return ms;
}
