import type { TaskCounts } from '../api';
import { STATUS_LABEL, TASK_STATUSES, type TaskStatus } from '../types';
import type { SortMode } from './taskGrouping';

/** The filters above the tasks: status chips (with the server's counts), the search box (the server searches) and the order. */
export function TasksToolbar(props: {
  counts: TaskCounts | undefined;
  statusFilter: TaskStatus[];
  toggleStatus: (st: TaskStatus) => void;
  clearStatus: () => void;
  text: string;
  setText: (text: string) => void;
  sort: SortMode;
  setSort: (sort: SortMode) => void;
  /** The board has its own layout (a column per status): no order to choose. */
  showSort: boolean;
}) {
  const { statusFilter } = props;
  const count = (n: number | undefined) => (props.counts ? (n ?? 0).toLocaleString() : '…');
  return (
    <div class="toolbar">
      <div class="chips" role="group" aria-label="Filter by status">
        <button type="button" class="chip" aria-pressed={statusFilter.length === 0} onClick={props.clearStatus}>
          All <span class="chip-count">{count(props.counts?.total)}</span>
        </button>
        {TASK_STATUSES.map((st) => (
          <button
            type="button"
            class={`chip chip-${st}`}
            aria-pressed={statusFilter.includes(st)}
            data-testid={`filter-${st}`}
            onClick={() => props.toggleStatus(st)}
          >
            <span class={`dot status-${st}`} aria-hidden="true" />
            {STATUS_LABEL[st]} <span class="chip-count">{count(props.counts?.byStatus[st])}</span>
          </button>
        ))}
      </div>
      <div class="toolbar-right">
        <input
          type="search"
          class="search"
          aria-label="Search tasks"
          placeholder="Search tasks…"
          value={props.text}
          onInput={(e) => props.setText(e.currentTarget.value)}
        />
        {props.showSort && (
          <label class="inline-label">
            <span>Show</span>
            <select aria-label="Sort tasks" value={props.sort} onChange={(e) => props.setSort(e.currentTarget.value as SortMode)}>
              <option value="created">Tree, by creation</option>
              <option value="status">Grouped by status</option>
              <option value="priority">Grouped by priority</option>
            </select>
          </label>
        )}
      </div>
    </div>
  );
}
