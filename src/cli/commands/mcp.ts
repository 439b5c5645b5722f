import { Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, fail, print, printJson, usageError } from '../run.js';

/*
 * `mcp` (an MCP server on stdio for an agent), `mcp config` and `mcp install`. Every action imports what
 * it needs when it runs: the MCP SDK is heavy, and other commands load this file too.
 */

const SCOPES = ['project', 'user', 'local'] as const;
type Scope = (typeof SCOPES)[number];

export function registerMcpCommands(program: Command): void {
  const mcp = program
    .command('mcp')
    .description("run an MCP server on stdio for an agent (what `maestro mcp install --claude` sets up); starts the Maestro server if none runs")
    .option('--no-start', 'do not start a server when none runs on $MAESTRO_HOME: fail (exit 3) instead')
    .option('--env-from <mcp.json>', "take the MAESTRO_* variables of the maestro entry of this MCP config (a session's identity, kept off command lines)")
    .addHelpText(
      'after',
      '\nActs as $MAESTRO_SESSION_ID (proved by $MAESTRO_SESSION_TOKEN when set), or as you when unset.\n' +
        "Talks to the server running on $MAESTRO_HOME, or to $MAESTRO_API_URL when set. When none runs (and\n" +
        'MAESTRO_API_URL is unset), it starts one in the background on the same home, which keeps running\n' +
        'after the agent leaves; its log is $MAESTRO_HOME/logs/server.log. Nothing but protocol on stdout.\n' +
        'Set-up: `maestro mcp install --claude` (Claude Code), or `maestro mcp config` for any MCP client.',
    )
    .action(async (opts: { start: boolean; envFrom?: string }) => {
      let env = process.env;
      if (opts.envFrom) {
        try {
          env = { ...env, ...sessionEnvFrom(opts.envFrom) };
        } catch (err) {
          process.stderr.write(`maestro mcp: ${(err as Error).message}\n`);
          process.exitCode = EXIT.usage;
          return;
        }
      }
      await serveMcp(opts.start, env);
    });

  mcp
    .command('config')
    .description("print this install's MCP server entry (absolute paths, no npx) for an MCP client's config")
    .option('--json', 'print it as JSON (the output is JSON either way)')
    .addHelpText(
      'after',
      '\nPaste it into:\n' +
        "  Claude Code     the project's .mcp.json (or let `maestro mcp install --claude` merge it in)\n" +
        '  Claude Desktop  claude_desktop_config.json (Settings > Developer > Edit Config)\n' +
        '  any MCP client  its "mcpServers" setting: a stdio server with this command and arguments\n' +
        'It names this node and this install; run it again after moving either. MAESTRO_HOME is included\n' +
        'when set, so a non-default home keeps working.',
    )
    .action(async () => {
      const { maestroMcpEntry } = await import('../mcp-entry.js');
      printJson({ mcpServers: { maestro: maestroMcpEntry() } });
    });

  mcp
    .command('install')
    .description("add this install's MCP server to Claude Code (the project's .mcp.json by default)")
    .option('--claude', 'for Claude Code (required: the only client supported for now)')
    .option('--dir <dir>', 'the project directory (default: the current directory)')
    .addOption(
      new Option('--scope <scope>', "project: <dir>/.mcp.json, shared with the repository; user or local: Claude Code's own config, through `claude mcp add-json`")
        .choices(SCOPES)
        .default('project'),
    )
    .option('--json', 'print {"file"|"scope", "changed", "entry"} as JSON')
    .addHelpText(
      'after',
      '\nSafe to run again: an identical entry is left alone, an outdated one (another path) is replaced, every\n' +
        'other server and key of the file is kept, and a file that is not valid JSON is refused, never overwritten.',
    )
    .action(async (opts: { claude?: boolean; dir?: string; scope: Scope; json?: boolean }, cmd: Command) => {
      try {
        if (!opts.claude) throw usageError('say which MCP client to install for: add --claude (Claude Code, the only one supported for now)');
        await install(opts.scope, opts.dir ?? process.cwd(), Boolean(opts.json));
      } catch (err) {
        fail(err, { json: opts.json, cmd });
      }
    });
}

async function install(scope: Scope, dirOption: string, json: boolean): Promise<void> {
  const [{ describeEntry, maestroMcpEntry }, { installInProjectFile, projectDir }] = await Promise.all([
    import('../mcp-entry.js'),
    import('../mcp-install.js'),
  ]);
  const entry = maestroMcpEntry();
  const dir = projectDir(dirOption);
  const file = join(dir, '.mcp.json');
  const outcome =
    scope === 'project' ? installInProjectFile(file, entry) : await (await import('../claude-cli.js')).installWithClaude(scope, dir, entry);
  if (json) {
    printJson({ ...(scope === 'project' ? { file } : { scope }), changed: outcome.changed, entry });
    return;
  }
  const where = scope === 'project' ? file : `Claude Code's ${scope} config`;
  if (!outcome.changed) print(`maestro is already installed in ${where}: nothing changed`);
  else if (outcome.replaced)
    print(`replaced an outdated maestro entry in ${where}${outcome.previous === undefined ? '' : ` (it ran: ${describeEntry(outcome.previous)})`}`);
  else
    print(
      `installed maestro in ${where}` +
        (scope === 'project' ? '\nClaude Code asks you to approve it the next time it starts in this project.' : ''),
    );
}

/**
 * `maestro mcp`: starts the home's server first when none runs, unless the user named a server
 * (MAESTRO_API_URL) or said --no-start. Only stderr is written here: stdout is the MCP channel.
 */
/**
 * The MAESTRO_* variables of an MCP config's `maestro` entry: agents other than Claude Code start
 * `maestro mcp --env-from <the session's mcp.json>` from their own config, so the session token is on
 * no command line and in no config file of theirs.
 */
function sessionEnvFrom(file: string): Record<string, string> {
  let config: { mcpServers?: { maestro?: { env?: Record<string, unknown> } } };
  try {
    config = JSON.parse(readFileSync(file, 'utf8')) as typeof config;
  } catch (err) {
    throw new Error(`--env-from ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not a JSON MCP config'}`);
  }
  const env = config.mcpServers?.maestro?.env ?? {};
  return Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('MAESTRO_') && typeof v === 'string')) as Record<string, string>;
}

async function serveMcp(start: boolean, processEnv: NodeJS.ProcessEnv): Promise<void> {
  const [{ runStdioMcp }, { ensureServer, runningServer }, { maestroHome }] = await Promise.all([
    import('../../mcp/stdio.js'),
    import('../background-server.js'),
    import('../../core/paths.js'),
  ]);
  let env = processEnv;
  if (start && !env.MAESTRO_API_URL?.trim() && !runningServer(maestroHome(env))) {
    let server: Awaited<ReturnType<typeof ensureServer>>;
    try {
      server = await ensureServer(env);
    } catch (err) {
      process.stderr.write(`maestro mcp: no Maestro server runs on ${maestroHome(env)} and starting one failed: ${(err as Error).message}\n`);
      process.exitCode = EXIT.unavailable;
      return;
    }
    if (server.started)
      process.stderr.write(
        `maestro mcp: started the Maestro server at ${server.url} (pid ${server.pid}); it keeps running in the background, log: ${server.logFile}\n`,
      );
    // The connection settings are read after the start: its URL (which may not be $MAESTRO_PORT's, when
    // that port was taken) and, on a fresh home, the owner secret it has just created.
    env = { ...env, MAESTRO_API_URL: server.url };
  }
  await runStdioMcp(env);
}
