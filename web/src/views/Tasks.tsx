import { useMemo, useState } from 'preact/hooks';
import { api, errorMessage } from '../api';
import { GetStarted } from '../components/GetStarted';
import { Empty, Link, PriorityBadge, Spinner, shortId } from '../components/ui';
import { PlusIcon } from '../components/icons';
import { navigate, paths, type TaskView } from '../router';
import { openDialog, projectSessions, projectTasks, setState, toast, useAppState, type State } from '../store';
import {
  PRIORITY_LABEL,
  STATUS_LABEL,
  TASK_PRIORITIES,
  TASK_STATUSES,
  type Session,
  type Task,
  type TaskPriority,
  type TaskStatus,
} from '../types';
import { TaskPanel } from './TaskPanel';

type SortMode = 'created' | 'priority' | 'status';
const PRIORITY_RANK: Record<TaskPriority, number> = { critical: 0, high: 1, medium: 2, low: 3 };
const STATUS_RANK: Record<TaskStatus, number> = { needs_input: 0, blocked: 1, in_progress: 2, todo: 3, done: 4, cancelled: 5 };

/** Sorters; `rank` is the server's creation order (tasks arrive ordered by their sequence number). */
const sorter = (mode: SortMode, rank: Map<string, number>) => {
  const created = (a: Task, b: Task) => (rank.get(a.id) ?? 0) - (rank.get(b.id) ?? 0) || a.createdAt.localeCompare(b.createdAt);
  if (mode === 'priority') return (a: Task, b: Task) => PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || created(a, b);
  if (mode === 'status') return (a: Task, b: Task) => STATUS_RANK[a.status] - STATUS_RANK[b.status] || created(a, b);
  return created;
};

/** Patches a task and shows the server's answer at once (the live event confirms it a moment later). */
export async function patchTask(task: Task, patch: Parameters<typeof api.updateTask>[1], what: string): Promise<boolean> {
  try {
    const updated = await api.updateTask(task.id, patch);
    setState((s) => ({ tasks: { ...s.tasks, [updated.id]: updated } }));
    return true;
  } catch (err) {
    toast('error', `Could not ${what}: ${errorMessage(err)}`);
    return false;
  }
}

export async function completeTask(task: Task): Promise<void> {
  try {
    const updated = await api.completeTask(task.id);
    setState((s) => ({ tasks: { ...s.tasks, [updated.id]: updated } }));
    toast('success', `“${task.title}” is done`);
  } catch (err) {
    toast('error', `Could not complete the task: ${errorMessage(err)}`);
  }
}

const VIEW_KEY = 'maestro.taskView';
const storedView = (): TaskView => {
  try {
    return localStorage.getItem(VIEW_KEY) === 'board' ? 'board' : 'tree';
  } catch {
    return 'tree';
  }
};

