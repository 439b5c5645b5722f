import type { Command } from 'commander';
import { table } from '../output.js';
import { print, printJson } from '../run.js';

/** Agents that ship with Maestro. */
export function registerAgentCommands(program: Command): void {
  const agent = program.command('agent').description('the agent CLIs Maestro launches, and the scripted agent that ships with it');
  const list = agent
    .command('list')
    .description('the agent CLIs Maestro knows how to launch, and which are installed here')
    .option('--json', 'print the list as JSON')
    .action(async () => {
      const { agentInventory } = await import('../agent-inventory.js');
      const rows = agentInventory();
      if (list.opts<{ json?: boolean }>().json) {
        printJson(rows);
        return;
      }
      print(
        table(
          ['KIND', 'AGENT', 'PROGRAM', 'INSTALLED', 'HOOKS'],
          rows.map((r) => [r.kind + (r.default ? ' (default)' : ''), r.title, r.program ?? '(any command)', r.path ?? (r.program ? 'no' : '-'), r.hooks ? 'yes' : 'no']),
        ),
      );
    });
  agent
    .command('script')
    .description('a scripted agent with no model: works through its tasks over MCP as Claude Code would (maestro demo runs it)')
    .addHelpText(
      'after',
      '\nRun by Maestro as a session\'s agent command (it needs the session\'s MAESTRO_MANIFEST_PATH and\n' +
        'MAESTRO_MCP_CONFIG), e.g. `maestro session spawn --task <id> --agent-command "maestro agent script"`.\n' +
        'Workers report progress, ask one question in their terminal (AGENT_ASK=0: none) and complete their\n' +
        'tasks; queue workers drain their queue; orchestrators hand subtasks to workers as they become ready.\n' +
        'AGENT_STEP_MS sets the pause between steps (default 50).',
    )
    .action(async () => {
      const { runScriptedAgent } = await import('../../agent/script.js');
      await runScriptedAgent();
    });
}
