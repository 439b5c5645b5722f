import { z } from 'zod';
import { ProjectId, TaskId } from './entities/common.js';
import { DependencyUntil, ProjectRef, TaskPriority, TaskStatus } from './schemas.js';

/*
 * The shapes of task import and export (task-import.ts, task-export.ts): one row of a file, the
 * operation's input and its result. Node-free: the contracts (and so the dashboard) import them.
 */

/** Rows an MCP caller may send at once; the CLI sends whole files as `text` over its own route. */
export const MAX_IMPORT_ROWS = 10_000;
/** What a row's key may look like: any text without line breaks (Taskmaster's are `tm:<id>`). */
export const MAX_KEY_LENGTH = 200;
/** The per-row outcomes a result lists at most (the counts cover every row). */
export const MAX_RESULT_ROWS = 1_000;

const ref = z.string().trim().min(1, 'must name a task: a key of a row, a key of a task or a task id').max(MAX_KEY_LENGTH);

/** One task of an import file: task.create's fields, with `key` for idempotency and references by key or id. */
export const ImportRow = z.strictObject({
  key: z
    .string()
    .trim()
    .min(1, 'key must not be empty')
    .max(MAX_KEY_LENGTH, `key is longer than ${MAX_KEY_LENGTH} characters`)
    .optional()
    .describe('Idempotency key: a row whose key an existing task of the project has updates that task'),
  title: z.string({ error: 'title is required' }).trim().min(1, 'title must not be empty').max(500, 'title is longer than 500 characters'),
  description: z.string().max(100_000, 'description is longer than 100000 characters').optional(),
  status: TaskStatus.optional().describe('Defaults to todo'),
  priority: TaskPriority.optional().describe('Defaults to medium'),
  parent: ref.nullable().optional().describe('The parent: the key of a row of the file or of a task, or a task id (null: top-level)'),
  dependsOn: z.array(ref).max(200).optional().describe('Tasks that must be done first, each by key or id'),
  until: DependencyUntil.optional().describe("What the dependencies wait for: 'done' or 'merged'; default: the project's"),
});
export type ImportRow = z.infer<typeof ImportRow>;

export const ImportFormat = z.enum(['maestro', 'taskmaster']);
export type ImportFormat = z.infer<typeof ImportFormat>;

export const TaskImportInput = z.strictObject({
  project: ProjectRef.optional(),
  rows: z
    .array(z.unknown())
    .max(MAX_IMPORT_ROWS, `rows: at most ${MAX_IMPORT_ROWS} rows per call (the CLI imports bigger files)`)
    .optional()
    .describe('The tasks, each {key?, title, description?, status?, priority?, parent?, dependsOn?, until?}'),
  text: z
    .string()
    .optional()
    .describe("A whole file instead of rows: JSONL (one task per line) or a JSON array; Taskmaster's tasks.json with from=taskmaster"),
  from: ImportFormat.optional().describe("The file's format: maestro (default) or taskmaster (its tasks.json)"),
  dryRun: z.boolean().optional().describe('Validate and say what would change, writing nothing'),
});

export const ImportAction = z.enum(['created', 'updated', 'unchanged']);

export const TaskImportResult = z
  .object({
    projectId: ProjectId,
    dryRun: z.boolean(),
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    total: z.number().int(),
    rows: z
      .array(
        z.object({
          line: z.number().int().describe('Its line in the file (or index + 1 in an array)'),
          key: z.string().nullable(),
          id: TaskId.nullable().describe('The task (null: one a dry run would create)'),
          action: ImportAction,
        }),
      )
      .describe(`Each row's outcome, the first ${MAX_RESULT_ROWS}`),
    rowsOmitted: z.number().int().describe('Rows left out of `rows`'),
  })
  .describe('What an import created, updated and left unchanged')
  .meta({ id: 'TaskImportResult' });
export type TaskImportResult = z.infer<typeof TaskImportResult>;

export const TaskExportQuery = z.object({
  project: z.string().optional(),
  status: z.array(TaskStatus, { error: `status must be a comma-separated list of statuses` }).optional(),
});