export function TasksView(props: { projectId: string; taskId: string | null; status: string[]; view: TaskView | null }) {
  const s = useAppState();
  const { projectId } = props;
  const tasks = projectTasks(s, projectId);
  const sessions = projectSessions(s, projectId);
  const project = s.projects.find((p) => p.id === projectId);
  const [sort, setSort] = useState<SortMode>('created');
  const [text, setText] = useState('');
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const statusFilter = props.status.filter((x): x is TaskStatus => (TASK_STATUSES as readonly string[]).includes(x));
  const view: TaskView = props.view ?? storedView();
  const setView = (v: TaskView) => {
    try {
      localStorage.setItem(VIEW_KEY, v);
    } catch {
      /* private mode */
    }
    navigate(props.taskId ? paths.task(projectId, props.taskId, statusFilter, v) : paths.tasks(projectId, statusFilter, v), { replace: true });
  };

  const counts = useMemo(() => {
    const c: Record<string, number> = {};
    for (const t of tasks) c[t.status] = (c[t.status] ?? 0) + 1;
    return c;
  }, [tasks]);

  const { roots, children, shown, matched } = useMemo(
    () => buildTree(tasks, statusFilter, text, sorter(sort, new Map(tasks.map((t, i) => [t.id, i])))),
    [tasks, statusFilter.join(), text, sort],
  );

  const toggleStatus = (st: TaskStatus) => {
    const next = statusFilter.includes(st) ? statusFilter.filter((x) => x !== st) : [...statusFilter, st];
    navigate(props.taskId ? paths.task(projectId, props.taskId, next, props.view) : paths.tasks(projectId, next, props.view), { replace: true });
  };
  const clearStatus = () =>
    navigate(props.taskId ? paths.task(projectId, props.taskId, [], props.view) : paths.tasks(projectId, [], props.view), { replace: true });

  const selected = props.taskId ? s.tasks[props.taskId] : undefined;
  const loaded = s.tasksLoaded[projectId];

  return (
    <div class={`split${props.taskId ? ' has-panel' : ''}`}>
      <section class="page tasks-page" aria-labelledby="tasks-heading">
        <header class="page-head">
          <div>
            <h1 id="tasks-heading">Tasks</h1>
            <p class="subtle" data-testid="task-count">
              {tasks.length} task{tasks.length === 1 ? '' : 's'} · {tasks.filter((t) => t.ready).length} ready ·{' '}
              {counts.done ?? 0} done
            </p>
          </div>
          <div class="head-actions">
            <div class="segmented" role="group" aria-label="Show tasks as">
              <button type="button" aria-pressed={view === 'tree'} data-testid="view-tree" onClick={() => setView('tree')}>
                Tree
              </button>
              <button type="button" aria-pressed={view === 'board'} data-testid="view-board" onClick={() => setView('board')}>
                Board
              </button>
            </div>
            <button type="button" class="btn" onClick={() => openDialog({ kind: 'spawn', taskIds: [] })}>
              Spawn session
            </button>
            <button type="button" class="btn primary" data-testid="new-task" onClick={() => openDialog({ kind: 'newTask' })}>
              <PlusIcon /> New task
            </button>
          </div>
        </header>

        <div class="toolbar">
          <div class="chips" role="group" aria-label="Filter by status">
            <button type="button" class="chip" aria-pressed={statusFilter.length === 0} onClick={clearStatus}>
              All <span class="chip-count">{tasks.length}</span>
            </button>
            {TASK_STATUSES.map((st) => (
              <button
                type="button"
                class={`chip chip-${st}`}
                aria-pressed={statusFilter.includes(st)}
                data-testid={`filter-${st}`}
                onClick={() => toggleStatus(st)}
              >
                <span class={`dot status-${st}`} aria-hidden="true" />
                {STATUS_LABEL[st]} <span class="chip-count">{counts[st] ?? 0}</span>
              </button>
            ))}
          </div>
          <div class="toolbar-right">
            <input
              type="search"
              class="search"
              aria-label="Search tasks"
              placeholder="Search tasks…"
              value={text}
              onInput={(e) => setText(e.currentTarget.value)}
            />
            <label class="inline-label">
              <span>Sort</span>
              <select aria-label="Sort tasks" value={sort} onChange={(e) => setSort(e.currentTarget.value as SortMode)}>
                <option value="created">Created</option>
                <option value="priority">Priority</option>
                <option value="status">Status</option>
              </select>
            </label>
          </div>
        </div>

        {!loaded && tasks.length === 0 ? (
          <Spinner label="Loading tasks" />
        ) : tasks.length === 0 ? (
          <>
            <Empty title="No tasks yet" testid="tasks-empty">
              <p>Create the first task of this project, or let an orchestrator split the work.</p>
              <button type="button" class="btn primary" onClick={() => openDialog({ kind: 'newTask' })}>
                New task
              </button>
            </Empty>
            {/* A project with nothing in it yet is where a new user lands: how to put agents to work. */}
            {project && s.sessionsLoaded[projectId] && sessions.length === 0 && <GetStarted project={project} />}
          </>
        ) : matched === 0 ? (
          <Empty title="No task matches the filter">
            <button type="button" class="btn" onClick={() => (setText(''), clearStatus())}>
              Clear filters
            </button>
          </Empty>
        ) : view === 'board' ? (
          <Board
            tasks={tasks.filter((t) => shown.get(t.id) === 'match')}
            columns={statusFilter.length ? TASK_STATUSES.filter((st) => statusFilter.includes(st)) : [...TASK_STATUSES]}
            sorter={sorter(sort, new Map(tasks.map((t, i) => [t.id, i])))}
            state={s}
            status={props.status}
            view={props.view}
            selectedId={props.taskId}
          />
        ) : (
          <ul class="task-tree" data-testid="task-tree" aria-label="Task tree">
            {roots.map((t) => (
              <TaskRow
                key={t.id}
                task={t}
                depth={0}
                state={s}
                tree={children}
                shown={shown}
                collapsed={collapsed}
                setCollapsed={setCollapsed}
                sessions={sessions}
                status={statusFilter}
                view={props.view}
                selectedId={props.taskId}
              />
            ))}
          </ul>
        )}
      </section>
      {props.taskId && (
        <TaskPanel
          key={props.taskId}
          projectId={projectId}
          taskId={props.taskId}
          task={selected}
          loaded={!!loaded}
          closeHref={paths.tasks(projectId, statusFilter, props.view)}
        />
      )}
    </div>
  );
}

