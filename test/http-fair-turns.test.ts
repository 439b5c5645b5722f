/**
 * Fair turns (src/http/turns.ts), end to end against a real `maestro serve` process: while kept-alive
 * clients keep the server busy, a burst of new connections must not wait behind every one of their
 * requests, one accept per turn. Counted, not timed: the busy clients' answers served while the burst
 * waited. Without slicing, each of the burst's connections is accepted in a turn of its own, and each turn
 * answers every busy client once: about K x N busy answers. With fair turns, a turn does a budget of work,
 * so the burst is accepted within far fewer busy answers.
 * The scenario is scripts/bench-accept.ts's (the benchmark prints the same run at a bigger size).
 * Needs the build (bin/maestro.js runs dist/).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runAcceptBurst, seedTasks, type BurstResult } from '../scripts/bench-accept.js';
import { startServeProcess, type ServeProcess } from '../scripts/bench-slow-clients.js';

const BUSY_CLIENTS = 20;
const BURST = 60;
/**
 * One accept per turn without slicing implies every busy client answered once per burst connection (K x N =
 * 1200). Measured in 9 runs of this file on 2 shared cores: off served 849-1227 busy answers while the burst
 * waited (fewer than K x N when the clients' process lagged; 324 in a loaded CI run), the default budget
 * 118-184 (73 in that CI run); a first FairTurns whose slices missed each request's work after its first
 * `await` served 1001-1057.
 */
const BOUND = 500;

let srv: ServeProcess | undefined;
afterEach(async () => {
  await srv?.stop();
  srv = undefined;
});

async function scenario(env: Record<string, string>): Promise<BurstResult> {
  srv = await startServeProcess(env);
  const seeded = await seedTasks(srv, 'fair', 300);
  const result = await runAcceptBurst(srv, seeded, { busyClients: BUSY_CLIENTS, burst: BURST, loadMs: 500 });
  console.log(
    `${JSON.stringify(env)}: ${result.servedDuringBurst} busy answers while the burst of ${BURST} waited (${result.servedBefore} in the ${result.loadMs.toFixed(0)} ms before it)`,
  );
  return result;
}

function expectAllAnswered(r: BurstResult): void {
  expect(r.burstStatuses, 'every new connection answered 200').toEqual({ 200: BURST });
  expect(Object.keys(r.busyStatuses), 'busy clients got only 200s').toEqual(['200']);
  expect(r.busyFailures, 'busy requests that failed').toBe(0);
  expect(r.busyReconnects, 'busy clients that had to reconnect').toBe(0);
  // the busy clients were busy: without answers before the burst, its count would prove nothing
  expect(r.servedBefore).toBeGreaterThan(BUSY_CLIENTS);
}

describe('fair turns: new connections while kept-alive clients keep the server busy', () => {
  it('with the default budget the burst is answered within far fewer busy answers than with MAESTRO_TURN_BUDGET_MS=off', async () => {
    // Both in one test, one after the other: a loaded machine slows the busy clients' process and so lowers
    // both counts alike (in CI, off once served 324 and the default 73), so the two are compared as well.
    // When off itself served fewer than a quarter of K x N, the busy clients could not keep the server busy
    // (a CI run: 143, its busy clients answered 141 times in the 502 ms before the burst, 270-410 elsewhere): that pair cannot
    // tell the two apart, and is measured again, up to three times.
    let off: BurstResult | undefined;
    let fair: BurstResult | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      off = await scenario({ MAESTRO_TURN_BUDGET_MS: 'off' });
      expectAllAnswered(off);
      await srv?.stop();
      srv = undefined;
      fair = await scenario({});
      expectAllAnswered(fair);
      await srv?.stop();
      srv = undefined;
      if (off.servedDuringBurst >= (BUSY_CLIENTS * BURST) / 4) break;
    }
    expect(fair!.servedDuringBurst).toBeLessThan(BOUND);
    expect(fair!.servedDuringBurst, `fair ${fair!.servedDuringBurst} vs off ${off!.servedDuringBurst}`).toBeLessThan(off!.servedDuringBurst / 2);
  }, 60_000);
});
