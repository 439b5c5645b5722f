import { readdirSync, readFileSync } from 'node:fs';

/**
 * A look at the agent's process tree through /proc (Linux): whether anything under the pane's
 * process is on a CPU right now. It keeps a silent but busy agent (a long build or test run with no
 * output) from being called idle. Elsewhere it answers "unknown" and timing alone decides.
 */
interface ProcStat {
  pid: number;
  ppid: number;
  state: string;
}

function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) is in parentheses and may contain spaces: parse from the last ')'
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, state: rest[0]!, ppid: Number(rest[1]) };
  } catch {
    return null;
  }
}

function allStats(): ProcStat[] | null {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  const stats: ProcStat[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) stats.push(s);
  }
  return stats;
}

/** Pids below `root` (not including it). */
export function descendants(root: number, stats = allStats() ?? []): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) {
    const list = children.get(s.ppid) ?? [];
    list.push(s);
    children.set(s.ppid, list);
  }
  const out: ProcStat[] = [];
  const stack = [root];
  while (stack.length > 0) {
    for (const child of children.get(stack.pop()!) ?? []) {
      out.push(child);
      stack.push(child.pid);
    }
  }
  return out;
}

/** true: a descendant is running (state R); false: all asleep; null: cannot tell on this system. */
export function treeIsBusy(root: number): boolean | null {
  const stats = allStats();
  if (!stats) return null;
  return descendants(root, stats).some((p) => p.state === 'R');
}
