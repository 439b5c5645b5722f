import type { Command } from 'commander';

/** Agents that ship with Maestro. */
export function registerAgentCommands(program: Command): void {
  const agent = program.command('agent').description('agents that ship with Maestro');
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
