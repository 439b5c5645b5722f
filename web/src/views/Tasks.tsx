import { useMemo, useState } from 'preact/hooks';
import { Empty, Spinner } from '../components/ui';
import { navigate, paths, type TaskView } from '../router';
import { projectSessions, projectTasks, useAppState } from '../store';
import { TASK_STATUSES, type TaskStatus } from '../types';
import { Board } from './TaskBoard';
import { buildTree, countByStatus, parseStatusFilter, storedView, storeView, taskSorter, type SortMode } from './taskGrouping';
import { TaskPanel } from './TaskPanel';
import { TaskRow } from './TaskRow';
import { TasksEmpty } from './TasksEmpty';
import { TasksHeader } from './TasksHeader';
import { TasksToolbar } from './TasksToolbar';

/**
 * The task page of a project: the head, the filters, the tasks as a tree or a board, and the
 * selected task's panel. Filters and the view live in the address; search, sort and collapsed rows here.
 */
export function TasksView(props: { projectId: string; taskId: string | null; status: string[]; view: TaskView | null }) {
  const s = useAppState();
  const { projectId } = props;
  const tasks = projectTasks(s, projectId);
  const sessions = projectSessions(s, projectId);
  const project = s.projects.find((p) => p.id === projectId);
  const [sort, setSort] = useState<SortMode>('created');
  const [text, setText] = useState('');
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const statusFilter = parseStatusFilter(props.status);
  const view: TaskView = props.view ?? storedView();
  const setView = (v: TaskView) => {
    storeView(v);
    navigate(props.taskId ? paths.task(projectId, props.taskId, statusFilter, v) : paths.tasks(projectId, statusFilter, v), { replace: true });
  };

  const counts = useMemo(() => countByStatus(tasks), [tasks]);

  const { roots, children, shown, matched } = useMemo(
    () => buildTree(tasks, statusFilter, text, taskSorter(sort, tasks)),
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
        <TasksHeader tasks={tasks} done={counts.done ?? 0} view={view} setView={setView} />
        <TasksToolbar
          total={tasks.length}
          counts={counts}
          statusFilter={statusFilter}
          toggleStatus={toggleStatus}
          clearStatus={clearStatus}
          text={text}
          setText={setText}
          sort={sort}
          setSort={setSort}
        />

        {!loaded && tasks.length === 0 ? (
          <Spinner label="Loading tasks" />
        ) : tasks.length === 0 ? (
          <TasksEmpty project={project} showGetStarted={!!s.sessionsLoaded[projectId] && sessions.length === 0} />
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
            sorter={taskSorter(sort, tasks)}
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
