import { useState } from 'preact/hooks';
import type { TaskView } from '../router';
import type { State } from '../store';
import { STATUS_LABEL, type Task, type TaskStatus } from '../types';
import { BoardCard, TASK_DRAG_TYPE } from './BoardCard';
import { completeTask, patchTask } from './taskActions';
import type { TaskSorter } from './taskGrouping';

/** The board: one column per status; cards move by drag and drop, or with their status menu (keyboard). */
export function Board(props: {
  tasks: Task[];
  columns: TaskStatus[];
  sorter: TaskSorter;
  state: State;
  status: string[];
  view: TaskView | null;
  selectedId: string | null;
}) {
  const s = props.state;
  const [over, setOver] = useState<TaskStatus | null>(null);
  const move = (taskId: string, to: TaskStatus) => {
    const t = s.tasks[taskId];
    if (!t || t.status === to) return;
    void (to === 'done' ? completeTask(t) : patchTask(t, { status: to }, 'move the task'));
  };
  return (
    <div class="board" data-testid="task-board">
      {props.columns.map((st) => {
        const cards = props.tasks.filter((t) => t.status === st).sort(props.sorter);
        return (
          <section
            key={st}
            class={`board-col${over === st ? ' drop' : ''}`}
            aria-labelledby={`col-${st}`}
            data-testid={`board-col-${st}`}
            onDragOver={(e) => {
              if (!e.dataTransfer?.types.includes(TASK_DRAG_TYPE)) return;
              e.preventDefault();
              if (over !== st) setOver(st);
            }}
            onDragLeave={(e) => {
              if (!(e.currentTarget as HTMLElement).contains(e.relatedTarget as Node | null)) setOver(null);
            }}
            onDrop={(e) => {
              e.preventDefault();
              setOver(null);
              const id = e.dataTransfer?.getData(TASK_DRAG_TYPE);
              if (id) move(id, st);
            }}
          >
            <h2 class="board-col-head" id={`col-${st}`}>
              <span class={`dot status-${st}`} aria-hidden="true" />
              {STATUS_LABEL[st]}
              <span class="chip-count">{cards.length}</span>
            </h2>
            <ul class="board-list">
              {cards.map((t) => (
                <BoardCard
                  key={t.id}
                  task={t}
                  state={s}
                  status={props.status}
                  view={props.view}
                  selected={props.selectedId === t.id}
                  move={move}
                />
              ))}
            </ul>
          </section>
        );
      })}
    </div>
  );
}
