import type { z } from 'zod';
import type { Access, Actor } from '../access.js';
import type { MaestroService } from '../service.js';

export interface OpContext {
  svc: MaestroService;
  actor: Actor;
}

/** The MCP tool name of a dotted operation name: `task.create` → `task_create`, `whoami` → `whoami`. */
export type ToolName<N extends string> = N extends `${infer Head}.${infer Rest}` ? `${Head}_${ToolName<Rest>}` : N;

export const toolName = <N extends string>(name: N): ToolName<N> => name.replaceAll('.', '_') as ToolName<N>;

/** What an operation file declares; `op()` adds the derived MCP tool name. */
export interface OperationSpec<N extends string, I extends z.ZodType, O extends z.ZodType> {
  /** Dotted name used by HTTP routes and the CLI, e.g. `task.create`. */
  name: N;
  title: string;
  /** Written for an LLM: what it does and when to call it. */
  description: string;
  input: I;
  /**
   * What `run` returns, as an entity schema (src/core/entities). Checked at compile time against `run`,
   * advertised as the MCP outputSchema and written to schemas/<name>.result.json; never parsed at run
   * time (the tests validate real results against it).
   */
  output: O;
  access: Access;
  readOnly: boolean;
  run(ctx: OpContext, input: z.output<I>): z.output<O> | Promise<z.output<O>>;
}

/** One operation: declared once, run by every facade (MCP, REST, CLI) through `executeOp`. */
export interface Operation<N extends string = string, I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType>
  extends OperationSpec<N, I, O> {
  /** MCP tool name, derived from `name`: `task_create`. */
  tool: ToolName<N>;
}

/** Any operation, whatever its name, input and output: what collections and facades hold. */
export type AnyOperation = Operation<string, z.ZodType, z.ZodType>;

/** Declares an operation: its tool name is derived from its dotted name, and `run` is checked against `output`. */
export function op<const N extends string, I extends z.ZodType, O extends z.ZodType>(spec: OperationSpec<N, I, O>): Operation<N, I, O> {
  const { name, ...rest } = spec;
  return { name, tool: toolName(name), ...rest };
}

/** The calling session's id, or null for a person. */
export const selfId = (actor: Actor): string | null => (actor.kind === 'session' ? actor.session.id : null);
