import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, errorMessage } from '../api';
import { navigate, paths } from '../router';
import { setState, toast } from '../store';
import { SESSION_ROLES, SESSION_STRATEGIES, type SessionRole, type SessionStrategy, type Task } from '../types';
import { TaskPicker } from './TaskPicker';
import { Dialog, Field } from './ui';

const AGENT_KEY = 'maestro.agentCommand';

export function SpawnDialog(props: { open: boolean; projectId: string; tasks: Task[]; taskIds: string[]; onClose: () => void }) {
  const [taskIds, setTaskIds] = useState<string[]>([]);
  const [role, setRole] = useState<SessionRole>('worker');
  const [strategy, setStrategy] = useState<SessionStrategy>('simple');
  const [name, setName] = useState('');
  const [agentCommand, setAgentCommand] = useState('');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});

  useEffect(() => {
    if (!props.open) return;
    setTaskIds(props.taskIds);
    setRole('worker');
    setStrategy(props.taskIds.length > 1 ? 'queue' : 'simple');
    setName('');
    try {
      setAgentCommand(localStorage.getItem(AGENT_KEY) ?? '');
    } catch {
      setAgentCommand('');
    }
    setErrors({});
  }, [props.open, props.taskIds.join()]);

  const open = props.tasks.filter((t) => t.status !== 'done' && t.status !== 'cancelled');

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const cmd = agentCommand.trim();
      const { session } = await api.spawn({
        project: props.projectId,
        taskIds,
        role,
        strategy,
        ...(cmd ? { agentCommand: cmd } : {}),
        ...(name.trim() ? { name: name.trim() } : {}),
      });
      try {
        if (cmd) localStorage.setItem(AGENT_KEY, cmd);
      } catch {
        /* private mode */
      }
      setState((s) => ({ sessions: { ...s.sessions, [session.id]: s.sessions[session.id] ?? session } }));
      toast('success', `Session ${session.name} spawned`);
      props.onClose();
      navigate(paths.session(session.id));
    } catch (err) {
      if (err instanceof ApiError && err.field) setErrors({ [err.field.split('.')[0]!]: err.message });
      else setErrors({ form: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={props.open} title="Spawn a session" onClose={props.onClose} testid="spawn-dialog" wide>
      <form class="form" onSubmit={submit} noValidate>
        <TaskPicker
          id="sp-tasks"
          label="Tasks"
          tasks={open}
          selected={taskIds}
          onChange={setTaskIds}
          error={errors.taskIds}
          hint="In queue mode the agent works on them one at a time, in this order."
          testid="spawn-tasks"
        />
        <div class="row-2">
          <Field label="Role" id="sp-role" error={errors.role}>
            <select id="sp-role" value={role} onChange={(e) => setRole(e.currentTarget.value as SessionRole)}>
              {SESSION_ROLES.map((r) => (
                <option value={r}>{r === 'worker' ? 'Worker' : 'Orchestrator'}</option>
              ))}
            </select>
          </Field>
          <Field label="Strategy" id="sp-strategy" error={errors.strategy}>
            <select id="sp-strategy" value={strategy} onChange={(e) => setStrategy(e.currentTarget.value as SessionStrategy)}>
              {SESSION_STRATEGIES.map((s) => (
                <option value={s}>{s === 'simple' ? 'Simple: all tasks at once' : 'Queue: one task at a time'}</option>
              ))}
            </select>
          </Field>
        </div>
        <div class="row-2">
          <Field label="Name (optional)" id="sp-name" error={errors.name}>
            <input id="sp-name" value={name} maxLength={100} placeholder="e.g. auth-worker" onInput={(e) => setName(e.currentTarget.value)} />
          </Field>
          <Field label="Agent command (optional)" id="sp-agent" error={errors.agentCommand} hint="Empty: the server’s default agent.">
            <input
              id="sp-agent"
              value={agentCommand}
              class="mono"
              placeholder="e.g. claude"
              spellcheck={false}
              onInput={(e) => setAgentCommand(e.currentTarget.value)}
            />
          </Field>
        </div>
        {errors.form && (
          <p class="error-text" role="alert">
            {errors.form}
          </p>
        )}
        <div class="form-actions">
          <button type="button" class="btn" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="btn primary" disabled={busy} data-testid="spawn-submit">
            {busy ? 'Spawning…' : 'Spawn session'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
