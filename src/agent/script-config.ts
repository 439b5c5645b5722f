import type { ToolResult } from './mcp-link.js';

/*
 * What the scripted agent (`maestro agent script`, ./script.ts) is given: the manifest Maestro wrote for its
 * session, and the AGENT_* knobs of its environment, read once here:
 *
 *   AGENT_ASK=0          never ask for input (default: ask once, simple workers only)
 *   AGENT_QUESTION=text  what to ask (default: which colour the task should use)
 *   AGENT_CRASH=1        exit with code 3 after the first progress report
 *   AGENT_STEP_MS=n      pause between steps (default 50)
 *   AGENT_WRITE=1        workers write work/<task id>.md in their working directory for each task
 *   AGENT_LINGER=1       when done, sit at a "> " prompt instead of exiting (as Claude Code does)
 *   AGENT_WAIT_MS=n      how long an orchestrator waits for its workers (default 60000)
 *   AGENT_CHILD_TEMPLATE=name  the template an orchestrator spawns its workers with (default: the server's agent)
 *   AGENT_CHILD_ASK=1    the orchestrator's first worker asks for input (the others never do)
 *   AGENT_PERMISSION=1   workers ask permission for a Bash command first (a permission_prompt notification)
 *   AGENT_UNREPORTED=1   workers end their turn without completing their tasks, and wait
 *   AGENT_RETRY_MS=n     how long to keep trying to reach the MCP server (default 30000)
 *   AGENT_HOOKS=0        do not run the hooks of $MAESTRO_HOOK_SETTINGS (by default they run as Claude
 *                        Code runs them: SessionStart, UserPromptSubmit, Pre/PostToolUse around each tool,
 *                        Notification, Stop, SessionEnd; read by ./hooks.ts)
 *   AGENT_TRANSCRIPT=0   do not write a transcript (by default it writes one in Claude Code's format, with
 *                        fixed token usage, to the transcript_path its hooks announce: see transcript.ts)
 */

export interface ManifestTask {
  id: string;
  title: string;
}

export interface Manifest {
  session: { id: string; name: string; role: 'worker' | 'orchestrator'; strategy: 'simple' | 'queue' };
  project: { id: string; name: string };
  tasks: ManifestTask[];
}

/** A task as task_list answers it. */
export type TaskState = ToolResult<'task_list'>['tasks'][number];

export const env = process.env;

/** The AGENT_* knobs (see above). */
export const knobs = {
  stepMs: Number(env.AGENT_STEP_MS ?? 50),
  ask: env.AGENT_ASK !== '0',
  /** AGENT_QUESTION, when set and not empty. */
  question: env.AGENT_QUESTION || undefined,
  crash: env.AGENT_CRASH === '1',
  write: env.AGENT_WRITE === '1',
  linger: env.AGENT_LINGER === '1',
  waitMs: Number(env.AGENT_WAIT_MS ?? 60_000),
  childTemplate: env.AGENT_CHILD_TEMPLATE || undefined,
  childAsk: env.AGENT_CHILD_ASK === '1',
  permission: env.AGENT_PERMISSION === '1',
  unreported: env.AGENT_UNREPORTED === '1',
  retryMs: Number(env.AGENT_RETRY_MS ?? 30_000),
  transcript: env.AGENT_TRANSCRIPT !== '0',
};

/** The environment of the orchestrator's n-th worker (n from 0). */
export function childEnv(n: number): Record<string, string> {
  const asks = n === 0 && knobs.childAsk;
  return {
    AGENT_ASK: asks ? '1' : '0',
    AGENT_STEP_MS: String(knobs.stepMs),
    ...(asks && knobs.question ? { AGENT_QUESTION: knobs.question } : {}),
    ...(env.AGENT_WRITE ? { AGENT_WRITE: env.AGENT_WRITE } : {}),
  };
}
