import { mayCall, type Actor } from '../access.js';
import { CONTRACTS, type ContractOf, type OperationName, type OpResult, type RuntimeOpResult } from '../contracts/index.js';
import { forbidden, fromZodError, notFound } from '../errors.js';
import type { MaestroService } from '../service.js';
import { IDENTITY_OPS } from './identity.js';
import { LIBRARY_OPS } from './library.js';
import type { AnyOperation, Operation } from './operation.js';
import { PROJECT_OPS } from './projects.js';
import { QUEUE_OPS } from './queue.js';
import { REPORT_OPS } from './reports.js';
import { SESSION_OPS } from './sessions.js';
import { TASK_OPS } from './tasks.js';
import { WORKTREE_OPS } from './worktrees.js';
import { MESSAGE_OPS } from './messages.js';
import { LEASE_OPS } from './leases.js';
import { DISPATCH_OPS } from './dispatch.js';
import { NOTIFY_OPS } from './notify.js';

export { implement, selfId, toolName, type AnyOperation, type OpContext, type Operation, type Run, type ToolName } from './operation.js';
export {
  CONTRACTS,
  type Access,
  type AnyContract,
  type Contract,
  type ContractOf,
  type OperationName,
  type OpInput,
  type OpResult,
  type RuntimeOpResult,
} from '../contracts/index.js';

/** Operation N: its contract with its `run`. */
export type OpByName<N extends OperationName> = Operation<N, ContractOf<N>['input'], ContractOf<N>['output']>;
/** Any one of the operations, each with its own name, input and output. */
type AllOperations = { [N in OperationName]: OpByName<N> }[OperationName];

/** Every implementation, one per contract (the order of CONTRACTS is the one that counts). */
const IMPLEMENTATIONS = [
  ...PROJECT_OPS,
  ...TASK_OPS,
  ...REPORT_OPS,
  ...QUEUE_OPS,
  ...SESSION_OPS,
  ...WORKTREE_OPS,
  ...MESSAGE_OPS,
  ...LEASE_OPS,
  ...DISPATCH_OPS,
  ...NOTIFY_OPS,
  ...LIBRARY_OPS,
  ...IDENTITY_OPS,
] as const satisfies ReadonlyArray<AllOperations>;

/** Compile time: every contract is implemented, and nothing else is (a name left over fails to satisfy `never`). */
type Implemented = (typeof IMPLEMENTATIONS)[number]['name'];
function noneLeft<Names extends never>(): void {}
noneLeft<Exclude<OperationName, Implemented>>();
noneLeft<Exclude<Implemented, OperationName>>();

/**
 * Every contract with its implementation, in the contracts' order; at startup, throws when a contract is
 * implemented twice or not at all, or an implementation does not carry its contract as declared.
 */
function assemble(): readonly AllOperations[] {
  const byName = new Map<string, AllOperations>();
  for (const impl of IMPLEMENTATIONS) {
    if (byName.has(impl.name)) throw new Error(`operation ${impl.name} is implemented twice`);
    byName.set(impl.name, impl);
  }
  const known = new Set<string>(CONTRACTS.map((c) => c.name));
  for (const name of byName.keys()) if (!known.has(name)) throw new Error(`operation ${name} is implemented but has no contract`);
  return CONTRACTS.map((contract) => {
    const impl = byName.get(contract.name);
    if (!impl) throw new Error(`operation ${contract.name} has a contract but no implementation`);
    for (const [key, value] of Object.entries(contract))
      if (impl[key as keyof typeof impl] !== value) throw new Error(`operation ${contract.name} does not implement its contract's ${key}`);
    return impl;
  });
}

/** Every operation, in the order tools are listed (and schemas/index.json is written): the order of CONTRACTS. */
export const OPERATIONS: readonly AllOperations[] = assemble();

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
  const mark = svc.store.commitMark();
  // Every operation's run returns its declared output (checked where it is implemented): one of RuntimeOpResult.
  const result = (await operation.run({ svc, actor: current }, parsed.data)) as RuntimeOpResult;
  // Nobody is told of a change before it is committed (group commit: at the end of this turn).
  await svc.store.confirm(mark);
  return result;
}
