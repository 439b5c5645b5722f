import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { navigate, paths } from '../router';
import { loadTemplates, setState, toast, useAppState } from '../store';
import { ENV_NAME, ENV_NAME_RULE, type SessionRole, type SessionStrategy, type Task, type Template } from '../types';
import { AgentCommandField, RoleStrategyFields } from './SessionFields';
import { TaskPicker } from './TaskPicker';
import { Dialog, Field, FormFooter, useSubmit } from './ui';

const AGENT_KEY = 'maestro.agentCommand';

/**
 * The "Environment" field: one KEY=VALUE a line (the value runs to the end of the line and may hold
 * `=`; blank lines and `#` comments are skipped). Names follow the server's rule (src/core/constants.ts).
 */
export function parseEnv(text: string): { env: Record<string, string> } | { error: string } {
  const env: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) return { error: `Line ${i + 1}: write KEY=VALUE.` };
    const name = line.slice(0, eq).trim();
    if (!ENV_NAME.test(name)) return { error: `Line ${i + 1}: “${name}” is not a valid name: ${ENV_NAME_RULE}, not starting with a digit.` };
    if (name in env) return { error: `Line ${i + 1}: ${name} is set twice.` };
    env[name] = line.slice(eq + 1);
  }
  return { env };
}

const templateHint = (t: Template): string =>
  [t.description, t.skills.length ? `Skills: ${t.skills.join(', ')}.` : '', 'Fills role, strategy and agent command; you can still change them.']
    .filter(Boolean)
    .join(' ');

export function SpawnDialog(props: { open: boolean; projectId: string; tasks: Task[]; taskIds: string[]; onClose: () => void }) {
  const [taskIds, setTaskIds] = useState<string[]>([]);
  const [role, setRole] = useState<SessionRole>('worker');
  const [strategy, setStrategy] = useState<SessionStrategy>('simple');
  const [name, setName] = useState('');
  const [agentCommand, setAgentCommand] = useState('');
  const [envText, setEnvText] = useState('');
  const templates = useAppState().templates ?? [];
  const [templateId, setTemplateId] = useState('');
  const { busy, errors, setErrors, submit } = useSubmit(['taskIds', 'template', 'role', 'strategy', 'name', 'agentCommand', 'env']);

  useEffect(() => {
    if (!props.open) return;
    setTaskIds(props.taskIds);
    setRole('worker');
    setStrategy(props.taskIds.length > 1 ? 'queue' : 'simple');
    setName('');
    setEnvText('');
    setTemplateId('');
    try {
      setAgentCommand(localStorage.getItem(AGENT_KEY) ?? '');
    } catch {
      setAgentCommand('');
    }
    setErrors({});
    // Fetched each time the dialog opens (live events keep them current after); no picker when there is none.
    loadTemplates().catch(() => undefined);
  }, [props.open, props.taskIds.join()]);

  const open = props.tasks.filter((t) => t.status !== 'done' && t.status !== 'cancelled');
  const template = templates.find((t) => t.id === templateId);

  const pickTemplate = (id: string) => {
    setTemplateId(id);
    const t = templates.find((x) => x.id === id);
    if (!t) return;
    setRole(t.role);
    setStrategy(t.strategy);
    if (t.agentCommand) setAgentCommand(t.agentCommand);
  };

  const spawn = (e: Event) => {
    e.preventDefault();
    const parsed = parseEnv(envText);
    if ('error' in parsed) return setErrors({ env: parsed.error });
    void submit(async () => {
      const cmd = agentCommand.trim();
      const { session } = await api.spawn({
        project: props.projectId,
        taskIds,
        role,
        strategy,
        ...(template ? { template: template.id } : {}),
        ...(cmd ? { agentCommand: cmd } : {}),
        ...(name.trim() ? { name: name.trim() } : {}),
        ...(Object.keys(parsed.env).length ? { env: parsed.env } : {}),
      });
      try {
        if (cmd && cmd !== template?.agentCommand) localStorage.setItem(AGENT_KEY, cmd);
      } catch {
        /* private mode */
      }
      setState((s) => ({ sessions: { ...s.sessions, [session.id]: s.sessions[session.id] ?? session } }));
      toast('success', `Session ${session.name} spawned`);
      props.onClose();
      navigate(paths.session(session.id));
    });
  };

  return (
    <Dialog open={props.open} title="Spawn a session" onClose={props.onClose} testid="spawn-dialog" class="two-col">
      <form class="form form-cols" onSubmit={spawn} noValidate>
        <div class="form-col">
          <TaskPicker
            id="sp-tasks"
            project={props.projectId}
            label="Tasks"
            tasks={open}
            selected={taskIds}
            onChange={setTaskIds}
            error={errors.taskIds}
            hint="In queue mode the agent works on them one at a time, in this order."
            testid="spawn-tasks"
          />
          {templates.length > 0 && (
            <Field label="Template" id="sp-template" error={errors.template} hint={template ? templateHint(template) : 'Start from a saved session template.'}>
              <select id="sp-template" value={templateId} data-testid="spawn-template" onChange={(e) => pickTemplate(e.currentTarget.value)}>
                <option value="">None</option>
                {templates.map((t) => (
                  <option value={t.id}>{t.name}</option>
                ))}
              </select>
            </Field>
          )}
        </div>
        <div class="form-col">
          <RoleStrategyFields prefix="sp" role={role} strategy={strategy} onRole={setRole} onStrategy={setStrategy} errors={errors} />
          <Field label="Name (optional)" id="sp-name" error={errors.name}>
            <input id="sp-name" value={name} maxLength={100} placeholder="e.g. auth-worker" onInput={(e) => setName(e.currentTarget.value)} />
          </Field>
          <AgentCommandField prefix="sp" value={agentCommand} error={errors.agentCommand} onChange={setAgentCommand} />
          <Field label="Environment (optional)" id="sp-env" error={errors.env} hint="Extra variables for the agent, one KEY=VALUE per line.">
            <textarea
              id="sp-env"
              class="mono"
              rows={2}
              value={envText}
              spellcheck={false}
              placeholder={'e.g. LOG_LEVEL=debug\nFEATURE_FLAGS=checkout_v2'}
              aria-invalid={errors.env ? 'true' : undefined}
              data-testid="spawn-env"
              onInput={(e) => setEnvText(e.currentTarget.value)}
            />
          </Field>
        </div>
        <FormFooter error={errors.form} busy={busy} label="Spawn session" busyLabel="Spawning…" testid="spawn-submit" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
