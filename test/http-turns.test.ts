import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TURN_BUDGET_MS, FairTurns, turnBudgetFromEnv } from '../src/http/turns.js';
import { BIN, startTestServer, tempHome } from './helpers.js';

const execFileAsync = promisify(execFile);

/*
 * FairTurns by counting, not timing: with a budget of 0 every slice runs exactly one job (a slice always runs
 * one), so what has run after each turn of the event loop is known exactly. `nextTurn` resolves from an
 * immediate made after the runners, so it sees the check phase they ran in.
 */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function recorder(budgetMs: number | null) {
  const ran: string[] = [];
  const errors: unknown[] = [];
  const turns = new FairTurns(budgetMs, (err) => errors.push(err));
  const submit = (...names: string[]) => names.forEach((name) => turns.run(() => void ran.push(name)));
  return { ran, errors, turns, submit };
}

describe('FairTurns', () => {
  it('with no budget (off) runs every job where it is submitted', () => {
    const { ran, turns, submit } = recorder(null);
    submit('a', 'b', 'c');
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(turns.queued).toBe(0);
  });

  it('within the budget runs jobs at once, in order', () => {
    const { ran, submit } = recorder(60_000);
    submit('a', 'b', 'c', 'd');
    expect(ran).toEqual(['a', 'b', 'c', 'd']);
  });

  it('past the budget, jobs wait in order: one slice in the poll phase and one in the check phase per turn', async () => {
    const { ran, turns, submit } = recorder(0);
    submit('1', '2', '3', '4', '5', '6');
    expect(ran).toEqual(['1']); // the slice runs one, the rest wait
    expect(turns.queued).toBe(5);
    await nextTurn();
    expect(ran).toEqual(['1', '2']); // this turn's check phase: one more
    await nextTurn();
    expect(ran).toEqual(['1', '2', '3']);
    for (let i = 0; i < 3; i++) await nextTurn();
    expect(ran).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(turns.queued).toBe(0);
  });

  it('a job submitted in a fresh slice still waits behind those already waiting', async () => {
    const { ran, submit } = recorder(0);
    submit('a', 'b', 'c');
    await nextTurn(); // a (poll), b (check); c waits; the next slice is fresh
    expect(ran).toEqual(['a', 'b']);
    submit('d'); // a fresh slice with time for one job, but c came first
    expect(ran).toEqual(['a', 'b']);
    for (let i = 0; i < 3; i++) await nextTurn();
    expect(ran).toEqual(['a', 'b', 'c', 'd']);
  });

  it('once nothing waits, a fresh slice runs a job at once again', async () => {
    const { ran, submit } = recorder(0);
    submit('a', 'b');
    await nextTurn();
    expect(ran).toEqual(['a', 'b']);
    await nextTurn();
    submit('c');
    expect(ran).toEqual(['a', 'b', 'c']);
  });

  it('a waiting job that throws is reported and the others still run', async () => {
    const { ran, errors, turns } = recorder(0);
    turns.run(() => void ran.push('first'));
    turns.run(() => {
      throw new Error('boom');
    });
    turns.run(() => void ran.push('after'));
    for (let i = 0; i < 3; i++) await nextTurn();
    expect(ran).toEqual(['first', 'after']);
    expect(errors.map((e) => (e as Error).message)).toEqual(['boom']);
  });

  it('keeps the order of thousands of waiting jobs (its queue compacts as it goes)', async () => {
    const { ran, turns, submit } = recorder(0);
    const names = Array.from({ length: 3000 }, (_, i) => String(i));
    submit(...names.slice(0, 1500));
    for (let i = 0; i < 700; i++) await nextTurn();
    submit(...names.slice(1500));
    while (turns.queued > 0) await nextTurn();
    expect(ran).toEqual(names);
  });
});

describe('MAESTRO_TURN_BUDGET_MS', () => {
  it('is milliseconds, or off; unset is the default', () => {
    expect(turnBudgetFromEnv(undefined)).toBe(DEFAULT_TURN_BUDGET_MS);
    expect(turnBudgetFromEnv('')).toBe(DEFAULT_TURN_BUDGET_MS);
    expect(turnBudgetFromEnv('off')).toBeNull();
    expect(turnBudgetFromEnv('OFF')).toBeNull();
    expect(turnBudgetFromEnv('0')).toBe(0);
    expect(turnBudgetFromEnv('5')).toBe(5);
    expect(turnBudgetFromEnv('0.5')).toBe(0.5);
    for (const bad of ['abc', '-1', '1001', 'Infinity', '2ms'])
      expect(() => turnBudgetFromEnv(bad), bad).toThrow(/MAESTRO_TURN_BUDGET_MS must be a number of milliseconds from 0 to 1000, or "off"/);
  });

  it('a bad value stops `maestro serve` with a message naming it, before it listens', () => {
    const home = tempHome();
    const run = spawnSync(process.execPath, [BIN, 'serve', '--port', '0'], {
      env: { ...process.env, MAESTRO_HOME: home, MAESTRO_TURN_BUDGET_MS: 'soon' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('MAESTRO_TURN_BUDGET_MS must be a number of milliseconds from 0 to 1000, or "off"; got "soon"');
    expect(run.stderr).not.toContain('listening');
  });
});

describe('the listening socket', () => {
  it('holds up to 4096 connections until they are accepted (Node would hold 511)', async () => {
    const server = await startTestServer();
    try {
      const { stdout } = await execFileAsync('ss', ['-Hltn', `sport = :${server.server.port}`]);
      // A listening socket's Send-Q is its backlog, as the kernel caps it (net.core.somaxconn).
      const [state, , sendQ] = stdout.trim().split(/\s+/);
      const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
      expect(state).toBe('LISTEN');
      expect(Number(sendQ)).toBe(Math.min(4096, somaxconn));
    } finally {
      await server.dispose();
    }
  });
});
