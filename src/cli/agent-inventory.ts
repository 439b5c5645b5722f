import { spawnSync } from 'node:child_process';
import { AGENTS, type AgentKind } from '../pty/agents.js';
import { DEFAULT_AGENT_COMMAND } from '../pty/launch-files.js';

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
    path: a.program ? whereIs(a.program, env) : null,
    hooks: a.hooks,
    default: a.program === DEFAULT_AGENT_COMMAND,
  }));
}

function whereIs(program: string, env: NodeJS.ProcessEnv): string | null {
  const r = spawnSync('/bin/sh', ['-c', 'command -v -- "$1"', 'sh', program], { env, encoding: 'utf8', timeout: 5000 });
  const path = r.status === 0 ? r.stdout.trim() : '';
  return path.startsWith('/') ? path : null;
}
