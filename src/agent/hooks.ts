import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

interface CommandHook {
  type: string;
  command: string;
  timeout?: number;
}

/**
 * What the hooks of one event said on stdout, as Claude Code reads it: context to add to the model's
 * (UserPromptSubmit, PostToolUse, SessionStart: hookSpecificOutput.additionalContext) and, for Stop, a
 * block with its reason (the turn goes on with that reason as its instruction).
 */
export interface HookResult {
  contexts: string[];
  block: string | null;
}

/** The most of a hook's stdout that is read (Claude Code caps it too). */
const MAX_HOOK_STDOUT = 1024 * 1024;

interface HookSettings {
  hooks?: Record<string, Array<{ matcher?: string; hooks: CommandHook[] }>>;
}

/**
 * Runs hooks the way Claude Code does: the command hooks that settings register for an event, each
 * through the shell with the event's JSON on stdin (the common fields, then the event's own), waiting
 * for it to end (or its timeout) before going on, and honouring what it prints as Claude Code does
 * (context added, a Stop blocked: see HookResult). The scripted agent uses the settings Maestro launched it
 * with ($MAESTRO_HOOK_SETTINGS), so it reports to Maestro, and hears back, exactly as Claude Code would.
 */
export class HookRunner {
  /** Shown what a hook added to the context, as Claude Code shows it (set by the agent: its terminal and transcript). */
  onContext: ((event: string, text: string) => void) | null = null;

  private constructor(
    private readonly settings: HookSettings,
    private readonly common: Record<string, unknown>,
  ) {}

  /** The runner for this process's environment; null when it was not given hook settings. */
  static fromEnv(env: NodeJS.ProcessEnv, transcriptPath: string): HookRunner | null {
    if (!env.MAESTRO_HOOK_SETTINGS || env.AGENT_HOOKS === '0') return null;
    let settings: HookSettings;
    try {
      settings = JSON.parse(readFileSync(env.MAESTRO_HOOK_SETTINGS, 'utf8')) as HookSettings;
    } catch {
      return null;
    }
    return new HookRunner(settings, {
      session_id: env.MAESTRO_AGENT_SESSION_ID ?? '',
      transcript_path: transcriptPath,
      cwd: process.cwd(),
      permission_mode: 'default',
    });
  }

  async fire(event: string, fields: Record<string, unknown> = {}, toolName?: string): Promise<HookResult> {
    const groups = this.settings.hooks?.[event] ?? [];
    const input = JSON.stringify({ ...this.common, hook_event_name: event, ...fields });
    const result: HookResult = { contexts: [], block: null };
    for (const group of groups) {
      if (!matches(group.matcher, toolName)) continue;
      for (const hook of group.hooks) if (hook.type === 'command') read(event, await run(hook, input), result);
    }
    for (const text of result.contexts) this.onContext?.(event, text);
    return result;
  }

  /**
   * The end of a turn, as Claude Code ends it: Stop fires; a hook that blocks it makes the turn go on with
   * its reason (`onBlock`), then Stop fires again with stop_hook_active (at most `max` times).
   */
  async stop(onBlock: (reason: string) => void | Promise<void>, max = 5): Promise<void> {
    for (let i = 0; i < max; i++) {
      const { block } = await this.fire('Stop', { stop_hook_active: i > 0 });
      if (block === null) return;
      await onBlock(block);
    }
  }
}

/** Claude Code's reading of a command hook's stdout (exit 0 only): one JSON object, else plain text. */
function read(event: string, out: { code: number | null; stdout: string }, into: HookResult): void {
  const text = out.stdout.trim();
  if (out.code !== 0 || text === '') return;
  let json: Record<string, any> | null = null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') json = parsed as Record<string, any>;
  } catch {
    // Plain stdout is context for UserPromptSubmit and SessionStart only.
    if (event === 'UserPromptSubmit' || event === 'SessionStart') into.contexts.push(text);
    return;
  }
  if (!json) return;
  const context = json.hookSpecificOutput?.hookEventName === event ? json.hookSpecificOutput.additionalContext : undefined;
  if (typeof context === 'string' && context !== '') into.contexts.push(context);
  if (event === 'Stop' && json.decision === 'block' && typeof json.reason === 'string') into.block = json.reason;
}

/** Claude Code's matcher: none, empty or `*` match everything; otherwise a regex on the tool name. */
function matches(matcher: string | undefined, toolName: string | undefined): boolean {
  if (!matcher || matcher === '*' || toolName === undefined) return true;
  try {
    return new RegExp(`^(?:${matcher})$`).test(toolName);
  } catch {
    return matcher === toolName;
  }
}

function run(hook: CommandHook, input: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', hook.command], { stdio: ['pipe', 'pipe', 'ignore'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), (hook.timeout ?? 60) * 1000);
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      if (stdout.length < MAX_HOOK_STDOUT) stdout += d.toString('utf8');
    });
    child.on('error', () => resolve({ code: null, stdout: '' }));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}
