import { STATUS_LABEL, TASK_STATUSES, type TaskStatus } from '../types';
import type { SortMode } from './taskGrouping';

/** The filters above the tasks: status chips, the search box and the sort order. */
export function TasksToolbar(props: {
  total: number;
  counts: Record<string, number>;
  statusFilter: TaskStatus[];
  toggleStatus: (st: TaskStatus) => void;
  clearStatus: () => void;
  text: string;
  setText: (text: string) => void;
  sort: SortMode;
  setSort: (sort: SortMode) => void;
}) {
  const { counts, statusFilter } = props;
  return (
    <div class="toolbar">
      <div class="chips" role="group" aria-label="Filter by status">
        <button type="button" class="chip" aria-pressed={statusFilter.length === 0} onClick={props.clearStatus}>
          All <span class="chip-count">{props.total}</span>
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
            {STATUS_LABEL[st]} <span class="chip-count">{counts[st] ?? 0}</span>
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
        <label class="inline-label">
          <span>Sort</span>
          <select aria-label="Sort tasks" value={props.sort} onChange={(e) => props.setSort(e.currentTarget.value as SortMode)}>
            <option value="created">Created</option>
            <option value="priority">Priority</option>
            <option value="status">Status</option>
          </select>
        </label>
      </div>
    </div>
  );
}
