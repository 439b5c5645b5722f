import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '../core/types.js';
import { writePrivateFile } from '../security/permissions.js';
import type { AgentKind } from '../core/constants.js';
import { AGENTS, adapterForProgram, type LaunchContext } from './agents.js';
import { maestroBin } from '../install.js';
import { HOOK_EVENTS } from './hooks/contract.js';
import { ENV_NAME, programOf, shellQuote } from './shell.js';

/**
 * Everything written into `$MAESTRO_HOME/sessions/<id>/` to start an agent: the MCP config it is
 * given, its initial prompt, and the wrapper script tmux runs.
 */

export const DEFAULT_AGENT_COMMAND = 'claude';

export interface ResolvedCommand {
  /** The command line as configured (what the timeline shows). */
  commandLine: string;
  /** Where it came from: spawn input or template, the agent kind's program, the supervisor's option, MAESTRO_AGENT_CMD, or the default. */
  source: 'session' | 'agent' | 'supervisor' | 'env' | 'default';
  /** Which agent CLI it is (chosen, or known by its program), hence how it is launched and read. */
  kind: AgentKind;
  /** The program the line starts with, checked on PATH before launching; null when it cannot be read. */
  program: string | null;
}

/**
 * Which command starts the agent: the session's own (spawn input, else its template; the core has
 * already merged those two) > the chosen agent kind's program > the supervisor's configured default >
 * `MAESTRO_AGENT_CMD` (session env first, then the server's) > `claude`. The kind is the chosen one, or
 * the one its program is (`/opt/bin/codex --model o3` is Codex), or generic.
 */
export function resolveAgentCommand(input: {
  sessionCommand: string | null | undefined;
  agent?: AgentKind | null;
  supervisorCommand?: string;
  env?: Record<string, string | undefined>;
  processEnv?: Record<string, string | undefined>;
}): ResolvedCommand {
  const chosen = input.agent ? AGENTS[input.agent] : null;
  const pick = (): [string, ResolvedCommand['source']] => {
    const trimmed = (v: string | null | undefined) => (v && v.trim() ? v.trim() : undefined);
    const own = trimmed(input.sessionCommand);
    if (own) return [own, 'session'];
    if (chosen?.program) return [chosen.program, 'agent'];
    const sup = trimmed(input.supervisorCommand);
    if (sup) return [sup, 'supervisor'];
    const env = trimmed(input.env?.MAESTRO_AGENT_CMD) ?? trimmed((input.processEnv ?? process.env).MAESTRO_AGENT_CMD);
    if (env) return [env, 'env'];
    return [DEFAULT_AGENT_COMMAND, 'default'];
  };
  const [commandLine, source] = pick();
  const program = programOf(commandLine);
  return { commandLine, source, kind: (chosen ?? adapterForProgram(program)).kind, program };
}

/** The initial prompt: who the agent is, what to do, which tools and skills it has. */
export function buildPrompt(manifest: Manifest, manifestPath: string): string {
  const { session, project, tasks, skills } = manifest;
  const lines: string[] = [];
  lines.push(
    `You are Maestro session ${session.id}${session.name !== session.id ? ` ("${session.name}")` : ''}: a ${session.role} with the ${session.strategy} strategy, in project "${project.name}" (${project.workingDir}).`,
  );
  if (session.parentSessionId) lines.push(`You were spawned by orchestrator session ${session.parentSessionId}.`);
  lines.push('', manifest.instructions);
  if (tasks.length > 0) {
    lines.push('', session.strategy === 'queue' ? 'Tasks in your queue (claim them with queue_start):' : 'Your tasks:');
    for (const t of tasks) {
      lines.push(`- ${t.id} "${t.title}" [${t.status}, ${t.priority} priority]${t.dependencies.length ? ` (after ${t.dependencies.join(', ')})` : ''}`);
      const description = t.description.trim();
      if (description) lines.push(...indent(truncate(description, 2000)));
    }
  }
  if (skills.length > 0) {
    lines.push('', 'Skills (read one with the skill_get tool before doing that kind of work):');
    for (const s of skills) lines.push(`- ${s.name}: ${s.description}`);
  }
  lines.push(
    '',
    `Your full manifest is at ${manifestPath}. The Maestro MCP tools (whoami, task_*, report_*, queue_*${session.role === 'orchestrator' ? ', session_*' : ''}) are your line to the team: report as you go, and finish by reporting completion.`,
  );
  return lines.join('\n');
}

