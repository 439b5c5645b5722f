/*
 * The operations, declared once per domain in src/core/ops/ (projects, tasks, reports, queue, sessions,
 * library, identity) and run by every facade through `executeOp`. This module re-exports them for the
 * importers that predate the split.
 */
export * from './ops/index.js';
export { MaestroError } from './errors.js';
