/*
 * The operations: their contracts declared once per domain in src/core/contracts/ (projects, tasks,
 * reports, queue, sessions, library, identity), implemented in src/core/ops/ and run by every facade
 * through `executeOp`. This module re-exports src/core/ops for the importers that predate the split.
 */
export * from './ops/index.js';
export { MaestroError } from './errors.js';
