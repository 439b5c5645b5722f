import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { MaestroService } from '../src/core/service.js';
import { ROOT, tempHome } from './helpers.js';

const run = promisify(execFile);

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

    const script = join(ROOT, 'test', 'fixtures', 'queue-claimer.mjs');
    const results = await Promise.all(groups.map((ids) => run(process.execPath, [script, home, ids.join(',')])));
    const perProcess = results.map((r) => JSON.parse(r.stdout) as string[]);
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
