// Coalesced refetches: a burst of live events costs one or two requests.

/**
 * Runs `load` about `delay` ms after the first call; calls made meanwhile share that run, and calls
 * made while it runs get one more run after it. So a burst of events costs one or two requests, and
 * a steady stream of them cannot postpone the refetch forever.
 */
export function coalesce(load: () => Promise<unknown> | undefined, delay = 250): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let again = false;
  const fire = async () => {
    timer = undefined;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await load();
    } catch {
      /* the next event or reconnect refetches */
    } finally {
      running = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  };
  const schedule = () => {
    timer ??= setTimeout(fire, delay);
  };
  return schedule;
}
