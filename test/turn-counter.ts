/**
 * Counts the turns of the event loop (an immediate each) while work runs: what other work got meanwhile.
 * Work in slices is checked by counting these with a slice budget of 0, not by timing it.
 */
export class TurnCounter {
  count = 0;
  private running = true;
  constructor() {
    const tick = () => {
      if (!this.running) return;
      this.count++;
      setImmediate(tick);
    };
    setImmediate(tick);
  }
  stop(): number {
    this.running = false;
    return this.count;
  }
}
