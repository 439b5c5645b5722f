import { invalid } from './errors.js';
import type { TaskPriority, TaskStatus } from './schemas.js';

/*
 * Taskmaster's tasks.json (github.com/eyaltoledano/claude-task-master) as import rows: its `tasks` array,
 * or the tagged form `{ "<tag>": { "tasks": [...] } }`. Tasks and their nested subtasks become tasks and
 * subtasks keyed `tm:<id>` and `tm:<id>.<sub>` (`tm:<tag>/<id>` outside the master tag), so importing the
 * same file again changes nothing; details and test strategy go into the description.
 */

/** A row in the form task-import.ts validates, with where it came from (for errors). */
export interface SourcedRow {
  /** 1-based: its line (JSONL), its index + 1 (arrays), its position among Taskmaster's tasks. */
  line: number;
  /** How an error names it: `line 7`, `task 3.2`. */
  where: string;
  value: unknown;
}

const STATUSES: Record<string, TaskStatus> = {
  pending: 'todo',
  todo: 'todo',
  'in-progress': 'in_progress',
  in_progress: 'in_progress',
  done: 'done',
  completed: 'done',
  deferred: 'blocked',
  blocked: 'blocked',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  review: 'needs_input',
};
const PRIORITIES: Record<string, TaskPriority> = { low: 'low', medium: 'medium', high: 'high', critical: 'critical', urgent: 'critical' };

interface TmTask {
  id?: unknown;
  title?: unknown;
  description?: unknown;
  details?: unknown;
  testStrategy?: unknown;
  status?: unknown;
  priority?: unknown;
  dependencies?: unknown;
  subtasks?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '');

function describe(t: TmTask): string {
  const parts = [text(t.description)];
  if (text(t.details)) parts.push(`## Details\n\n${text(t.details)}`);
  if (text(t.testStrategy)) parts.push(`## Test strategy\n\n${text(t.testStrategy)}`);
  return parts.filter(Boolean).join('\n\n');
}

function status(v: unknown, where: string): TaskStatus | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const s = STATUSES[text(v).toLowerCase()];
  if (!s) throw invalid(`${where}, status: '${text(v)}' is not a Taskmaster status (pending, in-progress, done, deferred, cancelled, review)`, 'status');
  return s;
}

function priority(v: unknown, where: string): TaskPriority | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const p = PRIORITIES[text(v).toLowerCase()];
  if (!p) throw invalid(`${where}, priority: '${text(v)}' is not a priority (low, medium, high)`, 'priority');
  return p;
}

function idOf(v: unknown, where: string): string {
  const id = text(v);
  if (!/^\d+(\.\d+)*$/.test(id)) throw invalid(`${where}, id: a Taskmaster id must be a number like 3 (or 3.2), got ${JSON.stringify(v ?? null)}`, 'id');
  return id;
}

/** The tasks arrays of a tasks.json, by tag (`master` for the untagged form). */
function tagsOf(doc: unknown): Array<[string, unknown[]]> {
  if (Array.isArray(doc)) return [['master', doc]];
  if (!isObject(doc)) throw invalid("a Taskmaster tasks.json is an object with a 'tasks' array (or tags holding one)", 'tasks');
  if (Array.isArray(doc.tasks)) return [['master', doc.tasks]];
  const tags = Object.entries(doc).filter(([, v]) => isObject(v) && Array.isArray(v.tasks)) as Array<[string, { tasks: unknown[] }]>;
  if (tags.length === 0) throw invalid("no 'tasks' array in this file: is it Taskmaster's tasks.json?", 'tasks');
  return tags.map(([tag, v]) => [tag, v.tasks]);
}

/** The import rows of a Taskmaster tasks.json (parsed). */
export function taskmasterRows(doc: unknown): SourcedRow[] {
  const rows: SourcedRow[] = [];
  for (const [tag, tasks] of tagsOf(doc)) {
    const prefix = tag === 'master' ? 'tm:' : `tm:${tag}/`;
    const key = (id: string) => `${prefix}${id}`;
    const where0 = (i: number) => (tag === 'master' ? `task #${i + 1}` : `tag ${tag}, task #${i + 1}`);
    tasks.forEach((raw, i) => {
      if (!isObject(raw)) throw invalid(`${where0(i)}: a task must be an object`, 'tasks');
      const t = raw as TmTask;
      const id = idOf(t.id, where0(i));
      const where = tag === 'master' ? `task ${id}` : `tag ${tag}, task ${id}`;
      const deps = Array.isArray(t.dependencies) ? t.dependencies : [];
      rows.push({
        line: rows.length + 1,
        where,
        value: {
          key: key(id),
          title: text(t.title),
          description: describe(t),
          status: status(t.status, where),
          priority: priority(t.priority, where),
          parent: null,
          dependsOn: deps.map((d) => key(idOf(d, `${where}, dependencies`))),
        },
      });
      const subtasks = Array.isArray(t.subtasks) ? t.subtasks : [];
      const siblings = new Set(subtasks.map((s) => (isObject(s) ? text(s.id) : '')));
      for (const rawSub of subtasks) {
        if (!isObject(rawSub)) throw invalid(`${where}: each subtask must be an object`, 'subtasks');
        const s = rawSub as TmTask;
        const sid = idOf(s.id, `${where}, subtask`);
        const subWhere = `${where.replace(/task \S+$/, 'task')} ${id}.${sid}`;
        const subDeps = Array.isArray(s.dependencies) ? s.dependencies : [];
        rows.push({
          line: rows.length + 1,
          where: subWhere,
          value: {
            key: key(`${id}.${sid}`),
            title: text(s.title),
            description: describe(s),
            status: status(s.status, subWhere),
            priority: priority(s.priority ?? t.priority, subWhere),
            parent: key(id),
            // A plain number is a sibling subtask (Taskmaster's convention), else a top-level task; "3.2" is a subtask anywhere.
            dependsOn: subDeps.map((d) => {
              const dep = idOf(d, `${subWhere}, dependencies`);
              if (dep.includes('.')) return key(dep);
              return siblings.has(dep) ? key(`${id}.${dep}`) : key(dep);
            }),
          },
        });
      }
    });
  }
  return rows;
}
