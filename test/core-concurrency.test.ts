import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MaestroService } from '../src/core/service.js';
import { ROOT, tempHome } from './helpers.js';

/** A claimer process (test/fixtures/queue-claimer.mjs) that waits at a start line until `go()`. */
function startRacer(home: string, sessionIds: string[]) {
  const child = spawn(process.execPath, [join(ROOT, 'test', 'fixtures', 'queue-claimer.mjs'), home, sessionIds.join(',')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  let markReady: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (d) => {
    out += d;
    if (out.startsWith('ready\n')) markReady();
  });
  const claimed = new Promise<string[]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`claimer exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1)!) as string[]);
    });
  });
  return { ready, claimed, go: () => child.stdin.end('go\n') };
}

describe('queue claims across processes sharing one database file', () => {
  const home = tempHome();
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('four processes racing over the same 300 tasks never claim one twice', async () => {
    const svc = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:9' });
    const p = svc.projects.create({ name: 'race', workingDir: home });
    const tasks = Array.from({ length: 300 }, (_, i) => svc.tasks.create({ projectId: p.id, title: `t${i}` }).id);
    const groups: string[][] = [];
    for (let g = 0; g < 4; g++) {
      const ids: string[] = [];
      for (let s = 0; s < 3; s++) ids.push((await svc.spawn({ projectId: p.id, taskIds: tasks, strategy: 'queue' })).session.id);
      groups.push(ids);
    }
    svc.close();

    const racers = groups.map((ids) => startRacer(home, ids));
    await Promise.all(racers.map((r) => r.ready));
    for (const r of racers) r.go(); // all open and waiting: release them together
    const perProcess = await Promise.all(racers.map((r) => r.claimed));
    // the race is real only if the processes overlapped
    expect(perProcess.filter((c) => c.length > 0).length).toBeGreaterThan(1);
    const claimed = perProcess.flat();
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.sort()).toEqual([...tasks].sort());

    const check = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:9' });
    expect(check.tasks.list({ status: ['done'] })).toHaveLength(300);
    check.close();
  });
});
