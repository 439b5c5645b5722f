import { SESSION_ROLES, SESSION_STRATEGIES, type SessionRole, type SessionStrategy } from '../types';
import { Field } from './ui';

/*
 * Fields the spawn form and the template form share: what a session (or a template of one) runs as.
 */

const ROLE_LABEL: Record<SessionRole, string> = { worker: 'Worker', orchestrator: 'Orchestrator' };
const STRATEGY_LABEL: Record<SessionStrategy, string> = { simple: 'Simple: all tasks at once', queue: 'Queue: one task at a time' };

function Choice<T extends string>(props: { id: string; label: string; value: T; values: readonly T[]; labels: Record<T, string>; error?: string; onChange: (value: T) => void }) {
  return (
    <Field label={props.label} id={props.id} error={props.error}>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value as T)}>
        {props.values.map((v) => (
          <option value={v}>{props.labels[v]}</option>
        ))}
      </select>
    </Field>
  );
}

/** The Role and Strategy selects (ids `<prefix>-role`, `<prefix>-strategy`). */
export function RoleStrategyFields(props: {
  prefix: string;
  role: SessionRole;
  strategy: SessionStrategy;
  onRole: (role: SessionRole) => void;
  onStrategy: (strategy: SessionStrategy) => void;
  errors: Record<string, string>;
}) {
  return (
    <>
      <Choice id={`${props.prefix}-role`} label="Role" value={props.role} values={SESSION_ROLES} labels={ROLE_LABEL} error={props.errors.role} onChange={props.onRole} />
      <Choice
        id={`${props.prefix}-strategy`}
        label="Strategy"
        value={props.strategy}
        values={SESSION_STRATEGIES}
        labels={STRATEGY_LABEL}
        error={props.errors.strategy}
        onChange={props.onStrategy}
      />
    </>
  );
}

/** The optional agent command (id `<prefix>-agent`). */
export function AgentCommandField(props: { prefix: string; value: string; error?: string; onChange: (value: string) => void }) {
  return (
    <Field label="Agent command (optional)" id={`${props.prefix}-agent`} error={props.error} hint="Empty: the server’s default agent.">
      <input
        id={`${props.prefix}-agent`}
        value={props.value}
        class="mono"
        placeholder="e.g. claude"
        spellcheck={false}
        onInput={(e) => props.onChange(e.currentTarget.value)}
      />
    </Field>
  );
}
