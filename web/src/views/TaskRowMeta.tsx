import { Link, shortId } from '../components/ui';
import { paths, type TaskView } from '../router';
import { STATUS_LABEL, type Task, type TaskStatus } from '../types';

/** The line under a task's title in the tree: id, readiness, dependencies and subtask progress. */
export function TaskRowMeta(props: {
  task: Task;
  deps: Task[];
  /** Its subtasks when all are loaded (null: not all, or not loaded); `subtaskCount` their number when known. */
  subtasks: Task[] | null;
  subtaskCount: number | null;
  status: TaskStatus[];
  view: TaskView | null;
}) {
  const { task: t, deps, subtasks, subtaskCount } = props;
  const waiting = deps.filter((d) => d.status !== 'done');
  return (
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
      {subtasks && subtasks.length > 0 ? (
        <span class="subtle">
          {subtasks.filter((k) => k.status === 'done').length}/{subtasks.length} subtasks done
        </span>
      ) : subtaskCount ? (
        <span class="subtle">{subtaskCount} subtasks</span>
      ) : null}
    </div>
  );
}
