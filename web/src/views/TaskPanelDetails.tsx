import { Link, RelTime, StatusBadge } from '../components/ui';
import { paths } from '../router';
import type { Task } from '../types';

/** The read-only parts of the task panel: related tasks and dates. */

function MiniTaskList(props: { heading: string; projectId: string; tasks: Task[] }) {
  return (
    <>
      <h3>{props.heading}</h3>
      <ul class="mini-list">
        {props.tasks.map((x) => (
          <li>
            <StatusBadge status={x.status} /> <Link href={paths.task(props.projectId, x.id)}>{x.title}</Link>
          </li>
        ))}
      </ul>
    </>
  );
}

/** The task's subtasks, and the tasks that depend on it (nothing when it has neither). */
export function TaskRelated(props: { projectId: string; subtasks: Task[]; dependents: Task[] }) {
  const { subtasks, dependents } = props;
  if (subtasks.length === 0 && dependents.length === 0) return null;
  return (
    <div class="panel-section">
      {subtasks.length > 0 && <MiniTaskList heading="Subtasks" projectId={props.projectId} tasks={subtasks} />}
      {dependents.length > 0 && <MiniTaskList heading="Needed by" projectId={props.projectId} tasks={dependents} />}
    </div>
  );
}

/** When the task was created, updated and completed, and its full id. */
export function TaskFacts({ task: t }: { task: Task }) {
  return (
    <dl class="facts">
      <dt>Created</dt>
      <dd>
        <RelTime iso={t.createdAt} />
      </dd>
      <dt>Updated</dt>
      <dd>
        <RelTime iso={t.updatedAt} />
      </dd>
      {t.completedAt && (
        <>
          <dt>Completed</dt>
          <dd>
            <RelTime iso={t.completedAt} />
          </dd>
        </>
      )}
      <dt>Id</dt>
      <dd class="mono">{t.id}</dd>
    </dl>
  );
}
