import type { z } from 'zod';
import type { Actor } from '../access.js';
import type { Contract } from '../contracts/contract.js';
import type { MaestroService } from '../service.js';

export { toolName, type ToolName } from '../contracts/contract.js';

export interface OpContext {
  svc: MaestroService;
  actor: Actor;
}

/** How an operation runs: given the caller and its parsed input, what its contract's output schema describes. */
export type Run<I extends z.ZodType, O extends z.ZodType> = (ctx: OpContext, input: z.output<I>) => z.output<O> | Promise<z.output<O>>;

/** One operation: its contract (src/core/contracts) and how it runs, run by every facade (MCP, REST, CLI) through `executeOp`. */
export interface Operation<N extends string = string, I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> extends Contract<N, I, O> {
  run: Run<I, O>;
}

/** Any operation, whatever its name, input and output: what collections and facades hold. */
export type AnyOperation = Operation<string, z.ZodType, z.ZodType>;

/** Implements a contract: `run` gets the contract's parsed input and is checked against its `output` at compile time. */
export function implement<const N extends string, I extends z.ZodType, O extends z.ZodType>(contract: Contract<N, I, O>, run: Run<I, O>): Operation<N, I, O> {
  return { ...contract, run };
}

/** The calling session's id, or null for a person. */
export const selfId = (actor: Actor): string | null => (actor.kind === 'session' ? actor.session.id : null);
