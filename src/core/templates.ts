import { MaestroError, notFound } from './errors.js';
import { newId, nowIso } from './ids.js';
import type { AgentKind } from './constants.js';
import type { SessionRole, SessionStrategy } from './schemas.js';
import { parseJson, type Store } from './store.js';
import type { Template } from './types.js';

interface TemplateRow {
  id: string;
  name: string;
  role: SessionRole;
  strategy: SessionStrategy;
  skills_json: string;
  agent_command: string | null;
  agent_kind: AgentKind | null;
  description: string;
  worktree: number | null;
  created_at: string;
  updated_at: string;
  version: number;
}

const toTemplate = (r: TemplateRow): Template => ({
  id: r.id,
  name: r.name,
  role: r.role,
  strategy: r.strategy,
  skills: parseJson<string[]>(r.skills_json, []),
  agentCommand: r.agent_command,
  agentKind: r.agent_kind ?? null,
  description: r.description,
  worktree: r.worktree === null ? null : r.worktree === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  version: r.version,
});

export class TemplateRepo {
  constructor(private readonly store: Store) {}

  create(input: {
    name: string;
    role?: SessionRole;
    strategy?: SessionStrategy;
    skills?: string[];
    agentCommand?: string;
    agentKind?: AgentKind;
    description?: string;
    worktree?: boolean;
  }): Template {
    return this.store.tx(() => {
      if (this.store.prepare('SELECT 1 FROM templates WHERE name = ?').get(input.name))
        throw new MaestroError('conflict', `a template named '${input.name}' already exists`, 'name');
      const id = newId('tpl');
      const now = nowIso();
      this.store
        .prepare(
          `INSERT INTO templates (id, name, role, strategy, skills_json, agent_command, agent_kind, description, worktree, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          id,
          input.name,
          input.role ?? 'worker',
          input.strategy ?? 'simple',
          JSON.stringify(input.skills ?? []),
          input.agentCommand ?? null,
          input.agentKind ?? null,
          input.description ?? '',
          input.worktree === undefined ? null : input.worktree ? 1 : 0,
          now,
          now,
        );
      const template = this.resolve(id);
      this.store.emit({ type: 'template.created', template });
      return template;
    });
  }

  resolve(ref: string, field = 'template'): Template {
    const row = this.store.prepare('SELECT * FROM templates WHERE id = ? OR name = ?').get(ref, ref) as
      | TemplateRow
      | undefined;
    if (!row) throw notFound('template', ref, field);
    return toTemplate(row);
  }

  list(): Template[] {
    return (this.store.prepare('SELECT * FROM templates ORDER BY name').all() as TemplateRow[]).map(toTemplate);
  }

  delete(ref: string): Template {
    return this.store.tx(() => {
      const template = this.resolve(ref);
      this.store.prepare('DELETE FROM templates WHERE id = ?').run(template.id);
      this.store.emit({ type: 'template.deleted', templateId: template.id });
      return template;
    });
  }
}
