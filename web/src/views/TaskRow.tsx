import { Link, shortId } from '../components/ui';
import { paths, type TaskView } from '../router';
import { taskById, type State, type TaskList } from '../store';
import { PRIORITY_LABEL, STATUS_LABEL, TASK_PRIORITIES, TASK_STATUSES, type Session, type Task, type TaskPriority, type TaskStatus } from '../types';
import { completeTask, patchTask } from './taskActions';
import { TaskRowMeta } from './TaskRowMeta';

/**
 * One task of the list, one row high (the virtual list needs every row the same height). In the tree,
 * its subtasks are the rows under it, loaded when it is expanded: `kids` says whether it has any
 * (`maybe`: not known until they are loaded).
 */
export function TaskRow(props: {
  task: Task;
  depth: number;
  /** Its place in the whole list and the list's length (the page holds only the rows in view). */
  position: number;
  size: number;
  state: State;
  kids: 'yes' | 'no' | 'maybe';
  childList: TaskList | undefined;
  expanded: boolean;
  toggle: (id: string) => void;
  sessions: Session[];
  status: TaskStatus[];
  view: TaskView | null;
  selectedId: string | null;
}) {
  const { task: t, state: s } = props;
  const assignee = t.assignee ? s.sessions[t.assignee] : undefined;
  const deps = t.dependencies.map((id) => taskById(s, id)).filter((d): d is Task => !!d);
  const finished = t.status === 'done' || t.status === 'cancelled';
  const href = paths.task(t.projectId, t.id, props.status, props.view);
  const children = props.childList?.loaded ? props.childList : undefined;
  const childTasks = children?.complete ? children.ids.map((id) => s.tasks[id]).filter((k): k is Task => !!k) : null;
  return (
    <li
      class="task-item"
      aria-posinset={props.position}
      aria-setsize={props.size}
      data-testid="task-row"
      data-task-id={t.id}
      data-status={t.status}
      data-parent-id={t.parentId ?? undefined}
    >
      <div class={`task-row${props.selectedId === t.id ? ' selected' : ''}${finished ? ' finished' : ''}${t.status === 'cancelled' ? ' cancelled' : ''}`} style={{ '--depth': props.depth }}>
        {props.kids !== 'no' ? (
          <button
            type="button"
            class={`twisty${props.kids === 'maybe' ? ' unknown' : ''}`}
            aria-expanded={props.expanded}
            aria-label={`${props.expanded ? 'Collapse' : 'Expand'} subtasks of ${t.title}`}
            data-testid="task-expand"
            onClick={() => props.toggle(t.id)}
          >
            <span aria-hidden="true">{props.expanded ? '▾' : '▸'}</span>
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
          <TaskRowMeta
            task={t}
            deps={deps}
            subtasks={childTasks}
            subtaskCount={children ? children.total : null}
            status={props.status}
            view={props.view}
          />
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
    </li>
  );
}
