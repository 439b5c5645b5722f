import { AGENTS, type AgentKind } from '../pty/agents.js';
import { DEFAULT_AGENT_COMMAND } from '../pty/launch-files.js';
import { commandPath } from '../pty/shell.js';

export interface AgentRow {
  kind: AgentKind;
  title: string;
  program: string | null;
  /** Where the program is on PATH; null when it is not installed (or the kind has no program). */
  path: string | null;
  hooks: boolean;
  default: boolean;
}

/** Each agent kind, and where (whether) its program is found on this PATH. */
export function agentInventory(env: NodeJS.ProcessEnv = process.env): AgentRow[] {
  return Object.values(AGENTS).map((a) => ({
    kind: a.kind,
    title: a.title,
    program: a.program,
    path: a.program ? commandPath(a.program, { path: env.PATH }) : null,
    hooks: a.hooks,
    default: a.program === DEFAULT_AGENT_COMMAND,
  }));
}