function buildTree(tasks: Task[], status: TaskStatus[], text: string, sorter: (a: Task, b: Task) => number) {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const children = new Map<string | null, Task[]>();
  for (const t of tasks) {
    const parent = t.parentId && byId.has(t.parentId) ? t.parentId : null;
    const list = children.get(parent) ?? [];
    list.push(t);
    children.set(parent, list);
  }
  for (const list of children.values()) list.sort(sorter);
  const q = text.trim().toLowerCase();
  const matches = (t: Task) =>
    (status.length === 0 || status.includes(t.status)) &&
    (!q || t.title.toLowerCase().includes(q) || t.id.toLowerCase().includes(q) || t.description.toLowerCase().includes(q));
  // A task is shown when it matches, or when a descendant does (then it is shown dimmed, for context).
  const shown = new Map<string, 'match' | 'context'>();
  let matched = 0;
  for (const t of tasks) {
    if (!matches(t)) continue;
    matched++;
    shown.set(t.id, 'match');
    for (let p = t.parentId ? byId.get(t.parentId) : undefined; p && !shown.has(p.id); p = p.parentId ? byId.get(p.parentId) : undefined)
      shown.set(p.id, 'context');
  }
  const roots = (children.get(null) ?? []).filter((t) => shown.has(t.id));
  return { roots, children, shown, matched };
}

