import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Manifest } from '../core/types.js';
import { writePrivateFile } from '../security/permissions.js';
import { ENV_NAME, programOf, shellQuote } from './shell.js';

/**
 * Everything written into `$MAESTRO_HOME/sessions/<id>/` to start an agent: the MCP config it is
 * given, its initial prompt, and the wrapper script tmux runs.
 */

export const DEFAULT_AGENT_COMMAND = 'claude';

export type AgentKind = 'claude' | 'custom';

export interface ResolvedCommand {
  /** The command line as configured (what the timeline shows). */
  commandLine: string;
  /** Where it came from: spawn input or template, the supervisor's option, MAESTRO_AGENT_CMD, or the default. */
  source: 'session' | 'supervisor' | 'env' | 'default';
  /** `claude`: given the MCP config and the prompt as arguments; `custom`: run by sh with them in the environment. */
  kind: AgentKind;
  /** The program the line starts with, checked on PATH before launching; null when it cannot be read. */
  program: string | null;
}

/**
 * Which command starts the agent: the session's own (spawn input, else its template; the core has
 * already merged those two) > the supervisor's configured default > `MAESTRO_AGENT_CMD` (session env
 * first, then the server's) > `claude`.
 */
export function resolveAgentCommand(input: {
  sessionCommand: string | null | undefined;
  supervisorCommand?: string;
  env?: Record<string, string | undefined>;
  processEnv?: Record<string, string | undefined>;
}): ResolvedCommand {
  const pick = (): [string, ResolvedCommand['source']] => {
    const trimmed = (v: string | null | undefined) => (v && v.trim() ? v.trim() : undefined);
    const own = trimmed(input.sessionCommand);
    if (own) return [own, 'session'];
    const sup = trimmed(input.supervisorCommand);
    if (sup) return [sup, 'supervisor'];
    const env = trimmed(input.env?.MAESTRO_AGENT_CMD) ?? trimmed((input.processEnv ?? process.env).MAESTRO_AGENT_CMD);
    if (env) return [env, 'env'];
    return [DEFAULT_AGENT_COMMAND, 'default'];
  };
  const [commandLine, source] = pick();
  const program = programOf(commandLine);
  const kind: AgentKind = program !== null && /^claude$/.test(basename(program)) ? 'claude' : 'custom';
  return { commandLine, source, kind, program };
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

/** The repository root (where bin/maestro.js lives), from this module's place in src/ or dist/src/. */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'bin', 'maestro.js')) && existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(from, '..', '..');
    dir = parent;
  }
}

export const maestroBin = () => join(packageRoot(), 'bin', 'maestro.js');

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

export interface LaunchFiles {
  dir: string;
  mcpConfigPath: string;
  promptPath: string;
  scriptPath: string;
  exitCodePath: string;
}

export const launchFilePaths = (sessionDir: string, mcpConfigPath: string): LaunchFiles => ({
  dir: sessionDir,
  mcpConfigPath,
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
}): string {
  const { files } = opts;
  const exports = Object.entries(opts.env)
    .filter(([k]) => ENV_NAME.test(k))
    .map(([k, v]) => `export ${k}=${shellQuote(v)}`);
  const agent =
    opts.command.kind === 'claude'
      ? // `--mcp-config` takes several values: `--` ends them, or the prompt would be read as a second config
        `${opts.command.commandLine} --mcp-config ${shellQuote(files.mcpConfigPath)} -- "$(cat ${shellQuote(files.promptPath)})"`
      : `/bin/sh -c ${shellQuote(opts.command.commandLine)}`;
  return [
    '#!/bin/sh',
    `# Written by Maestro for session ${opts.sessionId}; tmux runs it. Do not edit: it is rewritten at each launch.`,
    `${opts.tmuxArgs.map(shellQuote).join(' ')} wait-for ${shellQuote(startChannel(opts.sessionId))} 2>/dev/null`,
    ...exports,
    `export MAESTRO_MCP_CONFIG=${shellQuote(files.mcpConfigPath)}`,
    `export MAESTRO_PROMPT_FILE=${shellQuote(files.promptPath)}`,
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
