import type { z } from 'zod';
import { mayCall, type Actor } from '../access.js';
import { forbidden, fromZodError, notFound } from '../errors.js';
import type { MaestroService } from '../service.js';
import { IDENTITY_OPS } from './identity.js';
import { LIBRARY_OPS } from './library.js';
import type { AnyOperation } from './operation.js';
import { PROJECT_OPS } from './projects.js';
import { QUEUE_OPS } from './queue.js';
import { REPORT_OPS } from './reports.js';
import { SESSION_OPS } from './sessions.js';
import { TASK_OPS } from './tasks.js';

export { op, selfId, toolName, type AnyOperation, type OpContext, type Operation, type OperationSpec, type ToolName } from './operation.js';

/** Every operation, in the order tools are listed (and schemas/index.json is written). */
export const OPERATIONS = [
  ...PROJECT_OPS,
  ...TASK_OPS,
  ...REPORT_OPS,
  ...QUEUE_OPS,
  ...SESSION_OPS,
  ...LIBRARY_OPS,
  ...IDENTITY_OPS,
] as const satisfies ReadonlyArray<AnyOperation>;

type AllOperations = (typeof OPERATIONS)[number];
export type OperationName = AllOperations['name'];
/** Operation N itself, with its input and output schemas. */
export type OpByName<N extends OperationName> = Extract<AllOperations, { name: N }>;
/** What a caller passes to operation N (before defaults are applied). */
export type OpInput<N extends OperationName> = z.input<OpByName<N>['input']>;
/** What operation N returns: the output of its `output` schema. */
export type OpResult<N extends OperationName> = z.output<OpByName<N>['output']>;
/** What an operation chosen at run time (by a name only known as a string) returns: any operation's result. */
export type RuntimeOpResult = OpResult<OperationName>;

const BY_NAME = new Map<string, AnyOperation>(OPERATIONS.map((o) => [o.name, o]));
const BY_TOOL = new Map<string, AnyOperation>(OPERATIONS.map((o) => [o.tool, o]));

/** An operation by its dotted name (`task.create`) or its tool name (`task_create`). */
export const getOperation = (name: string): AnyOperation | undefined => BY_NAME.get(name) ?? BY_TOOL.get(name);

export function operationsFor(actor: Actor): AnyOperation[] {
  return OPERATIONS.filter((o) => mayCall(actor, o.access));
}

/**
 * The single entry point of every facade: validate, authorise, run. Called with a literal operation name
 * it returns that operation's result type; with a name known only at run time (a facade dispatching a
 * request), the union of every operation's result. The result is not parsed against `output` here: that
 * would cost every call; the tests validate real results against the schemas instead.
 */
export async function executeOp<N extends OperationName>(svc: MaestroService, actor: Actor, name: N, rawInput: unknown): Promise<OpResult<N>>;
export async function executeOp(svc: MaestroService, actor: Actor, name: string, rawInput: unknown): Promise<RuntimeOpResult>;
export async function executeOp(svc: MaestroService, actor: Actor, name: string, rawInput: unknown): Promise<RuntimeOpResult> {
  const operation = getOperation(name);
  if (!operation) throw notFound('operation', name);
  if (!mayCall(actor, operation.access)) {
    const who = actor.kind === 'session' ? `a ${actor.session.role} session` : 'this caller';
    throw forbidden(
      `${operation.tool} is for ${operation.access === 'orchestrator' ? 'orchestrator sessions' : 'people (CLI or dashboard)'}; ${who} may not call it`,
    );
  }
  const parsed = operation.input.safeParse(rawInput ?? {});
  if (!parsed.success) throw fromZodError(parsed.error);
  const current: Actor = actor.kind === 'session' ? { kind: 'session', session: svc.sessions.get(actor.session.id) } : actor;
  // Every operation's run returns its declared output (checked where it is declared): one of RuntimeOpResult.
  return (await operation.run({ svc, actor: current }, parsed.data)) as RuntimeOpResult;
}
