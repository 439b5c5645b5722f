import { AGENT_KINDS, type AgentKind } from '../core/constants.js';
import { claudeDetector, genericDetector, type AgentDetector } from './detectors/index.js';
import { shellQuote } from './shell.js';

/** What an adapter needs to start its agent: the launch files and this install's `maestro mcp`. */
export interface LaunchContext {
  files: { mcpConfigPath: string; settingsPath: string; briefPath: string; promptPath: string; geminiSettingsPath: string };
  agentSessionId: string;
  /** How the agent starts Maestro's MCP server with no secret on a command line: node, and its arguments. */
  mcp: { command: string; args: string[] };
}

/**
 * One agent CLI, as data: the program it ships as, how it is given Maestro's MCP server, its hooks and
 * its prompt (shell words appended to the command line, sh-quoted), the environment it needs, whether
 * it reports through Maestro's hooks, and how its screen is read.
 */
export interface AgentAdapter {
  kind: AgentKind;
  title: string;
  /** The program it is started as by default; null for `generic` (a command must be given). */
  program: string | null;
  /** Runs Maestro's hook settings, so its state comes from hooks before its screen. */
  hooks: boolean;
  detector: AgentDetector;
  /** Shell words after the command line; null: the command line runs by itself through `sh -c`. */
  args(ctx: LaunchContext): string | null;
  /** Environment for the agent, besides the session's. */
  env(ctx: LaunchContext): Record<string, string>;
  /** Files it reads at start (path -> JSON), written beside the manifest. */
  files(ctx: LaunchContext): Record<string, unknown>;
}

const prompt = (ctx: LaunchContext) => `"$(cat ${shellQuote(ctx.files.promptPath)})"`;
/** A TOML basic string (JSON's escapes are TOML's for these). */
const toml = (value: string) => JSON.stringify(value);

export const AGENTS: Record<AgentKind, AgentAdapter> = {
  claude: {
    kind: 'claude',
    title: 'Claude Code',
    program: 'claude',
    hooks: true,
    detector: claudeDetector,
    // `--mcp-config` takes several values: `--` ends them, or the prompt would be read as a second config.
    args: (ctx) =>
      `--settings ${shellQuote(ctx.files.settingsPath)} --session-id ${shellQuote(ctx.agentSessionId)} ` +
      `--append-system-prompt "$(cat ${shellQuote(ctx.files.briefPath)})" --mcp-config ${shellQuote(ctx.files.mcpConfigPath)} -- ${prompt(ctx)}`,
    env: () => ({}),
    files: () => ({}),
  },
  codex: {
    kind: 'codex',
    title: 'OpenAI Codex CLI',
    program: 'codex',
    hooks: false,
    detector: genericDetector,
    // Codex takes no MCP config file: per-run `-c` overrides of its config.toml, nothing written to it.
    args: (ctx) =>
      [
        `-c ${shellQuote(`mcp_servers.maestro.command=${toml(ctx.mcp.command)}`)}`,
        `-c ${shellQuote(`mcp_servers.maestro.args=[${ctx.mcp.args.map(toml).join(', ')}]`)}`,
        '--',
        prompt(ctx),
      ].join(' '),
    env: () => ({}),
    files: () => ({}),
  },
  gemini: {
    kind: 'gemini',
    title: 'Gemini CLI',
    program: 'gemini',
    hooks: false,
    detector: genericDetector,
    // Gemini reads MCP servers from settings files only: a system-defaults file of our own is the lowest
    // layer, so the user's settings still win and keep their servers.
    args: (ctx) => `--prompt-interactive ${prompt(ctx)}`,
    env: (ctx) => ({ GEMINI_CLI_SYSTEM_DEFAULTS_PATH: ctx.files.geminiSettingsPath }),
    files: (ctx) => ({ [ctx.files.geminiSettingsPath]: { mcpServers: { maestro: { command: ctx.mcp.command, args: ctx.mcp.args } } } }),
  },
  generic: {
    kind: 'generic',
    title: 'any other command (MCP config and prompt in MAESTRO_MCP_CONFIG, MAESTRO_PROMPT_FILE)',
    program: null,
    hooks: false,
    detector: genericDetector,
    args: () => null,
    env: () => ({}),
    files: () => ({}),
  },
};

export { AGENT_KINDS, type AgentKind };

/** The adapter a program is, by its name (`/opt/bin/claude` is Claude Code); generic otherwise. */
export function adapterForProgram(program: string | null): AgentAdapter {
  const name = program?.split('/').pop() ?? '';
  return Object.values(AGENTS).find((a) => a.program !== null && a.program === name) ?? AGENTS.generic;
}
