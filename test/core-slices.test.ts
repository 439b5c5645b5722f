import { beforeEach, describe, expect, it } from 'vitest';
import type { MaestroService } from '../src/core/service.js';
import { Slices } from '../src/core/slices.js';
import { exportTasks } from '../src/core/task-export.js';
import { parseImportText, rowsOf } from '../src/core/task-import.js';
import { treeOrder } from '../src/core/task-tree-stream.js';
import { coreForEachTest } from './core-support.js';
import { TurnCounter } from './turn-counter.js';

/*
 * A whole project's tree and export, and the reading and checking of an import, are worked out in slices, the
 * turn given away in between (at 100k tasks an export held the server for 330 ms at once, the tree 185 ms).
 * Counted, not timed: with a budget of 0 every check gives the turn away, and the test counts the turns other
 * work got before the result.
 */

const TASKS = 3_000;

describe('work in slices', () => {
  const core = coreForEachTest();
  let svc: MaestroService;
  let projectId: string;

  beforeEach(() => {
    ({ svc, projectId } = core);
    // Trees of three, and the first task moved under the last one: its parent comes later in creation order.
    const rows = Array.from({ length: TASKS }, (_, i) => ({ key: `t${i}`, title: `task ${i}`, ...(i % 3 === 0 ? {} : { parent: `t${i - (i % 3)}` }) }));
    rows[0] = { key: 't0', title: 'task 0', parent: `t${TASKS - 3}` };
    svc.importer.run(projectId, rowsOf(rows));
  });

  it('says a slice is due only after its budget, and checks the clock every 256 calls', async () => {
    const never = new Slices(60_000);
    for (let i = 0; i < 10_000; i++) expect(never.due()).toBe(false);
    const always = new Slices(0);
    const due = Array.from({ length: 1_024 }, () => always.due());
    expect(due.filter(Boolean).length).toBe(4);
    expect(due[255]).toBe(true);
    await always.next();
    expect(always.due()).toBe(false); // a new slice counts its calls from 0 again
  });

  it('gives the turn away while it works out a tree, which stays whole and parents-first', async () => {
    const counter = new TurnCounter();
    const order = await treeOrder(svc.store, projectId, undefined, new Slices(0));
    const turns = counter.stop();
    expect(order).toHaveLength(TASKS);
    // Two pages of rows (one turn between), 3,000 steps of grouping and 3,000 of walking, a turn every 256.
    expect(turns).toBeGreaterThanOrEqual(20);
    const at = new Map(order.map((p, i) => [p.id, i]));
    const tasks = svc.tasks.list({ projectId });
    for (const t of tasks) if (t.parentId) expect(at.get(t.parentId)!).toBeLessThan(at.get(t.id)!);
    const moved = order.find((p) => p.id === tasks[0]!.id)!;
    expect(moved.depth).toBe(1); // task 0, under the last tree's root
  });

  it('gives the turn away before the first line of an export, and exports every task parents-first', async () => {
    const stream = exportTasks(svc.store, projectId, undefined, new Slices(0));
    const lines: string[] = [];
    let turnsAtFirstLine = -1;
    const counter = new TurnCounter();
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (chunk: Buffer) => {
        if (turnsAtFirstLine < 0) turnsAtFirstLine = counter.count;
        lines.push(...String(chunk).split('\n').filter(Boolean));
      });
      stream.once('end', resolve);
      stream.once('error', reject);
    });
    const turns = counter.stop();
    expect(turnsAtFirstLine).toBeGreaterThanOrEqual(20);
    expect(turns).toBeGreaterThan(turnsAtFirstLine);
    expect(lines).toHaveLength(TASKS);
    const seen = new Set<string>();
    for (const line of lines) {
      const row = JSON.parse(line) as { key: string; parent?: string };
      if (row.parent) expect(seen.has(row.parent)).toBe(true);
      seen.add(row.key);
    }
  });

  /**
   * Slices that, between the first two pages of rows, move t0 (first page, under the last tree's root) to
   * the top and that root (second page) under t0. The rows read then say: t0 under the root (before the
   * move), the root under t0 (after): a loop no walk from the top reaches.
   */
  function movingBetweenPages(): Slices {
    const byKey = new Map(svc.tasks.list({ projectId }).map((t) => [t.key, t]));
    const first = byKey.get('t0')!;
    const root = byKey.get(`t${TASKS - 3}`)!;
    expect(first.parentId).toBe(root.id);
    let moved = false;
    return new (class extends Slices {
      override async next(): Promise<void> {
        if (!moved) {
          moved = true;
          svc.tasks.update(first.id, { parentId: null });
          svc.tasks.update(root.id, { parentId: first.id });
        }
        return super.next();
      }
    })();
  }

  it('exports every task even when one moves between two pages of its rows and they seem to make a loop', async () => {
    const lines: string[] = [];
    for await (const chunk of exportTasks(svc.store, projectId, undefined, movingBetweenPages())) lines.push(...String(chunk).split('\n').filter(Boolean));
    expect(new Set(lines.map((l) => (JSON.parse(l) as { key: string }).key)).size).toBe(TASKS);
  });

  it('draws every task of the tree even then: the loop at the top, last', async () => {
    const order = await treeOrder(svc.store, projectId, undefined, movingBetweenPages());
    expect(new Set(order.map((p) => p.id)).size).toBe(TASKS);
    expect(order).toHaveLength(TASKS);
    const top = order.filter((p) => p.depth === 0);
    expect(top.filter((p) => p.last)).toEqual([top[top.length - 1]]);
    const t0 = svc.tasks.list({ projectId })[0]!.id;
    expect(top[top.length - 1]!.id).toBe(t0); // the stray loop, drawn from its first task
  });

  it('reads and checks an import in slices before its one transaction, and the import is whole', async () => {
    const text = Array.from({ length: TASKS }, (_, i) => JSON.stringify({ key: `n${i}`, title: `new ${i}`, ...(i % 2 ? { parent: `n${i - 1}` } : {}) })).join('\n');
    const slices = new Slices(0);
    const counter = new TurnCounter();
    const rows = await parseImportText(text, 'maestro', slices);
    const afterParse = counter.count;
    const result = await svc.importer.runInSlices(projectId, rows, {}, slices);
    const turns = counter.stop();
    // 3,000 lines read, then 3,000 rows checked, a turn every 256 of each.
    expect(afterParse).toBeGreaterThanOrEqual(10);
    expect(turns - afterParse).toBeGreaterThanOrEqual(10);
    expect(result.created).toBe(TASKS);
    expect(svc.tasks.list({ projectId })).toHaveLength(2 * TASKS);
  });
});
