/*
 * The operations' contracts: what each operation is (name, MCP tool name, title, description, input and
 * output schemas, access, read-only), apart from how it runs (src/core/ops). Node-free: these modules
 * import only zod, src/core/schemas.ts, src/core/entities and src/core/constants.ts, so the dashboard can
 * take the operations' types from here (type-only) without Node typings.
 */
import type { z } from 'zod';
import type { AnyContract } from './contract.js';
import { IDENTITY_CONTRACTS } from './identity.js';
import { LIBRARY_CONTRACTS } from './library.js';
import { PROJECT_CONTRACTS } from './projects.js';
import { QUEUE_CONTRACTS } from './queue.js';
import { REPORT_CONTRACTS } from './reports.js';
import { SESSION_CONTRACTS } from './sessions.js';
import { TASK_CONTRACTS } from './tasks.js';
import { WORKTREE_CONTRACTS } from './worktrees.js';
import { MESSAGE_CONTRACTS } from './messages.js';
import { LEASE_CONTRACTS } from './leases.js';
import { DISPATCH_CONTRACTS } from './dispatch.js';
import { NOTIFY_CONTRACTS } from './notify.js';

export { contract, toolName, type Access, type AnyContract, type Contract, type ContractSpec, type ToolName } from './contract.js';
export { IDENTITY_CONTRACTS, LIBRARY_CONTRACTS, PROJECT_CONTRACTS, QUEUE_CONTRACTS, REPORT_CONTRACTS, SESSION_CONTRACTS, TASK_CONTRACTS, WORKTREE_CONTRACTS, MESSAGE_CONTRACTS, LEASE_CONTRACTS, DISPATCH_CONTRACTS, NOTIFY_CONTRACTS };

/** Every operation's contract, in the order tools are listed (and schemas/index.json is written). */
export const CONTRACTS = [
  ...PROJECT_CONTRACTS,
  ...TASK_CONTRACTS,
  ...REPORT_CONTRACTS,
  ...QUEUE_CONTRACTS,
  ...SESSION_CONTRACTS,
  ...WORKTREE_CONTRACTS,
  ...MESSAGE_CONTRACTS,
  ...LEASE_CONTRACTS,
  ...DISPATCH_CONTRACTS,
  ...NOTIFY_CONTRACTS,
  ...LIBRARY_CONTRACTS,
  ...IDENTITY_CONTRACTS,
] as const satisfies ReadonlyArray<AnyContract>;

type AllContracts = (typeof CONTRACTS)[number];
export type OperationName = AllContracts['name'];
/** The contract of operation N, with its input and output schemas. */
export type ContractOf<N extends OperationName> = Extract<AllContracts, { name: N }>;
/** What a caller passes to operation N (before defaults are applied). */
export type OpInput<N extends OperationName> = z.input<ContractOf<N>['input']>;
/** What operation N returns: the output of its `output` schema. */
export type OpResult<N extends OperationName> = z.output<ContractOf<N>['output']>;
/** What an operation chosen at run time (by a name only known as a string) returns: any operation's result. */
export type RuntimeOpResult = OpResult<OperationName>;
