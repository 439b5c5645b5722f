import { PlusIcon } from '../components/icons';
import type { TaskView } from '../router';
import type { TaskCounts } from '../api';
import { openDialog } from '../store';

/** The head of the task page: the counts (the server's), the tree/board switch, and the spawn and new-task buttons. */
export function TasksHeader(props: { counts: TaskCounts | undefined; view: TaskView; setView: (v: TaskView) => void }) {
  const { counts, view, setView } = props;
  return (
    <header class="page-head">
      <div>
        <h1 id="tasks-heading">Tasks</h1>
        <p class="subtle" data-testid="task-count">
          {counts ? (
            <>
              {counts.total.toLocaleString()} task{counts.total === 1 ? '' : 's'} · {counts.ready.toLocaleString()} ready ·{' '}
              {(counts.byStatus.done ?? 0).toLocaleString()} done
            </>
          ) : (
            '…'
          )}
        </p>
      </div>
      <div class="head-actions">
        <div class="segmented" role="group" aria-label="Show tasks as">
          <button type="button" aria-pressed={view === 'tree'} data-testid="view-tree" onClick={() => setView('tree')}>
            Tree
          </button>
          <button type="button" aria-pressed={view === 'board'} data-testid="view-board" onClick={() => setView('board')}>
            Board
          </button>
        </div>
        <button type="button" class="btn" onClick={() => openDialog({ kind: 'spawn', taskIds: [] })}>
          Spawn session
        </button>
        <button type="button" class="btn primary" data-testid="new-task" onClick={() => openDialog({ kind: 'newTask' })}>
          <PlusIcon /> New task
        </button>
      </div>
    </header>
  );
}
