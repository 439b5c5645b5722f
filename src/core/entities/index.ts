/*
 * The entities: zod schemas of everything the service returns. Operations declare their `output` with
 * them (src/core/ops), MCP advertises them as outputSchema, scripts/gen-schemas.ts writes them to
 * schemas/<op>.result.json, and src/core/types.ts derives the TypeScript types from them.
 */
export * from './common.js';
export * from './project.js';
export * from './task.js';
export * from './queue.js';
export * from './usage.js';
export * from './session.js';
export * from './library.js';
export * from './overview.js';
export * from './worktree.js';
export * from './message.js';
export * from './lease.js';
export * from './dispatch.js';
export * from './notify.js';
export * from './error.js';
