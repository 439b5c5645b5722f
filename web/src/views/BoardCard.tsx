import { Link, PriorityBadge } from '../components/ui';
import { paths, type TaskView } from '../router';
import { taskById, type State } from '../store';
import { STATUS_LABEL, TASK_STATUSES, type Task, type TaskStatus } from '../types';

/** The drag-and-drop payload type of a board card: the task id. */
export const TASK_DRAG_TYPE = 'text/x-maestro-task';

/** One card of the board: draggable to another column, or moved with its status menu. */
export function BoardCard(props: {
  task: Task;
  state: State;
  status: string[];
  view: TaskView | null;
  selected: boolean;
  move: (taskId: string, to: TaskStatus) => void;
}) {
  const { task: t, state: s } = props;
  const parent = t.parentId ? taskById(s, t.parentId) : undefined;
  const assignee = t.assignee ? s.sessions[t.assignee] : undefined;
  const waiting = t.dependencies.filter((id) => s.tasks[id] && s.tasks[id]!.status !== 'done').length;
  return (
    <div
      class={`board-card${props.selected ? ' selected' : ''}`}
      draggable
      data-testid="board-card"
      data-task-id={t.id}
      data-status={t.status}
      onDragStart={(e) => {
        e.dataTransfer?.setData(TASK_DRAG_TYPE, t.id);
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
          onChange={(e) => props.move(t.id, e.currentTarget.value as TaskStatus)}
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
    </div>
  );
}
