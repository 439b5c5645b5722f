import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

interface CommandHook {
  type: string;
  command: string;
  timeout?: number;
}

interface HookSettings {
  hooks?: Record<string, Array<{ matcher?: string; hooks: CommandHook[] }>>;
}

/**
 * Runs hooks the way Claude Code does: the command hooks that settings register for an event, each
 * through the shell with the event's JSON on stdin (the common fields, then the event's own), waiting
 * for it to end (or its timeout) before going on. The scripted agent uses the settings Maestro
 * launched it with ($MAESTRO_HOOK_SETTINGS), so it reports to Maestro exactly as Claude Code would.
 */
export class HookRunner {
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

  async fire(event: string, fields: Record<string, unknown> = {}, toolName?: string): Promise<void> {
    const groups = this.settings.hooks?.[event] ?? [];
    const input = JSON.stringify({ ...this.common, hook_event_name: event, ...fields });
    for (const group of groups) {
      if (!matches(group.matcher, toolName)) continue;
      for (const hook of group.hooks) if (hook.type === 'command') await run(hook, input);
    }
  }
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

function run(hook: CommandHook, input: string): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', hook.command], { stdio: ['pipe', 'ignore', 'ignore'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), (hook.timeout ?? 60) * 1000);
    child.on('error', () => resolve());
    child.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}
