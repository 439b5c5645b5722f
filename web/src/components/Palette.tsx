import { Fragment } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { signOut } from '../auth';
import { navigate, paths } from '../router';
import { getState, openDialog, projectSessions, projectTasks, selectProject, setState, useAppState, type State } from '../store';
import { STATUS_LABEL } from '../types';

interface Item {
  id: string;
  group: 'Actions' | 'Tasks' | 'Sessions' | 'Projects';
  label: string;
  hint?: string;
  keywords?: string;
  run: () => void;
}

function buildItems(s: State): Item[] {
  const pid = s.projectId;
  const items: Item[] = [];
  if (pid) {
    items.push(
      { id: 'new-task', group: 'Actions', label: 'New task', hint: 'Create a task', keywords: 'add create', run: () => openDialog({ kind: 'newTask' }) },
      {
        id: 'spawn',
        group: 'Actions',
        label: 'Spawn session',
        hint: 'Start an agent on tasks',
        keywords: 'agent worker start new',
        run: () => openDialog({ kind: 'spawn', taskIds: [] }),
      },
      { id: 'go-tasks', group: 'Actions', label: 'Go to tasks', keywords: 'tree list', run: () => navigate(paths.tasks(pid)) },
      { id: 'go-sessions', group: 'Actions', label: 'Go to sessions', keywords: 'agents list', run: () => navigate(paths.sessions(pid)) },
      {
        id: 'attention',
        group: 'Actions',
        label: 'Show tasks that need attention',
        hint: 'Blocked or needs input',
        keywords: 'filter blocked needs input',
        run: () => navigate(paths.tasks(pid, ['blocked', 'needs_input'])),
      },
      { id: 'open-tasks', group: 'Actions', label: 'Show open tasks', keywords: 'filter todo in progress', run: () => navigate(paths.tasks(pid, ['todo', 'in_progress', 'blocked', 'needs_input'])) },
    );
  }
  items.push(
    { id: 'new-project', group: 'Actions', label: 'New project', keywords: 'create add', run: () => openDialog({ kind: 'newProject' }) },
    { id: 'go-overview', group: 'Actions', label: 'Go to all projects', hint: 'Every session, inbox', keywords: 'overview sessions inbox messages attention', run: () => navigate(paths.overview()) },
    { id: 'go-projects', group: 'Actions', label: 'Go to projects', keywords: 'switch list', run: () => navigate(paths.projects()) },
    { id: 'go-library', group: 'Actions', label: 'Go to library', hint: 'Templates and skills', keywords: 'templates skills presets', run: () => navigate(paths.library()) },
    { id: 'new-template', group: 'Actions', label: 'New template', hint: 'A session preset', keywords: 'create add preset', run: () => openDialog({ kind: 'newTemplate' }) },
    {
      id: 'sign-out',
      group: 'Actions',
      label: 'Sign out',
      hint: 'This browser forgets its login',
      keywords: 'log out logout lock leave',
      run: () => void signOut(),
    },
  );
  for (const t of projectTasks(s, pid).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)))
    items.push({
      id: `task:${t.id}`,
      group: 'Tasks',
      label: t.title,
      hint: STATUS_LABEL[t.status],
      keywords: `${t.id} ${t.status} ${t.priority}`,
      run: () => navigate(paths.task(t.projectId, t.id)),
    });
  for (const x of projectSessions(s, pid))
    items.push({
      id: `session:${x.id}`,
      group: 'Sessions',
      label: x.name,
      hint: `${x.role} · ${STATUS_LABEL[x.status]}`,
      keywords: `${x.id} ${x.status} ${x.role} ${x.strategy} session`,
      run: () => navigate(paths.session(x.id)),
    });
  for (const p of s.projects)
    if (p.id !== pid)
      items.push({
        id: `project:${p.id}`,
        group: 'Projects',
        label: `Switch to ${p.name}`,
        hint: p.workingDir,
        keywords: `${p.id} project`,
        run: () => {
          selectProject(p.id);
          navigate(paths.tasks(p.id));
        },
      });
  return items;
}

function search(items: Item[], query: string): Item[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return items.slice(0, 40);
  const scored: Array<{ item: Item; score: number }> = [];
  for (const item of items) {
    const label = item.label.toLowerCase();
    const hay = `${label} ${(item.keywords ?? '').toLowerCase()} ${item.group.toLowerCase()}`;
    if (!words.every((w) => hay.includes(w))) continue;
    const score = (label.startsWith(words[0]!) ? 0 : label.includes(words[0]!) ? 1 : 2) + (item.group === 'Actions' ? 0 : 0.5);
    scored.push({ item, score });
  }
  return scored
    .sort((a, b) => a.score - b.score)
    .slice(0, 50)
    .map((x) => x.item);
}

