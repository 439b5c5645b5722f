import type { StateReason, TimelineKind } from '../../core/types.js';
import type { AgentState } from '../state.js';
import type { HookDelivery } from './contract.js';

/** What one hook firing means for the session: a line on its timeline, a state, facts about the agent. */
export interface HookMeaning {
  timeline: { kind: TimelineKind; message: string; data: Record<string, unknown> } | null;
  /** The agent's state as the hook tells it, and why. */
  state: {
    state: AgentState;
    reason: StateReason | null;
    why: string;
    kind: 'prompt' | 'work' | 'wait' | 'turn_end';
    /** A command started to run in the background (Bash with run_in_background). */
    background?: boolean;
  } | null;
  facts: { agentSessionId?: string; transcriptPath?: string };
}

/** Maestro's own tools: their reports are already on the timeline, and they say nothing of the work. */
const MAESTRO_TOOL = /^mcp__maestro__/;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
const clip = (text: string, max = 300) => {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
};

/** "Bash: npm test", "Edit src/a.ts", "WebFetch https://…": what a tool use did, in one line. */
export function describeToolUse(tool: string, input: unknown): { message: string; data: Record<string, unknown> } {
  const i = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const path = str(i.file_path) ?? str(i.notebook_path) ?? str(i.path);
  if (tool === 'Bash' && str(i.command)) return { message: `Bash: ${clip(String(i.command), 200)}`, data: { tool, command: i.command } };
  if (['Edit', 'MultiEdit', 'Write', 'NotebookEdit'].includes(tool) && path) return { message: `${tool} ${path}`, data: { tool, file: path, edits: true } };
  if (path) return { message: `${tool} ${path}`, data: { tool, file: path } };
  const target = str(i.url) ?? str(i.pattern) ?? str(i.query) ?? str(i.description) ?? str(i.prompt);
  return { message: target ? `${tool}: ${clip(target, 200)}` : tool, data: { tool } };
}

/**
 * The meaning of one Claude Code hook (payload shapes from its hooks reference). Pure: the supervisor
 * decides what the session's status becomes (see hookStatus).
 */
export function interpretHook(delivery: HookDelivery): HookMeaning {
  const p = delivery.payload;
  const facts: HookMeaning['facts'] = {};
  if (str(p.session_id)) facts.agentSessionId = String(p.session_id);
  if (str(p.transcript_path)) facts.transcriptPath = String(p.transcript_path);
  const meaning = (timeline: HookMeaning['timeline'], state: HookMeaning['state'] = null): HookMeaning => ({ timeline, state, facts });
  const tool = str(p.tool_name) ?? 'a tool';

  switch (delivery.event) {
    case 'SessionStart':
      return meaning({ kind: 'agent_state', message: `agent session started (${str(p.source) ?? 'startup'})`, data: { hook: 'SessionStart', source: p.source ?? null } });
    case 'UserPromptSubmit': {
      const prompt = str(p.prompt) ?? '';
      return meaning(
        { kind: 'prompt', message: clip(prompt) || '(empty prompt)', data: { hook: 'UserPromptSubmit', length: prompt.length } },
        { state: 'running', reason: null, why: 'a prompt was submitted', kind: 'prompt' },
      );
    }
    case 'PreToolUse': {
      if (MAESTRO_TOOL.test(tool)) return meaning(null, null);
      const use = describeToolUse(tool, p.tool_input);
      const background = tool === 'Bash' && (p.tool_input as { run_in_background?: unknown } | undefined)?.run_in_background === true;
      return meaning(
        { kind: 'tool_use', message: background ? `${use.message} (in the background)` : use.message, data: { hook: 'PreToolUse', ...use.data, ...(background ? { background } : {}) } },
        { state: 'running', reason: null, why: `using ${tool}`, kind: 'work', background },
      );
    }
    case 'PostToolUse':
      return meaning(null, MAESTRO_TOOL.test(tool) ? null : { state: 'running', reason: null, why: `used ${tool}`, kind: 'work' });
    case 'Notification': {
      const type = str(p.notification_type) ?? null;
      const message = str(p.message) ?? 'the agent sent a notification';
      const waits = type === 'permission_prompt' || type === 'idle_prompt' || (type === null && /permission|waiting for your input/i.test(message));
      return meaning(
        { kind: 'agent_state', message: `${waits ? 'needs input: ' : ''}${clip(message)}`, data: { hook: 'Notification', notificationType: type } },
        waits ? { state: 'needs_input', reason: 'needs_input', why: clip(message), kind: 'wait' } : null,
      );
    }
    case 'Stop':
      return meaning(null, { state: 'idle', reason: null, why: 'the agent finished its turn', kind: 'turn_end' });
    case 'StopFailure': {
      // The turn ended on an API error (Claude Code 2.1+), instead of Stop: error is a category
      // (authentication_failed, server_error, rate_limit, …), last_assistant_message what it showed.
      const error = str(p.error) ?? 'unknown';
      const shown = str(p.last_assistant_message) ?? error;
      const login = /^(authentication_failed|oauth_org_not_allowed)$/.test(error) || /\/login\b/.test(shown);
      const offline = /unable to connect|can.t reach|connection|ECONN|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|fetch failed/i.test(shown);
      return meaning(
        { kind: 'agent_state', message: `turn failed (${error}): ${clip(shown)}`, data: { hook: 'StopFailure', error } },
        login
          ? { state: 'needs_input', reason: 'login_required', why: clip(shown), kind: 'wait' }
          : { state: 'idle', reason: offline ? 'offline' : null, why: clip(shown), kind: 'turn_end' },
      );
    }
    case 'SubagentStop':
      return meaning({ kind: 'agent_state', message: 'a subagent finished', data: { hook: 'SubagentStop' } });
    case 'PreCompact':
      return meaning({ kind: 'compaction', message: `compacting its context (${str(p.trigger) ?? 'auto'})`, data: { hook: 'PreCompact', trigger: p.trigger ?? null } });
    case 'SessionEnd':
      return meaning({ kind: 'agent_state', message: `agent session ended (${str(p.reason) ?? 'exit'})`, data: { hook: 'SessionEnd', reason: p.reason ?? null } });
    default:
      return meaning({ kind: 'agent_state', message: `hook ${delivery.event}`, data: { hook: delivery.event } });
  }
}
