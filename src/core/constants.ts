/*
 * Plain values shared by the server and the dashboard. This module imports nothing, so the dashboard
 * (web/) can bundle it without pulling zod in; src/core/schemas.ts builds its zod enums from these.
 */

export const TASK_STATUSES = ['todo', 'in_progress', 'blocked', 'needs_input', 'done', 'cancelled'] as const;
export const TASK_PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export const SESSION_ROLES = ['worker', 'orchestrator'] as const;
export const SESSION_STRATEGIES = ['simple', 'queue'] as const;
export const SESSION_STATUSES = [
  'spawning',
  'running',
  'idle',
  'needs_input',
  'blocked',
  'completed',
  'failed',
  'stopped',
] as const;
/** A session in one of these is over: its agent ended or was stopped. */
export const FINISHED_SESSION_STATUSES: readonly (typeof SESSION_STATUSES)[number][] = ['completed', 'failed', 'stopped'];
/**
 * Why an agent is where it is, beside its status (from its hooks, or its screen): a waiting or idle
 * agent says whether a person must act, whether it finished, or what stops it.
 */
export const STATE_REASONS = [
  'needs_input',
  'finished',
  'finished_unreported',
  'waiting',
  'stalled',
  'login_required',
  'trust_prompt',
  'offline',
] as const;
/** The agent CLIs Maestro knows how to launch (src/pty/agents.ts); `generic` is any other command. */
export const AGENT_KINDS = ['claude', 'codex', 'gemini', 'generic'] as const;
export type AgentKind = (typeof AGENT_KINDS)[number];

export const REPORT_KINDS = ['progress', 'complete', 'blocked', 'error', 'needs_input'] as const;

/** Names allowed for the extra environment variables of a session (`env` of session_spawn). */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const ENV_NAME_RULE = 'environment variable names are letters, digits and _';