function TaskRow(props: {
  task: Task;
  depth: number;
  state: State;
  tree: Map<string | null, Task[]>;
  shown: Map<string, 'match' | 'context'>;
  collapsed: Set<string>;
  setCollapsed: (s: Set<string>) => void;
  sessions: Session[];
  status: TaskStatus[];
  view: TaskView | null;
  selectedId: string | null;
}) {
  const { task: t, state: s } = props;
  const kids = (props.tree.get(t.id) ?? []).filter((c) => props.shown.has(c.id));
  const allKids = props.tree.get(t.id) ?? [];
  const isCollapsed = props.collapsed.has(t.id);
  const assignee = t.assignee ? s.sessions[t.assignee] : undefined;
  const deps = t.dependencies.map((id) => s.tasks[id]).filter((d): d is Task => !!d);
  const waiting = deps.filter((d) => d.status !== 'done');
  const finished = t.status === 'done' || t.status === 'cancelled';
  const toggle = () => {
    const next = new Set(props.collapsed);
    if (isCollapsed) next.delete(t.id);
    else next.add(t.id);
    props.setCollapsed(next);
  };
  const href = paths.task(t.projectId, t.id, props.status, props.view);
  return (
    <li
      class={`task-item${props.shown.get(t.id) === 'context' ? ' context' : ''}`}
      data-testid="task-row"
      data-task-id={t.id}
      data-status={t.status}
    >
      <div class={`task-row${props.selectedId === t.id ? ' selected' : ''}${finished ? ' finished' : ''}${t.status === 'cancelled' ? ' cancelled' : ''}`} style={{ '--depth': props.depth }}>
        {allKids.length > 0 ? (
          <button
            type="button"
            class="twisty"
            aria-expanded={!isCollapsed}
            aria-label={`${isCollapsed ? 'Expand' : 'Collapse'} subtasks of ${t.title}`}
            onClick={toggle}
          >
            <span aria-hidden="true">{isCollapsed ? '▸' : '▾'}</span>
          </button>
        ) : (
          <span class="twisty-space" aria-hidden="true" />
        )}
        <select
          class={`status-select status-${t.status}`}
          aria-label={`Status of ${t.title}`}
          value={t.status}
          data-testid="task-status"
          onChange={(e) => {
            const v = e.currentTarget.value as TaskStatus;
            void (v === 'done' ? completeTask(t) : patchTask(t, { status: v }, 'change the status'));
          }}
        >
          {TASK_STATUSES.map((st) => (
            <option value={st}>{STATUS_LABEL[st]}</option>
          ))}
        </select>
        <div class="task-main">
          <Link href={href} class="task-title" data-testid="task-title">
            {t.title}
          </Link>
          <div class="task-meta">
            <span class="mono id" title={t.id}>
              #{shortId(t.id)}
            </span>
            {t.ready && <span class="tag ready">Ready</span>}
            {t.status === 'todo' && waiting.length > 0 && (
              <span class="tag waiting" title="Not ready: dependencies are not done">
                Waiting on {waiting.length}
              </span>
            )}
            {deps.length > 0 && (
              <span class="deps" data-testid="task-deps">
                <span class="deps-label">Depends on</span>
                {deps.map((d) => (
                  <Link
                    href={paths.task(d.projectId, d.id, props.status, props.view)}
                    class={`dep${d.status === 'done' ? ' done' : ''}`}
                    title={`${d.title} (${STATUS_LABEL[d.status]})`}
                  >
                    <span aria-hidden="true">{d.status === 'done' ? '✓' : '○'}</span> {d.title}
                  </Link>
                ))}
              </span>
            )}
            {allKids.length > 0 && (
              <span class="subtle">
                {allKids.filter((k) => k.status === 'done').length}/{allKids.length} subtasks done
              </span>
            )}
          </div>
        </div>
        <select
          class={`prio-select prio-${t.priority}`}
          aria-label={`Priority of ${t.title}`}
          value={t.priority}
          data-testid="task-priority"
          onChange={(e) => void patchTask(t, { priority: e.currentTarget.value as TaskPriority }, 'change the priority')}
        >
          {TASK_PRIORITIES.map((p) => (
            <option value={p}>{PRIORITY_LABEL[p]}</option>
          ))}
        </select>
        <div class="assignee" data-testid="task-assignee">
          {assignee ? (
            <Link href={paths.session(assignee.id)} title={`Assigned to ${assignee.name}`}>
              <span class="avatar" aria-hidden="true">
                {assignee.role === 'orchestrator' ? '◆' : '●'}
              </span>
              {assignee.name}
            </Link>
          ) : t.assignee ? (
            <span class="mono">{shortId(t.assignee)}</span>
          ) : (
            <span class="subtle">Unassigned</span>
          )}
        </div>
        <button
          type="button"
          class="icon-btn complete-btn"
          aria-label={`Complete ${t.title}`}
          title="Mark done"
          disabled={finished}
          data-testid="task-complete"
          onClick={() => void completeTask(t)}
        >
          ✓
        </button>
      </div>
      {kids.length > 0 && !isCollapsed && (
        <ul class="task-children">
          {kids.map((k) => (
            <TaskRow {...props} key={k.id} task={k} depth={props.depth + 1} />
          ))}
        </ul>
      )}
    </li>
  );
}


