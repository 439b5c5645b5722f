import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { Empty, Spinner } from '../components/ui';
import { navigate, paths, type TaskView } from '../router';
import { listKey, loadTaskCounts, loadUntil, projectSessions, taskById, useAppState } from '../store';
import { TASK_STATUSES, type TaskStatus } from '../types';
import { Board } from './TaskBoard';
import { isTree, parseStatusFilter, storedView, storeView, taskSources, type SortMode } from './taskGrouping';
import { TaskPanel } from './TaskPanel';
import { TaskList } from './TaskList';
import { TasksEmpty } from './TasksEmpty';
import { TasksHeader } from './TasksHeader';
import { TasksToolbar } from './TasksToolbar';

/** The search box's text once the user paused typing: one server search per pause, not per key. */
function useSettled(text: string, ms = 250): string {
  const [settled, setSettled] = useState(text);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(text), ms);
    return () => clearTimeout(timer);
  }, [text]);
  return settled;
}

/**
 * The task page of a project: the head, the filters, the tasks as a tree or a board, and the selected
 * task's panel. Filters and the view live in the address; search, sort and expanded rows here. Nothing
 * here holds the project's tasks: the lists load the pages they show (taskLists.ts), the counts come
 * from the server.
 */
export function TasksView(props: { projectId: string; taskId: string | null; status: string[]; view: TaskView | null }) {
  const s = useAppState();
  const { projectId } = props;
  const sessions = projectSessions(s, projectId);
  const project = s.projects.find((p) => p.id === projectId);
  const [sort, setSort] = useState<SortMode>('created');
  const [text, setText] = useState('');
  const search = useSettled(text.trim());
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const statusFilter = parseStatusFilter(props.status);
  const view: TaskView = props.view ?? storedView();
  const setView = (v: TaskView) => {
    storeView(v);
    navigate(props.taskId ? paths.task(projectId, props.taskId, statusFilter, v) : paths.tasks(projectId, statusFilter, v), { replace: true });
  };

  // Live events keep them current; those of a project out of view are dropped (events.ts) and asked again here.
  const counts = s.taskCounts[projectId];
  useEffect(() => {
    if (!counts) loadTaskCounts(projectId).catch(() => undefined);
  }, [projectId, !counts]);

  const sources = useMemo(() => taskSources(projectId, statusFilter, search, sort), [projectId, statusFilter.join(), search, sort]);
  const columns = statusFilter.length ? TASK_STATUSES.filter((st) => statusFilter.includes(st)) : [...TASK_STATUSES];

  // The first page of what the page shows, before the list is drawn (it then asks for what is in view).
  useEffect(() => {
    if (view === 'tree') for (const src of sources) loadUntil(src.query);
  }, [sources, view]);
  const lists = sources.map((src) => s.lists[listKey(src.query)]);
  const loading = view === 'tree' && lists.some((l) => !l?.loaded && !l?.error);
  const nothing = view === 'tree' && lists.every((l) => l?.loaded && l.total === 0);
  const filtered = statusFilter.length > 0 || !!search;

  const toggleStatus = (st: TaskStatus) => {
    const next = statusFilter.includes(st) ? statusFilter.filter((x) => x !== st) : [...statusFilter, st];
    navigate(props.taskId ? paths.task(projectId, props.taskId, next, props.view) : paths.tasks(projectId, next, props.view), { replace: true });
  };
  const clearStatus = () =>
    navigate(props.taskId ? paths.task(projectId, props.taskId, [], props.view) : paths.tasks(projectId, [], props.view), { replace: true });
  const toggleExpanded = useCallback((id: string) => {
    setExpanded((was) => {
      const next = new Set(was);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  }, []);

  const selected = props.taskId ? taskById(s, props.taskId) : undefined;

  return (
    <div class={`split${props.taskId ? ' has-panel' : ''}`}>
      <section class="page tasks-page" aria-labelledby="tasks-heading">
        <TasksHeader counts={counts} view={view} setView={setView} />
        <TasksToolbar
          counts={counts}
          statusFilter={statusFilter}
          toggleStatus={toggleStatus}
          clearStatus={clearStatus}
          text={text}
          setText={setText}
          sort={sort}
          setSort={setSort}
          showSort={view === 'tree'}
        />

        {view === 'board' && counts?.total === 0 && !filtered ? (
          <TasksEmpty project={project} showGetStarted={!!s.sessionsLoaded[projectId] && sessions.length === 0} />
        ) : view === 'board' ? (
          <Board projectId={projectId} columns={columns} search={search} state={s} status={props.status} view={props.view} selectedId={props.taskId} />
        ) : loading ? (
          <Spinner label="Loading tasks" />
        ) : nothing ? (
          filtered ? (
            <Empty title="No task matches the filter">
              <button type="button" class="btn" onClick={() => (setText(''), clearStatus())}>
                Clear filters
              </button>
            </Empty>
          ) : (
            <TasksEmpty project={project} showGetStarted={!!s.sessionsLoaded[projectId] && sessions.length === 0} />
          )
        ) : (
          <TaskList
            // Other filters are another list: it starts at its top, not where the last one was scrolled to.
            key={sources.map((src) => listKey(src.query)).join()}
            sources={sources}
            tree={isTree(sort, statusFilter, search)}
            expanded={expanded}
            toggleExpanded={toggleExpanded}
            state={s}
            sessions={sessions}
            status={statusFilter}
            view={props.view}
            selectedId={props.taskId}
          />
        )}
      </section>
      {props.taskId && (
        <TaskPanel
          key={props.taskId}
          projectId={projectId}
          taskId={props.taskId}
          task={selected}
          loaded={!!s.missingTasks[props.taskId]}
          closeHref={paths.tasks(projectId, statusFilter, props.view)}
        />
      )}
    </div>
  );
}
