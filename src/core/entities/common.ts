import { z } from 'zod';

/*
 * Small pieces the entity schemas share. Entities are the shapes the service returns (and operations
 * declare as their `output`); they import zod and the plain value lists only, never node: the dashboard
 * type-checks against them (web/src/types.ts re-exports src/core/types.ts, whose types come from here).
 */

/** An ISO 8601 timestamp as the server writes it (`2024-05-01T14:03:07.123Z`). */
export const Timestamp = z.string().describe('ISO 8601 time');

export const entityId = (prefix: string, what: string) => z.string().describe(`${what} id (${prefix}_…)`);

/**
 * How many times the entity has changed (1 when created). Send it back as `ifVersion` (REST: `If-Match`)
 * to update only what you read: a newer version refuses the write with a `conflict` naming it.
 */
export const Version = z.number().int().positive().describe('Changes with every update; pass it as ifVersion to update only what you read');

export const ProjectId = entityId('prj', 'Project');
export const TaskId = entityId('tsk', 'Task');
export const SessionId = entityId('ses', 'Session');
export const TemplateId = entityId('tpl', 'Template');

/*
 * Entities used in several results carry a JSON Schema id (`.meta({ id })`): the generated schemas then
 * define each once under `$defs` and refer to it, which keeps tools/list small and quick for a client to
 * compile (the SDK's Client compiles every outputSchema when it lists the tools).
 */
