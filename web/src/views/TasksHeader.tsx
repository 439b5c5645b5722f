import { PlusIcon } from '../components/icons';
import type { TaskView } from '../router';
import { openDialog } from '../store';
import type { Task } from '../types';

/** The head of the task page: the counts, the tree/board switch, and the spawn and new-task buttons. */
export function TasksHeader(props: { tasks: Task[]; done: number; view: TaskView; setView: (v: TaskView) => void }) {
  const { tasks, view, setView } = props;
  return (
    <header class="page-head">
      <div>
        <h1 id="tasks-heading">Tasks</h1>
        <p class="subtle" data-testid="task-count">
          {tasks.length} task{tasks.length === 1 ? '' : 's'} · {tasks.filter((t) => t.ready).length} ready ·{' '}
          {props.done} done
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
