import type { Command } from 'commander';
import { runHook } from '../hook.js';

/**
 * `hook <event>`: listed here for `maestro --help`; bin/maestro.js normally runs it through ../hook-main.ts
 * without loading the rest of the CLI. Same function, same rules: exit 0, and on stdout only the hook JSON the server asks for.
 */
export function registerHookCommands(program: Command): void {
  program
    .command('hook <event>')
    .description("report a Claude Code hook (its JSON on stdin) to the Maestro server; Claude Code runs this in the sessions Maestro launches")
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText(
      'after',
      `
<event> is the hook's name (PreToolUse, Stop, Notification, …). Acts for $MAESTRO_SESSION_ID with
$MAESTRO_SESSION_TOKEN and does nothing without them (your own Claude Code sessions). When the server
cannot be reached in time, the event is appended to $MAESTRO_HOME/sessions/<id>/hooks.spool.jsonl and the
server picks it up later. Always exits 0. Prints nothing, except Claude Code's hook JSON when the server
answers with messages for the session (UserPromptSubmit/PostToolUse: additionalContext; Stop: a block with
the messages as its reason); MAESTRO_HOOK_DEBUG=1 says on stderr what became of the event.`,
    )
    .action(async (event: string) => {
      await runHook(event);
      process.exitCode = 0;
    });
}
