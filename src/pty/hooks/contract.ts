import { join } from 'node:path';

/*
 * What passes between `maestro hook <event>` (run by Claude Code for each hook) and the server. Kept in
 * a module of its own, with nothing heavy imported, because the hook command must start fast.
 */

/** The Claude Code hook events Maestro registers in the settings it launches Claude with. */
export const HOOK_EVENTS = [
  'SessionStart',
  'UserPromptSubmit',
  'PreToolUse',
  'PostToolUse',
  'Notification',
  'Stop',
  'StopFailure',
  'SubagentStop',
  'PreCompact',
  'SessionEnd',
] as const;

export type HookEventName = (typeof HOOK_EVENTS)[number];

/** Event names the server accepts (Claude Code adds events over time; unknown ones go on the timeline only). */
export const HOOK_EVENT_NAME = /^[A-Z][A-Za-z]{1,39}$/;

/** One hook firing, as delivered (directly, or later from the spool). */
export interface HookDelivery {
  event: string;
  /** The JSON Claude Code gave the hook on stdin (big fields cut, see MAX_HOOK_PAYLOAD). */
  payload: Record<string, unknown>;
  /** When the hook ran (ISO 8601): spooled events keep their time. */
  firedAt: string;
}

/** Body of `POST /api/sessions/:sessionId/hooks`. */
export interface HookPost {
  events: HookDelivery[];
}

/** At most this many events per POST. */
export const MAX_HOOK_EVENTS = 200;

/** A payload bigger than this (JSON bytes) keeps only its small fields (tool output can be megabytes). */
export const MAX_HOOK_PAYLOAD = 64 * 1024;

/** Where a hook that could not reach the server leaves its event, one JSON line each, for the server to take. */
export const hookSpoolPath = (sessionDir: string): string => join(sessionDir, 'hooks.spool.jsonl');
