import { useMemo, useState } from 'preact/hooks';
import type { Task } from '../types';
import { StatusBadge } from './ui';

/** A filterable checkbox list of tasks (dependencies, tasks of a new session). */
export function TaskPicker(props: {
  id: string;
  label: string;
  tasks: Task[];
  selected: string[];
  onChange: (ids: string[]) => void;
  error?: string;
  hint?: string;
  testid?: string;
}) {
  const [filter, setFilter] = useState('');
  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    const list = f ? props.tasks.filter((t) => t.title.toLowerCase().includes(f) || t.id.includes(f)) : props.tasks;
    // Selected ones first, so they stay visible in a long list.
    return [...list].sort((a, b) => Number(props.selected.includes(b.id)) - Number(props.selected.includes(a.id)));
  }, [filter, props.tasks, props.selected]);
  const toggle = (id: string, on: boolean) =>
    props.onChange(on ? [...props.selected, id] : props.selected.filter((x) => x !== id));
  return (
    <fieldset class={`field picker${props.error ? ' has-error' : ''}`} data-testid={props.testid}>
      <legend>
        {props.label}
        {props.selected.length > 0 && <span class="count-pill">{props.selected.length} selected</span>}
      </legend>
      {props.tasks.length > 6 && (
        <input
          type="search"
          class="picker-filter"
          placeholder="Filter tasks…"
          aria-label={`Filter ${props.label.toLowerCase()}`}
          value={filter}
          onInput={(e) => setFilter(e.currentTarget.value)}
        />
      )}
      <div class="picker-list" role="group" aria-label={props.label}>
        {props.tasks.length === 0 && <p class="hint">No tasks to choose from.</p>}
        {shown.map((t) => {
          const cid = `${props.id}-${t.id}`;
          return (
            <label key={t.id} class="picker-item" for={cid}>
              <input
                id={cid}
                type="checkbox"
                checked={props.selected.includes(t.id)}
                onChange={(e) => toggle(t.id, e.currentTarget.checked)}
              />
              <span class="picker-title">{t.title}</span>
              <StatusBadge status={t.status} />
            </label>
          );
        })}
      </div>
      {props.hint && !props.error && <p class="hint">{props.hint}</p>}
      {props.error && (
        <p class="error-text" role="alert">
          {props.error}
        </p>
      )}
    </fieldset>
  );
}
