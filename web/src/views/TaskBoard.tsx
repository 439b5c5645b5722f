import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { VirtualList } from '../components/VirtualList';
import type { TaskView } from '../router';
import { listKey, loadRows, loadUntil, retryList, type State, type TaskQuery } from '../store';
import { STATUS_LABEL, type TaskStatus } from '../types';
import { BoardCard, TASK_DRAG_TYPE } from './BoardCard';
import { completeTask, patchTask } from './taskActions';
import { buildRows } from './taskRows';

/** Cards past the ones in view loaded ahead, so scrolling a column rarely meets a placeholder. */
const LOAD_AHEAD = 30;

const NONE: ReadonlySet<string> = new Set();

/**
 * The board: one column per status, each its own paged list (the status's tasks, matching the search)
 * with the server's count in its head, only the cards in view in the page. A column scrolled far down
 * loads only the cards there, at their position, as the task list does (taskLists.ts `loadRows`). Cards
 * move by drag and drop, or with their status menu (keyboard).
 */
export function Board(props: {
  projectId: string;
  columns: TaskStatus[];
  search: string;
  state: State;
  status: string[];
  view: TaskView | null;
  selectedId: string | null;
}) {
  const s = props.state;
  const move = useCallback((taskId: string, to: TaskStatus) => {
    const t = s.tasks[taskId];
    if (!t || t.status === to) return;
    void (to === 'done' ? completeTask(t) : patchTask(t, { status: to }, 'move the task'));
  }, [s.tasks]);
  return (
    <div class="board" data-testid="task-board">
      {props.columns.map((st) => (
        <BoardColumn key={st} {...props} column={st} move={move} />
      ))}
    </div>
  );
}

function BoardColumn(props: {
  projectId: string;
  column: TaskStatus;
  search: string;
  state: State;
  status: string[];
  view: TaskView | null;
  selectedId: string | null;
  move: (taskId: string, to: TaskStatus) => void;
}) {
  const { state: s, column: st } = props;
  const [over, setOver] = useState(false);
  const query = useMemo<TaskQuery>(
    () => ({ project: props.projectId, status: [st], ...(props.search ? { search: props.search } : {}) }),
    [props.projectId, st, props.search],
  );
  const key = listKey(query);
  const list = s.lists[key];
  // Again when the list went stale (reconnect, bulk import).
  useEffect(() => void loadUntil(query), [query, list?.stale]);
  // The column's cards as the task list's rows (one list, nothing expanded): its pages, then its window at its position.
  const rows = useMemo(() => buildRows([{ query }], list ? { [key]: list } : {}, NONE), [query, key, list]);
  const count = list?.loaded ? rows.count : 0;
  const onRange = useCallback(
    (first: number, last: number) => {
      // Cards near the loaded pages load the pages up to them; cards far past them (a jump) load alone, at their position.
      for (const want of rows.wanted(first, last + LOAD_AHEAD)) loadRows(want.query, want.from, want.count);
    },
    [rows],
  );
  return (
    <section
      class={`board-col${over ? ' drop' : ''}`}
      aria-labelledby={`col-${st}`}
      data-testid={`board-col-${st}`}
      onDragOver={(e) => {
        if (!e.dataTransfer?.types.includes(TASK_DRAG_TYPE)) return;
        e.preventDefault();
        if (!over) setOver(true);
      }}
      onDragLeave={(e) => {
        if (!(e.currentTarget as HTMLElement).contains(e.relatedTarget as Node | null)) setOver(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        const id = e.dataTransfer?.getData(TASK_DRAG_TYPE);
        if (id) props.move(id, st);
      }}
    >
      <h2 class="board-col-head" id={`col-${st}`}>
        <span class={`dot status-${st}`} aria-hidden="true" />
        {STATUS_LABEL[st]}
        <span class="chip-count" data-testid="column-count">
          {list?.loaded ? list.total.toLocaleString() : '…'}
        </span>
      </h2>
      <VirtualList
        count={count}
        rowHeight={132}
        minHeight={200}
        onRange={onRange}
        class="board-scroller"
        listClass="board-list"
        renderRow={(i) => {
          const row = rows.at(i);
          const t = row.kind === 'task' ? s.tasks[row.id] : undefined;
          if (!t)
            return (
              <li key={`g:${i}`} class="board-slot placeholder" aria-hidden={list?.error ? undefined : 'true'}>
                {list?.error ? (
                  <div class="board-card">
                    <span class="error-text">
                      Could not load tasks: {list.error}{' '}
                      <button type="button" class="btn small" onClick={() => retryList(key)}>
                        Retry
                      </button>
                    </span>
                  </div>
                ) : (
                  <div class="board-card skeleton-card" />
                )}
              </li>
            );
          return (
            <li key={t.id} class="board-slot" aria-posinset={i + 1} aria-setsize={count}>
              <BoardCard task={t} state={s} status={props.status} view={props.view} selected={props.selectedId === t.id} move={props.move} />
            </li>
          );
        }}
      />
    </section>
  );
}