const indent = (text: string) => text.split('\n').map((l) => `    ${l}`);
const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}… (see the manifest for the rest)` : text);


/**
 * Claude Code's `--mcp-config` file: one stdio server, `maestro mcp`, with the session's identity in
 * its environment. Custom agents read it too (MAESTRO_MCP_CONFIG). It holds the session token: 0600.
 */
export function mcpConfig(env: Record<string, string>, opts: { node?: string; bin?: string } = {}) {
  const maestroEnv = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('MAESTRO_')));
  return {
    mcpServers: {
      maestro: {
        command: opts.node ?? process.execPath,
        args: [opts.bin ?? maestroBin(), 'mcp'],
        env: maestroEnv,
      },
    },
  };
}

/**
 * Claude Code settings that register `maestro hook <event>` for every event Maestro reads. Given with
 * `--settings`, they add to the user's own settings and hooks (Claude Code merges hooks from every
 * source), so those keep working.
 */
export function hookSettings(opts: { node?: string; bin?: string } = {}) {
  const run = `${shellQuote(opts.node ?? process.execPath)} ${shellQuote(opts.bin ?? maestroBin())} hook`;
  return {
    hooks: Object.fromEntries(HOOK_EVENTS.map((event) => [event, [{ hooks: [{ type: 'command', command: `${run} ${event}`, timeout: 10 }] }]])),
  };
}

/** Who the agent is and how it works with Maestro: appended to Claude Code's system prompt. */
export function buildBrief(manifest: Manifest): string {
  const { session, project } = manifest;
  return [
    `You are Maestro session ${session.id}, a ${session.role} (${session.strategy} strategy) in project "${project.name}".`,
    manifest.instructions,
    'Report through the maestro MCP tools as you go (report_progress), ask with report_needs_input when you need a person, and finish every task with task_complete or report_complete: a turn that ends without a report leaves your orchestrator guessing.',
  ].join('\n');
}

/**
 * What an adapter launches with. Agents other than Claude Code start `maestro mcp` themselves from their
 * own config; it reads the session's identity from the 0600 MCP config file (`--env-from`), so the token
 * is on no command line.
 */
export function launchContext(files: LaunchFiles, agentSessionId: string, opts: { node?: string; bin?: string } = {}): LaunchContext {
  return {
    files,
    agentSessionId,
    mcp: { command: opts.node ?? process.execPath, args: [opts.bin ?? maestroBin(), 'mcp', '--env-from', files.mcpConfigPath] },
  };
}

export interface LaunchFiles {
  dir: string;
  mcpConfigPath: string;
  /** Claude Code settings of Maestro's own (`--settings`): the hooks that report to it. */
  settingsPath: string;
  /** The role brief appended to Claude Code's system prompt. */
  briefPath: string;
  /** Gemini CLI's MCP settings (its system-defaults layer). */
  geminiSettingsPath: string;
  promptPath: string;
  scriptPath: string;
  exitCodePath: string;
}

export const launchFilePaths = (sessionDir: string, mcpConfigPath: string): LaunchFiles => ({
  dir: sessionDir,
  mcpConfigPath,
  settingsPath: join(sessionDir, 'claude-settings.json'),
  geminiSettingsPath: join(sessionDir, 'gemini-settings.json'),
  briefPath: join(sessionDir, 'brief.txt'),
  promptPath: join(sessionDir, 'prompt.txt'),
  scriptPath: join(sessionDir, 'agent.sh'),
  exitCodePath: join(sessionDir, 'exit-code'),
});

/** tmux channel the wrapper waits on, so the agent starts only once the supervisor is attached and recording. */
export const startChannel = (sessionId: string) => `maestro-start-${sessionId}`;

/**
 * The wrapper tmux runs. It waits for the supervisor's start signal (nothing the agent prints is
 * missed by the recording), exports the session environment (kept out of tmux's command line and
 * `ps`, since it carries the session token), runs the agent, and leaves the exit code in a file —
 * readable even if the supervisor was down when the agent ended.
 */
export function wrapperScript(opts: {
  sessionId: string;
  cwd: string;
  env: Record<string, string>;
  command: ResolvedCommand;
  files: LaunchFiles;
  tmuxArgs: string[];
  /** The agent's own session id (Claude Code's --session-id), so its transcript can be found. */
  agentSessionId: string;
}): string {
  const { files } = opts;
  const exports = Object.entries(opts.env)
    .filter(([k]) => ENV_NAME.test(k))
    .map(([k, v]) => `export ${k}=${shellQuote(v)}`);
  const launch = launchContext(files, opts.agentSessionId);
  const adapter = AGENTS[opts.command.kind];
  const args = adapter.args(launch);
  const agent = args === null ? `/bin/sh -c ${shellQuote(opts.command.commandLine)}` : `${opts.command.commandLine} ${args}`;
  const agentEnv = Object.entries(adapter.env(launch)).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
  return [
    '#!/bin/sh',
    `# Written by Maestro for session ${opts.sessionId}; tmux runs it. Do not edit: it is rewritten at each launch.`,
    `${opts.tmuxArgs.map(shellQuote).join(' ')} wait-for ${shellQuote(startChannel(opts.sessionId))} 2>/dev/null`,
    ...exports,
    `export MAESTRO_MCP_CONFIG=${shellQuote(files.mcpConfigPath)}`,
    `export MAESTRO_PROMPT_FILE=${shellQuote(files.promptPath)}`,
    // Agents other than Claude Code may run these hooks themselves (the scripted agent does).
    `export MAESTRO_HOOK_SETTINGS=${shellQuote(files.settingsPath)}`,
    `export MAESTRO_AGENT_SESSION_ID=${shellQuote(opts.agentSessionId)}`,
    ...agentEnv,
    // The agent must not reach Maestro's tmux server by accident (a stray `tmux kill-server` would end every agent).
    'unset TMUX TMUX_PANE',
    `cd ${shellQuote(opts.cwd)} || exit 126`,
    agent,
    'code=$?',
    `printf '%s\\n' "$code" > ${shellQuote(`${files.exitCodePath}.tmp`)} && mv -f ${shellQuote(`${files.exitCodePath}.tmp`)} ${shellQuote(files.exitCodePath)}`,
    'exit "$code"',
    '',
  ].join('\n');
}

export { writePrivateFile };

export function removeFile(path: string): void {
  rmSync(path, { force: true });
}

/** The agent's exit code as the wrapper left it, or null when it has not exited (or was killed with its terminal). */
export function readExitCode(path: string): number | null {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}
