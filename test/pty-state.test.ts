/** Agent state: the judgement, the status policy (agent reports come first), exits, and the tracker loop. */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { descendants, treeIsBusy } from '../src/pty/process-tree.js';
import { hasVisibleText, visibleText } from '../src/pty/ansi.js';
import { genericDetector } from '../src/pty/detectors/index.js';
import { StateTracker, exitOutcome, judge, statusForObservation, type Observation } from '../src/pty/state.js';
import { until } from './pty-support.js';

const timing = { settleMs: 100, idleMs: 1000 };

describe('judge', () => {
  it('puts a prompt on screen first, then busy markers, then fresh output', () => {
    expect(judge({ verdict: 'needs_input', quietMs: 0, treeBusy: null, timing })?.state).toBe('needs_input');
    expect(judge({ verdict: 'busy', quietMs: 60_000, treeBusy: false, timing })?.state).toBe('running');
    expect(judge({ verdict: 'idle', quietMs: 10, treeBusy: null, timing })?.state).toBe('running');
  });

  it('calls the agent idle at its prompt once output settled, or after a long silence with nothing on a CPU', () => {
    expect(judge({ verdict: 'idle', quietMs: 200, treeBusy: null, timing })?.state).toBe('idle');
    expect(judge({ verdict: null, quietMs: 2000, treeBusy: false, timing })).toMatchObject({ state: 'idle', reason: 'no output for 2s' });
    expect(judge({ verdict: null, quietMs: 2000, treeBusy: null, timing })?.state).toBe('idle');
    expect(judge({ verdict: null, quietMs: 2000, treeBusy: true, timing })?.state).toBe('running');
  });

  it('keeps the current state through a short pause without a recognisable screen', () => {
    expect(judge({ verdict: null, quietMs: 500, treeBusy: null, timing })).toBeNull();
  });
});

describe('visible output', () => {
  it('ignores terminal housekeeping and keeps what a person would see', () => {
    expect(hasVisibleText('\u001b[?7727h')).toBe(false); // tmux probing the client, seconds after attach
    expect(hasVisibleText('\u001b[?25l\u001b[K\r\n\u001b[K\r\n\u001b[H')).toBe(false);
    expect(hasVisibleText('\u001b]0;title\u0007\u001b(B\u001b[m')).toBe(false);
    expect(visibleText('\u001b[1;32m✻ Thinking…\u001b[0m (esc to interrupt)\r\n')).toBe('✻ Thinking… (esc to interrupt)');
  });

  it('counts output after a burst as running even once it settled', () => {
    expect(judge({ verdict: null, quietMs: 500, freshOutput: true, treeBusy: null, timing })?.state).toBe('running');
  });
});

describe('statusForObservation', () => {
  const base = { lastSetByDetector: null, inputSinceStatus: false } as const;

  it('maps states onto session statuses', () => {
    expect(statusForObservation({ ...base, current: 'spawning', observed: 'running' })).toBe('running');
    expect(statusForObservation({ ...base, current: 'running', observed: 'idle' })).toBe('idle');
    expect(statusForObservation({ ...base, current: 'idle', observed: 'needs_input' })).toBe('needs_input');
    expect(statusForObservation({ ...base, current: 'running', observed: 'running' })).toBeNull();
  });

  it('never reopens a finished session', () => {
    for (const current of ['completed', 'failed', 'stopped'] as const)
      for (const observed of ['running', 'idle', 'needs_input'] as const)
        expect(statusForObservation({ ...base, current, observed })).toBeNull();
  });

  it('lets blocked / needs_input reported by the agent stand against idle and running', () => {
    expect(statusForObservation({ ...base, current: 'blocked', observed: 'idle' })).toBeNull();
    expect(statusForObservation({ ...base, current: 'blocked', observed: 'running' })).toBeNull();
    expect(statusForObservation({ ...base, current: 'needs_input', observed: 'idle' })).toBeNull();
    expect(statusForObservation({ ...base, current: 'needs_input', observed: 'running' })).toBeNull();
  });

  it('but a detected prompt, or work resuming after someone typed, overrides them', () => {
    expect(statusForObservation({ ...base, current: 'blocked', observed: 'needs_input' })).toBe('needs_input');
    expect(statusForObservation({ ...base, current: 'needs_input', observed: 'running', inputSinceStatus: true })).toBe('running');
    expect(statusForObservation({ ...base, current: 'blocked', observed: 'running', inputSinceStatus: true })).toBe('running');
  });

  it('changes its own needs_input freely (the prompt went away)', () => {
    expect(statusForObservation({ current: 'needs_input', observed: 'idle', lastSetByDetector: 'needs_input', inputSinceStatus: false })).toBe('idle');
    expect(statusForObservation({ current: 'needs_input', observed: 'running', lastSetByDetector: 'needs_input', inputSinceStatus: false })).toBe('running');
  });
});

