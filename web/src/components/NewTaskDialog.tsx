import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { putTask, toast } from '../store';
import { PRIORITY_LABEL, TASK_PRIORITIES, type Task, type TaskPriority } from '../types';
import { TaskPicker } from './TaskPicker';
import { Dialog, Field, FormFooter, useSubmit } from './ui';

export interface NewTaskRequest {
  parentId?: string;
}

export function NewTaskDialog(props: {
  open: boolean;
  projectId: string;
  tasks: Task[];
  parentId?: string;
  onClose: () => void;
  onCreated?: (task: Task) => void;
}) {
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [priority, setPriority] = useState<TaskPriority>('medium');
  const [parentId, setParentId] = useState('');
  const [deps, setDeps] = useState<string[]>([]);
  const { busy, errors, setErrors, submit } = useSubmit(['title', 'description', 'priority', 'parentId', 'dependencies']);

  useEffect(() => {
    if (!props.open) return;
    setTitle('');
    setDescription('');
    setPriority('medium');
    setParentId(props.parentId ?? '');
    setDeps([]);
    setErrors({});
  }, [props.open, props.parentId]);

  const create = (e: Event) => {
    e.preventDefault();
    if (!title.trim()) return setErrors({ title: 'Give the task a title.' });
    void submit(async () => {
      const task = await api.createTask({
        project: props.projectId,
        title: title.trim(),
        description: description.trim() || undefined,
        priority,
        parentId: parentId || undefined,
        dependencies: deps.length ? deps : undefined,
      });
      // The live socket will bring it too; adding it now makes the page feel instant.
      putTask(task, true);
      toast('success', `Task “${task.title}” created`);
      props.onCreated?.(task);
      props.onClose();
    });
  };

  return (
    <Dialog open={props.open} title="New task" onClose={props.onClose} testid="new-task-dialog" wide>
      <form onSubmit={create} class="form" noValidate>
        <Field label="Title" id="nt-title" error={errors.title}>
          <input
            id="nt-title"
            name="title"
            value={title}
            autoFocus
            required
            maxLength={500}
            aria-invalid={errors.title ? 'true' : undefined}
            placeholder="e.g. Add login rate limiting"
            onInput={(e) => setTitle(e.currentTarget.value)}
          />
        </Field>
        <Field label="Description" id="nt-desc" error={errors.description} hint="What done looks like. Markdown is fine.">
          <textarea id="nt-desc" name="description" rows={4} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </Field>
        <div class="row-2">
          <Field label="Priority" id="nt-priority" error={errors.priority}>
            <select id="nt-priority" value={priority} onChange={(e) => setPriority(e.currentTarget.value as TaskPriority)}>
              {TASK_PRIORITIES.map((p) => (
                <option value={p}>{PRIORITY_LABEL[p]}</option>
              ))}
            </select>
          </Field>
          <Field label="Parent task" id="nt-parent" error={errors.parentId}>
            <select id="nt-parent" value={parentId} onChange={(e) => setParentId(e.currentTarget.value)}>
              <option value="">None (top level)</option>
              {props.tasks.map((t) => (
                <option value={t.id}>{t.title}</option>
              ))}
            </select>
          </Field>
        </div>
        <TaskPicker
          id="nt-deps"
          project={props.projectId}
          label="Depends on"
          tasks={props.tasks}
          selected={deps}
          onChange={setDeps}
          error={errors.dependencies}
          hint="Tasks that must be done before this one is ready."
        />
        <FormFooter error={errors.form} busy={busy} label="Create task" busyLabel="Creating…" testid="create-task-submit" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
