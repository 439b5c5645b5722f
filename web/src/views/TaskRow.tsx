import { Link, shortId } from '../components/ui';
import { paths, type TaskView } from '../router';
import type { State } from '../store';
import { PRIORITY_LABEL, STATUS_LABEL, TASK_PRIORITIES, TASK_STATUSES, type Session, type Task, type TaskPriority, type TaskStatus } from '../types';
import { completeTask, patchTask } from './taskActions';
import type { Shown, TaskTree } from './taskGrouping';
import { TaskRowMeta } from './TaskRowMeta';

/** One task of the tree, with its shown subtasks under it (collapsible). */
export function TaskRow(props: {
  task: Task;
  depth: number;
  state: State;
  tree: TaskTree;
  shown: Shown;
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
          <TaskRowMeta task={t} deps={deps} subtasks={allKids} status={props.status} view={props.view} />
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
