import type { Command } from 'commander';
import type { SessionLogs } from '../../core/types.js';
import { transcriptLine } from '../output.js';
import { fail, makeClient, print, printJson, usageError } from '../run.js';

/** Adds `session logs`: the agent's conversation, from its transcript (Claude Code's JSONL), through the server. */
export function registerLogsCommand(session: Command): void {
  const logs = session
    .command('logs [id]')
    .description("show the agent's conversation from its transcript: prompts, replies, tool calls and results (default: $MAESTRO_SESSION_ID)")
    .option('--limit <n>', 'how many entries, the most recent (default 200, at most 5000)')
    .option('--head', 'the first entries instead of the most recent')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nThe transcript is the one the agent\'s hooks announced (Claude Code\'s ~/.claude/projects/…/<id>.jsonl).\nTool results and thinking are shortened; `maestro session info` shows the tokens and their cost.',
    )
    .action(async (id: string | undefined) => {
      const opts = logs.opts<{ limit?: string; head?: boolean; json?: boolean }>();
      try {
        const sessionId = id ?? process.env.MAESTRO_SESSION_ID?.trim();
        if (!sessionId) throw usageError('a session id is required (or set MAESTRO_SESSION_ID)', 'sessionId');
        // Not a number ("abc", ""): NaN, which the server refuses naming the field, as for any bad limit.
        const limit = opts.limit === undefined ? undefined : Number(opts.limit.trim() || Number.NaN);
        const result = await makeClient().logs(sessionId, { limit, ...(opts.head ? { head: true } : {}) });
        if (opts.json) printJson(result);
        else print(renderLogs(result, Boolean(opts.head)));
      } catch (err) {
        fail(err, { json: Boolean(opts.json), cmd: logs, fields: { sessionId: '[id]' } });
      }
    });
}

function renderLogs(logs: SessionLogs, head: boolean): string {
  const shown = logs.truncated ? `${head ? 'first' : 'last'} ${logs.entries.length} of ${logs.total} entries` : `${logs.total} entries`;
  const lines = [`${logs.sessionId} · ${logs.transcriptPath} · ${shown}`, ''];
  if (logs.entries.length === 0) lines.push('(the transcript has no conversation yet)');
  for (const entry of logs.entries) lines.push(transcriptLine(entry));
  return lines.join('\n');
}