describe('exitOutcome', () => {
  it('completes on 0, fails otherwise, stops when stopped or killed', () => {
    expect(exitOutcome({ current: 'running', exitCode: 0, stoppedByMaestro: false })).toMatchObject({ status: 'completed', exitCode: 0 });
    expect(exitOutcome({ current: 'idle', exitCode: 3, stoppedByMaestro: false })).toMatchObject({ status: 'failed', exitCode: 3 });
    expect(exitOutcome({ current: 'running', exitCode: 127, stoppedByMaestro: false }).message).toMatch(/not found/);
    expect(exitOutcome({ current: 'running', exitCode: null, stoppedByMaestro: true }).status).toBe('stopped');
    expect(exitOutcome({ current: 'running', exitCode: null, stoppedByMaestro: false })).toMatchObject({ status: 'stopped', exitCode: null });
  });

  it('keeps a finished status and only records the code', () => {
    expect(exitOutcome({ current: 'completed', exitCode: 1, stoppedByMaestro: false })).toMatchObject({ status: 'completed', exitCode: 1 });
    expect(exitOutcome({ current: 'stopped', exitCode: 0, stoppedByMaestro: false }).status).toBe('stopped');
  });
});

describe('StateTracker', () => {
  it('reports running while output flows, then the prompt, then idle after silence', async () => {
    let screen = 'working...';
    const seen: Observation[] = [];
    const tracker = new StateTracker({
      detector: genericDetector,
      timing: { settleMs: 60, idleMs: 400, pollMs: 100, tickMs: 20 },
      capture: async () => screen,
      treeBusy: async () => false,
      onChange: (obs) => seen.push(obs),
    });
    tracker.start();
    try {
      // a burst of output: running
      const burst = setInterval(() => tracker.noteOutput(), 10);
      await until(() => seen.some((o) => o.state === 'running'), 3000, 'running');
      clearInterval(burst);

      // a prompt appears and output stops: needs_input
      screen = 'Delete everything? (y/n) ';
      tracker.noteOutput();
      await until(() => seen.at(-1)?.state === 'needs_input', 3000, 'needs_input');

      // answered; then silence without a recognisable screen: idle once idleMs passes
      screen = 'Delete everything? (y/n) n\nkept everything';
      tracker.noteOutput();
      await until(() => seen.at(-1)?.state === 'idle', 3000, 'idle');
      const states = seen.map((o) => o.state);
      expect(states.slice(0, 2)).toEqual(['running', 'needs_input']);
      expect(states.slice(2).every((s) => s !== 'needs_input')).toBe(true); // the answered prompt no longer counts
      expect(seen.at(-1)?.reason).toMatch(/no output for/);
    } finally {
      tracker.stop();
    }
  });
});

describe('process tree', () => {
  it('finds descendants and tells a busy tree from a sleeping one', async () => {
    const sleeper = spawn('/bin/sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore' });
    const spinner = spawn('/bin/sh', ['-c', `${process.execPath} -e "for(;;){}" & wait`], { stdio: 'ignore' });
    try {
      await until(() => descendants(sleeper.pid!).length === 1 && descendants(spinner.pid!).length === 1, 5000, 'children');
      await until(() => treeIsBusy(sleeper.pid!) === false, 5000, 'a sleeping tree');
      await until(() => treeIsBusy(spinner.pid!), 5000, 'a busy child');
    } finally {
      for (const child of [sleeper, spinner]) for (const d of descendants(child.pid!)) process.kill(d.pid, 'SIGKILL');
      sleeper.kill('SIGKILL');
      spinner.kill('SIGKILL');
    }
  });
});
