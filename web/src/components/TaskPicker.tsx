import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../api';
import { cacheOnly } from '../store';
import type { Task } from '../types';
import { StatusBadge } from './ui';

/** Matches the server finds for a typed filter: enough to pick from, never a big project's every task. */
const SEARCH_LIMIT = 50;
/** Checkboxes drawn at most (selected ones first). */
const SHOWN_MAX = 200;

/**
 * A filterable checkbox list of tasks (dependencies, tasks of a new session). `tasks` are the choices
 * the page has; with `project`, a typed filter also asks the server (its search), and the tasks it finds
 * join the page's, so a task of a big project that no list has loaded can be picked too.
 */
export function TaskPicker(props: {
  id: string;
  project?: string;
  label: string;
  tasks: Task[];
  selected: string[];
  onChange: (ids: string[]) => void;
  error?: string;
  hint?: string;
  testid?: string;
}) {
  const [filter, setFilter] = useState('');
  useEffect(() => {
    const search = filter.trim();
    if (!props.project || !search) return;
    const timer = setTimeout(() => {
      api
        .taskPage({ project: props.project!, search, limit: SEARCH_LIMIT })
        .then((page) => cacheOnly(page.tasks))
        .catch(() => undefined); // the page's own choices still show
    }, 250);
    return () => clearTimeout(timer);
  }, [filter, props.project]);
  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    const list = f ? props.tasks.filter((t) => t.title.toLowerCase().includes(f) || t.id.includes(f)) : props.tasks;
    // Selected ones first, so they stay visible in a long list.
    return [...list].sort((a, b) => Number(props.selected.includes(b.id)) - Number(props.selected.includes(a.id)));
  }, [filter, props.tasks, props.selected]);
  // A big project's page may know thousands of tasks: the first ones show, the filter narrows to the rest.
  const hidden = Math.max(0, shown.length - SHOWN_MAX);
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
        {shown.slice(0, SHOWN_MAX).map((t) => {
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
      {hidden > 0 && <p class="hint">{hidden.toLocaleString()} more: type to narrow the list.</p>}
      {props.hint && !props.error && <p class="hint">{props.hint}</p>}
      {props.error && (
        <p class="error-text" role="alert">
          {props.error}
        </p>
      )}
    </fieldset>
  );
}
