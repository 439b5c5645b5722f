import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { registerAgentCommands } from './commands/agent.js';
import { registerAuthCommands } from './commands/auth.js';
import { registerDemoCommands } from './commands/demo.js';
import { registerHookCommands } from './commands/hook.js';
import { registerMcpCommands } from './commands/mcp.js';
import { registerOverviewCommands } from './commands/overview.js';
import { registerProjectCommands } from './commands/project.js';
import { registerQueueCommands } from './commands/queue.js';
import { registerReportCommands } from './commands/report.js';
import { registerServerCommands } from './commands/serve.js';
import { registerLogsCommand } from './commands/session-logs.js';
import { registerPtyCommands } from './commands/session-pty.js';
import { registerSessionCommands } from './commands/session.js';
import { registerMergeQueueCommands, registerWorktreeCommands } from './commands/worktree.js';
import { registerSkillCommands } from './commands/skill.js';
import { registerTaskCommands } from './commands/task.js';
import { registerTemplateCommands } from './commands/template.js';
import { registerMessageCommands } from './commands/message.js';
import { registerLeaseCommands } from './commands/lease.js';
import { registerRunCommand } from './commands/run.js';
import { registerNotifyCommands } from './commands/notify.js';

const HELP_FOOTER = `
Environment:
  MAESTRO_API_URL        server to talk to (default http://127.0.0.1:$MAESTRO_PORT, port 3000)
  MAESTRO_PORT           port for \`maestro serve\` and the default API URL
  MAESTRO_HOME           where \`maestro serve\` keeps its data and owner secret (default ~/.maestro);
                         the CLI reads the secret from there
  MAESTRO_PROJECT_ID     default for --project (else the project of the current directory,
                         else the only project)
  MAESTRO_SESSION_ID     act as this session (agents); default for --session
  MAESTRO_SESSION_TOKEN  prove the session's identity with its token

Every command takes --json for machine-readable output (errors then also print
{"error":{"code","message","field"}} on stdout). As in the original maestro CLI, --json,
--project <id> and --server <url> may also come before the command: maestro --json task list.

Exit codes: 0 ok, 1 refused or failed, 2 usage error or invalid input, 3 server not reachable.`;

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The `maestro` command line: one subcommand per operation, plus `serve` and `mcp`. */
export function buildProgram(): Command {
  const program = new Command('maestro')
    .description('Maestro: coordinate AI coding agents: tasks, sessions, queues and reports')
    .version(version(), '-V, --version')
    // Settings below are inherited by every subcommand created after them.
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', HELP_FOOTER);

  registerProjectCommands(program);
  registerTaskCommands(program);
  const session = registerSessionCommands(program); // list|info|spawn here
  registerPtyCommands(session); // attach|replay|send|stop: the PTY side
  registerWorktreeCommands(session); // worktree|diff|files|cat|merge|cleanup
  registerMergeQueueCommands(program);
  registerLogsCommand(session); // logs: the agent's transcript
  registerReportCommands(program);
  registerQueueCommands(program);
  registerTemplateCommands(program);
  registerSkillCommands(program);
  registerOverviewCommands(program);
  registerMessageCommands(program);
  registerLeaseCommands(program);
  registerRunCommand(program);
  registerNotifyCommands(program);
  registerServerCommands(program);
  registerMcpCommands(program);
  registerAuthCommands(program);
  registerDemoCommands(program);
  registerAgentCommands(program);
  registerHookCommands(program);
  return program;
}
