import type { z } from 'zod';

/** Who may call an operation: any caller, orchestrator sessions (and people), or people only (CLI, dashboard). */
export type Access = 'any' | 'orchestrator' | 'user';

/** The MCP tool name of a dotted operation name: `task.create` → `task_create`, `whoami` → `whoami`. */
export type ToolName<N extends string> = N extends `${infer Head}.${infer Rest}` ? `${Head}_${ToolName<Rest>}` : N;

export const toolName = <N extends string>(name: N): ToolName<N> => name.replaceAll('.', '_') as ToolName<N>;

/** What a contract file declares; `contract()` adds the derived MCP tool name. */
export interface ContractSpec<N extends string, I extends z.ZodType, O extends z.ZodType> {
  /** Dotted name used by HTTP routes and the CLI, e.g. `task.create`. */
  name: N;
  title: string;
  /** Written for an LLM: what it does and when to call it. */
  description: string;
  input: I;
  /**
   * What the operation returns, as an entity schema (src/core/entities). Checked at compile time against
   * the implementation's `run`, advertised as the MCP outputSchema and written to schemas/<name>.result.json;
   * never parsed at run time (the tests validate real results against it).
   */
  output: O;
  access: Access;
  readOnly: boolean;
}

/** What an operation is, apart from how it runs: its name, texts, input and output schemas, and who may call it. */
export interface Contract<N extends string = string, I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType>
  extends ContractSpec<N, I, O> {
  /** MCP tool name, derived from `name`: `task_create`. */
  tool: ToolName<N>;
}

/** Any contract, whatever its name, input and output: what collections hold. */
export type AnyContract = Contract<string, z.ZodType, z.ZodType>;

/** Declares an operation's contract: its tool name is derived from its dotted name. */
export function contract<const N extends string, I extends z.ZodType, O extends z.ZodType>(spec: ContractSpec<N, I, O>): Contract<N, I, O> {
  const { name, ...rest } = spec;
  return { name, tool: toolName(name), ...rest };
}
