import type { QueueItem, Session, Task, TimelineEvent, TokenCounts, TranscriptEntry } from '../core/types.js';

/* Plain-text formatting for human output: no colours, stable column layout, one idea per line. */

/** Left-aligned columns; the last column is not padded. */
export function table(headers: string[], rows: string[][]): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `key: value` lines, skipping empty values. */
export function fields(pairs: Array<[string, string | number | null | undefined]>, indent = ''): string {
  const shown = pairs.filter(([, v]) => v !== undefined && v !== null && v !== '');
  const width = Math.max(0, ...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${indent}${`${k}:`.padEnd(width + 1)} ${v}`).join('\n');
}

export const dash = (v: string | null | undefined) => (v === null || v === undefined || v === '' ? '-' : v);
export const joinOr = (items: readonly string[], empty = '-') => (items.length ? items.join(', ') : empty);

/** `2024-05-01 14:03:07` in local time. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export const STATUS_MARK: Record<string, string> = {
  todo: '○',
  in_progress: '◐',
  blocked: '✗',
  needs_input: '?',
  done: '✓',
  cancelled: '–',
};

// ---- tasks -------------------------------------------------------------------------------------------

export function taskTable(tasks: Task[]): string {
  if (tasks.length === 0) return 'no tasks';
  return table(
    ['ID', 'STATUS', 'PRIORITY', 'READY', 'ASSIGNEE', 'TITLE'],
    tasks.map((t) => [t.id, t.status, t.priority, t.ready ? 'yes' : '', t.assignee ?? '', t.title]),
  );
}

export function taskDetail(t: Task): string {
  const head = `${t.id}  ${t.title}`;
  const body = fields(
    [
      ['status', `${t.status}${t.ready ? ' (ready)' : ''}`],
      ['priority', t.priority],
      ['parent', t.parentId],
      ['depends on', t.dependencies.length ? t.dependencies.join(', ') : null],
      ['assignee', t.assignee],
      ['project', t.projectId],
      ['created', when(t.createdAt)],
      ['updated', `${when(t.updatedAt)}  (version ${t.version})`],
      ['completed', t.completedAt ? when(t.completedAt) : null],
    ],
    '  ',
  );
  const description = t.description.trim() ? `\n\n${indent(t.description.trim(), '  ')}` : '';
  return `${head}\n${body}${description}`;
}

/** `created tsk_… "title" [todo, medium]` style one-liner for mutations. */
export const taskLine = (verb: string, t: Task) => `${verb} ${t.id}  ${t.title}  [${taskTags(t).join(', ')}]`;

function taskTags(t: Task): string[] {
  const tags: string[] = [t.status, t.priority];
  if (t.ready) tags.push('ready');
  if (t.dependencies.length && !t.ready && t.status === 'todo') tags.push(`waits on ${t.dependencies.join(', ')}`);
  if (t.assignee) tags.push(`@${t.assignee}`);
  return tags;
}

/** One row of the task tree: `├── ○ Title  tsk_…  [todo, high, ready]`, after the bars of its ancestors (`prefix`). */
export const taskTreeRow = (t: Task, prefix: string, connector: string) =>
  `${prefix}${connector}${STATUS_MARK[t.status] ?? '·'} ${t.title}  ${t.id}  [${taskTags(t).join(', ')}]`;

export const TREE_LEGEND = 'legend: ○ todo  ◐ in progress  ✗ blocked  ? needs input  ✓ done  – cancelled';

// ---- sessions ----------------------------------------------------------------------------------------

/** Sessions as a table; with a PROJECT column when they come from more than one project. */
export function sessionTable(sessions: Array<Session & { projectName?: string }>): string {
  if (sessions.length === 0) return 'no sessions';
  const manyProjects = new Set(sessions.map((s) => s.projectId)).size > 1;
  const head = ['ID', 'NAME', 'ROLE', 'STRATEGY', 'STATUS', 'PARENT', 'TASKS'];
  const row = (s: Session) => [s.id, s.name, s.role, s.strategy, s.status, s.parentSessionId ?? '', s.taskIds.join(',')];
  if (!manyProjects) return table(head, sessions.map(row));
  return table(['PROJECT', ...head], sessions.map((s) => [s.projectName ?? s.projectId, ...row(s)]));
}

export const sessionLine = (s: Session) => `${s.id}  ${s.name}  [${s.role}, ${s.strategy}, ${s.status}]`;

export function timelineLines(events: TimelineEvent[]): string {
  if (events.length === 0) return '  (no events)';
  return events
    .map((e) => `  ${when(e.createdAt)}  ${e.kind.padEnd(11)} ${e.taskId ? `${e.taskId}  ` : ''}${e.message.replace(/\s*\n\s*/g, ' ')}`)
    .join('\n');
}

export function queueTable(items: QueueItem[]): string {
  if (items.length === 0) return 'the queue is empty';
  return table(
    ['#', 'STATE', 'TASK', 'READY', 'SKIPS', 'TITLE'],
    items.map((i, n) => [String(n + 1), i.state, i.taskId, i.state === 'queued' ? (i.ready ? 'yes' : 'no') : '', String(i.skipCount), i.title]),
  );
}

export const queueItemLine = (i: QueueItem) => `${i.taskId}  ${i.title}  [${i.state}${i.skipCount ? `, skipped ${i.skipCount}x` : ''}]`;

/** `todo 3, done 1` from a status -> count map. */
export const counts = (byStatus: Record<string, number>) =>
  Object.entries(byStatus)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';

export const indent = (text: string, pad: string) =>
  text
    .split('\n')
    .map((l) => (l ? pad + l : l))
    .join('\n');

// ---- tokens and transcripts --------------------------------------------------------------------------

const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

/** `$0.0412` below a dollar, `$12.30` above. */
export const usd = (n: number) => `$${n < 1 ? n.toFixed(4) : n.toFixed(2)}`;

/** `in 1,204 · out 388 · cache write 6,000 · cache read 24,000 · $0.0412` */
export const tokenLine = (c: TokenCounts) =>
  `in ${thousands(c.inputTokens)} · out ${thousands(c.outputTokens)} · cache write ${thousands(c.cacheCreationTokens)} · cache read ${thousands(c.cacheReadTokens)} · ${usd(c.costUsd)}`;

const ENTRY_LABEL: Record<TranscriptEntry['kind'], (e: TranscriptEntry) => string> = {
  prompt: () => '› you: ',
  text: () => '● claude: ',
  thinking: () => '✻ thinking: ',
  tool_use: (e) => `⚙ ${e.tool ?? 'tool'}: `,
  tool_result: (e) => `  ⎿ ${e.isError ? 'error: ' : ''}`,
};

/** One transcript entry as a readable line: `14:03:07 ● claude: …`, continuation lines indented under the text. */
export function transcriptLine(e: TranscriptEntry): string {
  const time = e.at ? when(e.at).slice(11) : '--:--:--';
  const head = `${time} ${ENTRY_LABEL[e.kind](e)}`;
  const pad = ' '.repeat(head.length);
  return head + e.text
    .split('\n')
    .map((line, i) => (i === 0 || line === '' ? line : pad + line))
    .join('\n');
}
