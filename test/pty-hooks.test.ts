/**
 * What Claude Code's hooks mean (payload shapes from its hooks reference), and what they make of a
 * session's status: pure functions, every case in a table.
 */
import { describe, expect, it } from 'vitest';
import type { SessionStatus } from '../src/core/schemas.js';
import { describeToolUse, interpretHook } from '../src/pty/hooks/interpret.js';
import { hookStatus } from '../src/pty/hooks/policy.js';

const base = { session_id: '6f1c3c0e-8f3a-4d0e-9a57-1d2b3c4d5e6f', transcript_path: '/home/u/.claude/projects/x/6f1c.jsonl', cwd: '/w', permission_mode: 'default' };
const hook = (event: string, fields: Record<string, unknown> = {}) =>
  interpretHook({ event, payload: { ...base, hook_event_name: event, ...fields }, firedAt: '2026-11-29T10:00:00.000Z' });

describe('interpretHook', () => {
  it('learns the agent session id and transcript from any hook', () => {
    expect(hook('SessionStart', { source: 'startup' }).facts).toEqual({ agentSessionId: base.session_id, transcriptPath: base.transcript_path });
  });

  it('reads each event: timeline line, state and its kind', () => {
    const cases: Array<[string, Record<string, unknown>, string | null, string | null, string | null]> = [
      ['SessionStart', { source: 'resume' }, 'agent_state: agent session started (resume)', null, null],
      ['UserPromptSubmit', { prompt: '  Fix   the\nbuild ' }, 'prompt: Fix the build', 'running', 'prompt'],
      ['PreToolUse', { tool_name: 'Bash', tool_input: { command: 'npm test' } }, 'tool_use: Bash: npm test', 'running', 'work'],
      ['PreToolUse', { tool_name: 'Edit', tool_input: { file_path: '/w/src/a.ts', old_string: 'a', new_string: 'b' } }, 'tool_use: Edit /w/src/a.ts', 'running', 'work'],
      ['PreToolUse', { tool_name: 'WebFetch', tool_input: { url: 'https://example.com', prompt: 'x' } }, 'tool_use: WebFetch: https://example.com', 'running', 'work'],
      ['PreToolUse', { tool_name: 'Bash', tool_input: { command: 'npm run dev', run_in_background: true } }, 'tool_use: Bash: npm run dev (in the background)', 'running', 'work'],
      ['PreToolUse', { tool_name: 'mcp__maestro__report_progress', tool_input: { message: 'x' } }, null, null, null],
      ['PostToolUse', { tool_name: 'Bash', tool_input: { command: 'ls' }, tool_response: { stdout: 'a' } }, null, 'running', 'work'],
      ['PostToolUse', { tool_name: 'mcp__maestro__task_complete', tool_input: {} }, null, null, null],
      ['Notification', { message: 'Claude needs your permission to use Bash', notification_type: 'permission_prompt' }, 'agent_state: needs input: Claude needs your permission to use Bash', 'needs_input', 'wait'],
      ['Notification', { message: 'Claude is waiting for your input', notification_type: 'idle_prompt' }, 'agent_state: needs input: Claude is waiting for your input', 'needs_input', 'wait'],
      ['Notification', { message: 'Logged in', notification_type: 'auth_success' }, 'agent_state: Logged in', null, null],
      ['Stop', { stop_hook_active: false }, null, 'idle', 'turn_end'],
      // a turn that failed on the API (Claude Code 2.1+): what it showed says why
      ['StopFailure', { error: 'authentication_failed', last_assistant_message: 'Not logged in · Please run /login' }, 'agent_state: turn failed (authentication_failed): Not logged in · Please run /login', 'needs_input', 'wait'],
      ['StopFailure', { error: 'server_error', last_assistant_message: 'API Error: Unable to connect to API (ConnectionRefused)' }, 'agent_state: turn failed (server_error): API Error: Unable to connect to API (ConnectionRefused)', 'idle', 'turn_end'],
      ['SubagentStop', {}, 'agent_state: a subagent finished', null, null],
      ['PreCompact', { trigger: 'manual', custom_instructions: '' }, 'compaction: compacting its context (manual)', null, null],
      ['SessionEnd', { reason: 'logout' }, 'agent_state: agent session ended (logout)', null, null],
      ['SomeFutureEvent', {}, 'agent_state: hook SomeFutureEvent', null, null],
    ];
    for (const [event, fields, line, state, kind] of cases) {
      const m = hook(event, fields);
      const label = `${event} ${JSON.stringify(fields)}`;
      expect(m.timeline ? `${m.timeline.kind}: ${m.timeline.message}` : null, label).toBe(line);
      expect(m.state?.state ?? null, label).toBe(state);
      expect(m.state?.kind ?? null, label).toBe(kind);
    }
  });

  it('describes tool uses in one line, long commands clipped', () => {
    expect(describeToolUse('Bash', { command: `echo ${'x'.repeat(400)}` }).message).toHaveLength(206);
    expect(describeToolUse('Grep', { pattern: 'TODO' }).message).toBe('Grep: TODO');
    expect(describeToolUse('Mystery', 42).message).toBe('Mystery');
  });
});

describe('hookStatus', () => {
  const work = { state: 'running', reason: null, why: '', kind: 'work' } as const;
  const prompt = { state: 'running', reason: null, why: '', kind: 'prompt' } as const;
  const wait = { state: 'needs_input', reason: 'needs_input', why: '', kind: 'wait' } as const;
  const end = { state: 'idle', reason: null, why: '', kind: 'turn_end' } as const;
  const at = (current: SessionStatus, meaning: Parameters<typeof hookStatus>[0]['meaning'], more: Partial<Parameters<typeof hookStatus>[0]> = {}) =>
    hookStatus({ current, meaning, reportedByAgent: false, openWork: true, ...more });

  it('follows the turn, and never reopens a finished session', () => {
    expect(at('idle', prompt)).toEqual({ status: 'running', reason: null });
    expect(at('running', wait)).toEqual({ status: 'needs_input', reason: 'needs_input' });
    expect(at('needs_input', work)).toEqual({ status: 'running', reason: null });
    expect(at('running', end)).toEqual({ status: 'idle', reason: 'finished_unreported' });
    expect(at('running', end, { openWork: false })).toEqual({ status: 'idle', reason: 'finished' });
    expect(at('running', end, { backgroundInTurn: true })).toEqual({ status: 'idle', reason: 'waiting' });
    expect(at('completed', end)).toEqual({ status: 'completed', reason: 'finished' });
    expect(at('running', { ...end, reason: 'offline' })).toEqual({ status: 'idle', reason: 'offline' });
    expect(hook('StopFailure', { error: 'server_error', last_assistant_message: "Can't reach the API server (ENOTFOUND)" }).state?.reason).toBe('offline');
    expect(hook('StopFailure', { error: 'authentication_failed' }).state?.reason).toBe('login_required');
    for (const m of [prompt, work, wait]) for (const s of ['completed', 'failed', 'stopped'] as const) expect(at(s, m)).toBeNull();
  });

  it("keeps a wait the agent reported until a prompt (the answer) arrives, or a person is needed", () => {
    for (const current of ['blocked', 'needs_input'] as const) {
      expect(at(current, work, { reportedByAgent: true })).toBeNull();
      expect(at(current, end, { reportedByAgent: true })).toBeNull();
      expect(at(current, prompt, { reportedByAgent: true })).toEqual({ status: 'running', reason: null });
      expect(at(current, wait, { reportedByAgent: true })).toEqual({ status: 'needs_input', reason: 'needs_input' });
    }
  });
});
