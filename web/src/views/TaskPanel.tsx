import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { TaskPicker } from '../components/TaskPicker';
import { Empty, Field, Link, StatusBadge, shortId, useSubmit } from '../components/ui';
import { paths } from '../router';
import { listKey, loadUntil, openDialog, projectSessions, projectTasks, putTask, taskById, toast, useAppState } from '../store';
import { PRIORITY_LABEL, STATUS_LABEL, TASK_PRIORITIES, TASK_STATUSES, type Task, type TaskPriority, type TaskStatus } from '../types';
import { completeTask } from './taskActions';
import { subtreeIds } from './taskGrouping';
import { TaskFacts, TaskRelated } from './TaskPanelDetails';

/** Subtasks listed in the panel; the tree shows the rest. */
const SUBTASKS_SHOWN = 100;

type Draft = Partial<Pick<Task, 'title' | 'description' | 'status' | 'priority' | 'parentId' | 'dependencies' | 'assignee'>>;

export function TaskPanel(props: { projectId: string; taskId: string; task: Task | undefined; loaded: boolean; closeHref: string }) {
  const s = useAppState();
  const t = props.task;
  // Only the fields the user edited live in the draft; the rest follow the task as it changes live.
  const [draft, setDraft] = useState<Draft>({});
  // The version the edits were made on: saving sends it, so an agent's change made meanwhile is not overwritten unseen.
  const [baseVersion, setBaseVersion] = useState<number | null>(null);
  const { busy, errors, setErrors, submit } = useSubmit(['title', 'description', 'status', 'priority', 'parentId', 'assignee', 'dependencies']);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    headingRef.current?.focus();
  }, [props.taskId]);

  // Its subtasks: the first page of its children (a task with thousands links to the tree for the rest).
  const childQuery = { project: props.projectId, parent: props.taskId };
  const childrenStale = s.lists[listKey(childQuery)]?.stale;
  useEffect(() => void loadUntil(childQuery, SUBTASKS_SHOWN), [props.projectId, props.taskId, childrenStale]);

  if (!t) {
    return (
      <aside class="panel" aria-label="Task details" data-testid="task-panel">
        <div class="panel-head">
          <h2>Task</h2>
          <Link href={props.closeHref} class="icon-btn" aria-label="Close task details">
            ×
          </Link>
        </div>
        {props.loaded ? <Empty title={`Task ${props.taskId} was not found in this project.`} /> : <p class="subtle">Loading…</p>}
      </aside>
    );
  }

  // The choices of parent and dependencies: the tasks the page has seen (a big project's are not all loaded).
  const tasks = projectTasks(s, props.projectId);
  const sessions = projectSessions(s, props.projectId);
  const value = <K extends keyof Draft>(k: K): Task[K] => (k in draft ? (draft[k] as Task[K]) : t[k]);
  const set = <K extends keyof Draft>(k: K, v: Task[K]) => {
    setBaseVersion((b) => b ?? t.version);
    setDraft((d) => {
      const next = { ...d, [k]: v };
      if (JSON.stringify(v) === JSON.stringify(t[k])) delete next[k];
      return next;
    });
  };
  const dirty = Object.keys(draft).length > 0;
  const banned = subtreeIds(tasks, t.id);
  const parentChoices = tasks.filter((x) => !banned.has(x.id));
  const depChoices = tasks.filter((x) => x.id !== t.id);
  const children = s.lists[listKey(childQuery)];
  const subtasks = (children?.ids ?? []).slice(0, SUBTASKS_SHOWN).map((id) => s.tasks[id]).filter((x): x is Task => !!x);
  const dependents = tasks.filter((x) => x.dependencies.includes(t.id));
  const parent = t.parentId ? taskById(s, t.parentId) : undefined;

  const save = (e: Event) => {
    e.preventDefault();
    if (!dirty) return;
    if ('title' in draft && !draft.title?.trim()) return setErrors({ title: 'The title must not be empty.' });
    void submit(async () => {
      const patch = { ...draft, ...(draft.title ? { title: draft.title.trim() } : {}), ifVersion: baseVersion ?? t.version };
      const updated = await api.updateTask(t.id, patch).catch((err: unknown) => {
        if (!(err instanceof ApiError && err.code === 'conflict')) throw err;
        setBaseVersion(err.current ?? null); // a second save is a deliberate choice to apply the edits over it
        throw new Error('Someone changed this task while you were editing it (the panel shows their change). Your edits are kept: save again to apply them.');
      });
      putTask(updated);
      setDraft({});
      setBaseVersion(null);
      toast('success', 'Task saved');
    });
  };

  const finished = t.status === 'done' || t.status === 'cancelled';

  return (
    <aside class="panel" aria-labelledby="task-panel-title" data-testid="task-panel" data-task-id={t.id}>
      <div class="panel-head">
        <div class="panel-title-wrap">
          <p class="eyebrow">
            <span class="mono" title={t.id}>
              #{shortId(t.id)}
            </span>
            {parent && (
              <>
                {' '}
                · in <Link href={paths.task(props.projectId, parent.id)}>{parent.title}</Link>
              </>
            )}
          </p>
          <h2 id="task-panel-title" tabIndex={-1} ref={headingRef}>
            {t.title}
          </h2>
          <div class="panel-badges">
            <StatusBadge status={t.status} testid="panel-status" />
            {t.ready && <span class="tag ready">Ready</span>}
          </div>
        </div>
        <Link href={props.closeHref} class="icon-btn" aria-label="Close task details">
          ×
        </Link>
      </div>

      <div class="panel-actions">
        <button type="button" class="btn small success" disabled={finished} data-testid="panel-complete" onClick={() => void completeTask(t)}>
          ✓ Complete
        </button>
        <button type="button" class="btn small" data-testid="panel-spawn" onClick={() => openDialog({ kind: 'spawn', taskIds: [t.id] })}>
          Spawn session
        </button>
        <button type="button" class="btn small" onClick={() => openDialog({ kind: 'newTask', parentId: t.id })}>
          Add subtask
        </button>
      </div>

      <form class="form" onSubmit={save} noValidate data-testid="task-edit-form">
        <Field label="Title" id="tp-title" error={errors.title}>
          <input id="tp-title" value={value('title')} maxLength={500} onInput={(e) => set('title', e.currentTarget.value)} />
        </Field>
        <Field label="Description" id="tp-desc" error={errors.description}>
          <textarea id="tp-desc" rows={5} value={value('description')} onInput={(e) => set('description', e.currentTarget.value)} />
        </Field>
        <div class="row-2">
          <Field label="Status" id="tp-status" error={errors.status}>
            <select id="tp-status" value={value('status')} onChange={(e) => set('status', e.currentTarget.value as TaskStatus)}>
              {TASK_STATUSES.map((st) => (
                <option value={st}>{STATUS_LABEL[st]}</option>
              ))}
            </select>
          </Field>
          <Field label="Priority" id="tp-priority" error={errors.priority}>
            <select id="tp-priority" value={value('priority')} onChange={(e) => set('priority', e.currentTarget.value as TaskPriority)}>
              {TASK_PRIORITIES.map((p) => (
                <option value={p}>{PRIORITY_LABEL[p]}</option>
              ))}
            </select>
          </Field>
        </div>
        <div class="row-2">
          <Field label="Parent task" id="tp-parent" error={errors.parentId}>
            <select id="tp-parent" value={value('parentId') ?? ''} onChange={(e) => set('parentId', e.currentTarget.value || null)}>
              <option value="">None (top level)</option>
              {parentChoices.map((x) => (
                <option value={x.id}>{x.title}</option>
              ))}
            </select>
          </Field>
          <Field label="Assignee" id="tp-assignee" error={errors.assignee}>
            <select id="tp-assignee" value={value('assignee') ?? ''} onChange={(e) => set('assignee', e.currentTarget.value || null)}>
              <option value="">Unassigned</option>
              {sessions.map((x) => (
                <option value={x.id}>
                  {x.name} ({STATUS_LABEL[x.status]})
                </option>
              ))}
              {t.assignee && !sessions.some((x) => x.id === t.assignee) && <option value={t.assignee}>{t.assignee}</option>}
            </select>
          </Field>
        </div>
        <TaskPicker
          id="tp-deps"
          project={props.projectId}
          label="Depends on"
          tasks={depChoices}
          selected={value('dependencies')}
          onChange={(ids) => set('dependencies', ids)}
          error={errors.dependencies}
        />
        {errors.form && (
          <p class="error-text" role="alert">
            {errors.form}
          </p>
        )}
        <div class="form-actions sticky">
          <button type="button" class="btn" disabled={!dirty || busy} onClick={() => (setDraft({}), setErrors({}), setBaseVersion(null))}>
            Discard
          </button>
          <button type="submit" class="btn primary" disabled={!dirty || busy} data-testid="task-save">
            {busy ? 'Saving…' : 'Save changes'}
          </button>
        </div>
      </form>

      <TaskRelated projectId={props.projectId} subtasks={subtasks} dependents={dependents} />
      <TaskFacts task={t} />
    </aside>
  );
}
