import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { VirtualList } from '../components/VirtualList';
import type { TaskView } from '../router';
import { listKey, loadUntil, type State, type TaskQuery } from '../store';
import { STATUS_LABEL, type TaskStatus } from '../types';
import { BoardCard, TASK_DRAG_TYPE } from './BoardCard';
import { completeTask, patchTask } from './taskActions';

/** Cards past the ones in view loaded ahead, so scrolling a column rarely meets a placeholder. */
const LOAD_AHEAD = 30;

/**
 * The board: one column per status, each its own paged list (the status's tasks, matching the search)
 * with the server's count in its head, only the cards in view in the page. Cards move by drag and drop,
 * or with their status menu (keyboard).
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
  const list = s.lists[listKey(query)];
  // Again when the list went stale (reconnect, bulk import).
  useEffect(() => void loadUntil(query), [query, list?.stale]);
  const ids = list?.ids ?? [];
  const count = !list?.loaded ? 0 : list.complete ? ids.length : Math.max(ids.length + 1, list.total);
  const onRange = useCallback((_first: number, last: number) => void loadUntil(query, last + LOAD_AHEAD), [query]);
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
          const t = i < ids.length ? s.tasks[ids[i]!] : undefined;
          if (!t)
            return (
              <li key={`g:${i}`} class="board-slot placeholder" aria-hidden="true">
                <div class="board-card skeleton-card" />
              </li>
            );
          return (
            <li key={t.id} class="board-slot">
              <BoardCard task={t} state={s} status={props.status} view={props.view} selected={props.selectedId === t.id} move={props.move} />
            </li>
          );
        }}
      />
    </section>
  );
}