export function Palette() {
  const s = useAppState();
  const open = s.paletteOpen;
  const dialog = useRef<HTMLDialogElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  // Our own dialog.close() also fires 'close' (asynchronously); only a close by the browser (Esc) must update the state.
  const closingOurselves = useRef(false);
  const items = useMemo(() => (open ? buildItems(s) : []), [open, s.tasks, s.sessions, s.projects, s.projectId]);
  const results = useMemo(() => search(items, query), [items, query]);

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) {
      setQuery('');
      setActive(0);
      d.showModal();
      input.current?.focus();
    } else if (!open && d.open) {
      closingOurselves.current = true;
      d.close();
    }
  }, [open]);

  useEffect(() => setActive(0), [query]);

  useEffect(() => {
    document.getElementById(`pal-opt-${active}`)?.scrollIntoView({ block: 'nearest' });
  }, [active]);

  const close = () => setState({ paletteOpen: false });
  const run = (item: Item | undefined) => {
    if (!item) return;
    close();
    item.run();
  };

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((a) => Math.min(results.length - 1, a + 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(0, a - 1));
    } else if (e.key === 'Home' && e.ctrlKey) {
      setActive(0);
    } else if (e.key === 'End' && e.ctrlKey) {
      setActive(results.length - 1);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      run(results[active]);
    }
  };

  let lastGroup = '';
  return (
    <dialog
      ref={dialog}
      class="palette"
      aria-label="Command palette"
      data-testid="palette"
      onClose={() => {
        if (closingOurselves.current) closingOurselves.current = false;
        else close();
      }}
      onClick={(e) => e.target === dialog.current && close()}
    >
      {open && (
        <div class="palette-body">
          <input
            ref={input}
            class="palette-input"
            type="text"
            role="combobox"
            aria-label="Search tasks, sessions and actions"
            aria-expanded="true"
            aria-controls="palette-list"
            aria-autocomplete="list"
            aria-activedescendant={results.length ? `pal-opt-${active}` : undefined}
            placeholder="Jump to a task or session, or run an action…"
            value={query}
            onInput={(e) => setQuery(e.currentTarget.value)}
            onKeyDown={onKey}
            data-testid="palette-input"
          />
          <ul id="palette-list" role="listbox" class="palette-list" aria-label="Results">
            {results.length === 0 && (
              <li class="palette-empty" role="presentation">
                Nothing matches “{query}”.
              </li>
            )}
            {results.map((item, i) => {
              const heading = item.group !== lastGroup ? item.group : null;
              lastGroup = item.group;
              return (
                <Fragment key={item.id}>
                  {heading && (
                    <li class="palette-group" role="presentation" aria-hidden="true">
                      {heading}
                    </li>
                  )}
                  <li
                    id={`pal-opt-${i}`}
                    role="option"
                    aria-selected={i === active}
                    class={`palette-item${i === active ? ' active' : ''}`}
                    data-testid="palette-item"
                    onMouseMove={() => i !== active && setActive(i)}
                    onClick={() => run(item)}
                  >
                    <span class="palette-label">{item.label}</span>
                    {item.hint && <span class="palette-hint">{item.hint}</span>}
                  </li>
                </Fragment>
              );
            })}
          </ul>
          <p class="palette-foot" aria-hidden="true">
            <kbd>↑</kbd>
            <kbd>↓</kbd> to move · <kbd>Enter</kbd> to open · <kbd>Esc</kbd> to close
          </p>
        </div>
      )}
    </dialog>
  );
}

/** Ctrl/Cmd+K anywhere opens (or closes) the palette. In the live terminal Ctrl+K belongs to the agent; Cmd+K still works. */
export function installPaletteShortcut(): void {
  window.addEventListener(
    'keydown',
    (e) => {
      if (e.key.toLowerCase() !== 'k' || !(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return;
      if (getState().auth !== 'ok') return;
      const target = e.target as HTMLElement | null;
      if (!e.metaKey && target?.closest?.('.term-host')) return;
      e.preventDefault();
      e.stopPropagation();
      setState((st) => ({ paletteOpen: !st.paletteOpen, dialog: null }));
    },
    { capture: true },
  );
}