/** The board: one column per status; cards move by drag and drop, or with their status menu (keyboard). */
function Board(props: {
  tasks: Task[];
  columns: TaskStatus[];
  sorter: (a: Task, b: Task) => number;
  state: State;
  status: string[];
  view: TaskView | null;
  selectedId: string | null;
}) {
  const s = props.state;
  const [over, setOver] = useState<TaskStatus | null>(null);
  const move = (taskId: string, to: TaskStatus) => {
    const t = s.tasks[taskId];
    if (!t || t.status === to) return;
    void (to === 'done' ? completeTask(t) : patchTask(t, { status: to }, 'move the task'));
  };
  return (
    <div class="board" data-testid="task-board">
      {props.columns.map((st) => {
        const cards = props.tasks.filter((t) => t.status === st).sort(props.sorter);
        return (
          <section
            key={st}
            class={`board-col${over === st ? ' drop' : ''}`}
            aria-labelledby={`col-${st}`}
            data-testid={`board-col-${st}`}
            onDragOver={(e) => {
              if (!e.dataTransfer?.types.includes('text/x-maestro-task')) return;
              e.preventDefault();
              if (over !== st) setOver(st);
            }}
            onDragLeave={(e) => {
              if (!(e.currentTarget as HTMLElement).contains(e.relatedTarget as Node | null)) setOver(null);
            }}
            onDrop={(e) => {
              e.preventDefault();
              setOver(null);
              const id = e.dataTransfer?.getData('text/x-maestro-task');
              if (id) move(id, st);
            }}
          >
            <h2 class="board-col-head" id={`col-${st}`}>
              <span class={`dot status-${st}`} aria-hidden="true" />
              {STATUS_LABEL[st]}
              <span class="chip-count">{cards.length}</span>
            </h2>
            <ul class="board-list">
              {cards.map((t) => {
                const parent = t.parentId ? s.tasks[t.parentId] : undefined;
                const assignee = t.assignee ? s.sessions[t.assignee] : undefined;
                const waiting = t.dependencies.filter((id) => s.tasks[id] && s.tasks[id]!.status !== 'done').length;
                return (
                  <li
                    key={t.id}
                    class={`board-card${props.selectedId === t.id ? ' selected' : ''}`}
                    draggable
                    data-testid="board-card"
                    data-task-id={t.id}
                    data-status={t.status}
                    onDragStart={(e) => {
                      e.dataTransfer?.setData('text/x-maestro-task', t.id);
                      if (e.dataTransfer) e.dataTransfer.effectAllowed = 'move';
                    }}
                  >
                    {parent && <p class="eyebrow">in {parent.title}</p>}
                    <Link href={paths.task(t.projectId, t.id, props.status, props.view)} class="task-title" data-testid="task-title">
                      {t.title}
                    </Link>
                    <div class="task-meta">
                      <PriorityBadge priority={t.priority} />
                      {t.ready && <span class="tag ready">Ready</span>}
                      {t.status === 'todo' && waiting > 0 && <span class="tag waiting">Waiting on {waiting}</span>}
                      {t.dependencies.length > 0 && <span>{t.dependencies.length} dependenc{t.dependencies.length === 1 ? 'y' : 'ies'}</span>}
                    </div>
                    <div class="board-card-foot">
                      <select
                        class={`status-select status-${t.status}`}
                        aria-label={`Status of ${t.title}`}
                        value={t.status}
                        onChange={(e) => move(t.id, e.currentTarget.value as TaskStatus)}
                      >
                        {TASK_STATUSES.map((x) => (
                          <option value={x}>{STATUS_LABEL[x]}</option>
                        ))}
                      </select>
                      <span class="assignee">
                        {assignee ? (
                          <Link href={paths.session(assignee.id)}>{assignee.name}</Link>
                        ) : (
                          <span class="subtle">Unassigned</span>
                        )}
                      </span>
                    </div>
                  </li>
                );
              })}
            </ul>
          </section>
        );
      })}
    </div>
  );
}
