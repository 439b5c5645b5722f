/**
 * A FIFO gate that paces work by turns of the event loop: a task never starts where it is submitted, but
 * in a later turn (from `setImmediate`, i.e. after the loop has polled for I/O); at most `perTurn` tasks
 * start per turn, and at most `concurrent` run at once (tasks that wait on I/O, a session spawn, hold a
 * place meanwhile). The others wait in arrival order.
 *
 * Why turns and not only a count: an MCP call does its whole work in one go (the operation is synchronous
 * SQLite), so a plain limit on calls running at once never engages; 200 callers' requests read in one poll
 * would all run, one after another, before the loop reads the next REST request (measured: 50 ms loop
 * turns under 200 busy MCP callers). Paced, a REST request waits for at most `perTurn` MCP calls.
 */
export class Admission {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private turnScheduled = false;

  readonly perTurn: number;
  readonly concurrent: number;

  constructor(limits: { perTurn: number; concurrent: number }) {
    for (const [name, value] of Object.entries(limits))
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`admission ${name} must be a positive integer, got ${value}`);
    this.perTurn = limits.perTurn;
    this.concurrent = Math.max(limits.concurrent, limits.perTurn);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    await new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      this.scheduleTurn();
    });
    try {
      return await task();
    } finally {
      this.running--;
      if (this.waiting.length > 0) this.scheduleTurn();
    }
  }

  /** Tasks waiting for a turn now. */
  get queued(): number {
    return this.waiting.length;
  }

  private scheduleTurn(): void {
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    setImmediate(() => this.turn());
  }

  /** Starts up to `perTurn` waiting tasks (fewer when `concurrent` run); they run once this callback returns. */
  private turn(): void {
    this.turnScheduled = false;
    for (let started = 0; started < this.perTurn && this.running < this.concurrent && this.waiting.length > 0; started++) {
      this.running++;
      this.waiting.shift()!();
    }
    // Whoever is left waits for the next turn, which a running task schedules when it ends.
  }
}
