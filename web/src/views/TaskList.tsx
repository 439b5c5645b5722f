import { useCallback, useMemo } from 'preact/hooks';
import { VirtualList } from '../components/VirtualList';
import type { TaskView } from '../router';
import { listKey, loadRows, loadUntil, retryList, type State } from '../store';
import { PRIORITY_LABEL, STATUS_LABEL, type Session, type TaskStatus } from '../types';
import { TaskRow } from './TaskRow';
import { buildRows, type Row, type RowSource } from './taskRows';

/** Rows past the ones in view that are loaded ahead, so scrolling on rarely meets a placeholder. */
const LOAD_AHEAD = 60;

/**
 * The task list: the tree (top level paged, an expanded task's children loaded then), a flat list of
 * matches, or one section per status. Only the rows in view are in the page (VirtualList); rows not
 * loaded yet are placeholders, and their pages load as they come into view (far down the list, only the
 * rows in view and a margin: taskLists.ts `loadRows`).
 */
export function TaskList(props: {
  sources: RowSource[];
  tree: boolean;
  expanded: ReadonlySet<string>;
  toggleExpanded: (id: string) => void;
  state: State;
  sessions: Session[];
  status: TaskStatus[];
  view: TaskView | null;
  selectedId: string | null;
}) {
  const s = props.state;
  const expanded = props.tree ? props.expanded : NONE;
  const rows = useMemo(() => buildRows(props.sources, s.lists, expanded), [props.sources, s.lists, expanded]);
  // Which tasks have children, as far as the page knows (a parent of a task it has seen).
  const parents = useMemo(() => new Set(Object.values(s.tasks).map((t) => t.parentId)), [s.tasks]);

  const onRange = useCallback(
    (first: number, last: number) => {
      // Rows near the loaded pages load the pages up to them; rows far past them (a jump) load alone, at their position.
      for (const want of rows.wanted(first, last + LOAD_AHEAD)) loadRows(want.query, want.from, want.count);
      // Lists made stale (reconnect, bulk import) load their first page again; the others have it.
      for (const query of rows.queries) loadUntil(query, 1);
    },
    [rows],
  );

  const renderRow = (i: number) => {
    const row = rows.at(i);
    if (row.kind === 'task') {
      const t = s.tasks[row.id];
      if (!t) return <li key={`t:${row.id}`} class="task-item placeholder" aria-hidden="true" />;
      const children = s.lists[listKey({ project: t.projectId, parent: t.id })];
      // Whether a task has subtasks is known once they were loaded (or one was seen); until then it may.
      const known = parents.has(t.id) || (children?.loaded && children.total > 0);
      const hasKids = !props.tree ? 'no' : known ? 'yes' : children?.loaded ? 'no' : 'maybe';
      return (
        <TaskRow
          key={`t:${t.id}`}
          task={t}
          depth={row.depth}
          position={i + 1}
          size={rows.count}
          state={s}
          kids={hasKids}
          childList={children}
          expanded={props.expanded.has(t.id)}
          toggle={props.toggleExpanded}
          sessions={props.sessions}
          status={props.status}
          view={props.view}
          selectedId={props.selectedId}
        />
      );
    }
    if (row.kind === 'head')
      return (
        <li key={`h:${row.section.value}`} class="task-section-head" data-testid={`section-${row.section.value}`}>
          {row.section.by === 'status' ? (
            <span class={`dot status-${row.section.value}`} aria-hidden="true" />
          ) : (
            <span class={`prio prio-${row.section.value}`} aria-hidden="true" />
          )}
          <h2>{row.section.by === 'status' ? STATUS_LABEL[row.section.value] : `${PRIORITY_LABEL[row.section.value]} priority`}</h2>
          <span class="chip-count">{row.total?.toLocaleString() ?? '…'}</span>
        </li>
      );
    return <GapRow key={`g:${row.key}:${row.index}`} row={row} state={s} />;
  };

  return (
    <VirtualList
      count={rows.count}
      rowHeight={57}
      renderRow={renderRow}
      onRange={onRange}
      class="task-scroller"
      listClass="task-tree"
      label="Task tree"
      testid="task-tree"
    />
  );
}

const NONE: ReadonlySet<string> = new Set();

/** A row whose page is on its way (or failed to load: then the retry). */
function GapRow(props: { row: Extract<Row, { kind: 'gap' }>; state: State }) {
  const list = props.state.lists[props.row.key];
  return (
    <li class="task-item placeholder" data-testid="task-placeholder" aria-busy={list?.error ? undefined : 'true'}>
      <div class="task-row" style={{ '--depth': props.row.depth }}>
        {list?.error ? (
          <span class="error-text">
            Could not load tasks: {list.error}{' '}
            <button type="button" class="btn small" onClick={() => retryList(props.row.key)}>
              Retry
            </button>
          </span>
        ) : (
          <span class="skeleton" aria-label="Loading" />
        )}
      </div>
    </li>
  );
}
