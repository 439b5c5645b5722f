import type { Command } from 'commander';
import { SESSION_OPTION } from '../options.js';
import { opCommand } from '../run.js';

const KINDS = [
  ['progress', 'progress', 'record progress on your current task (marks it in progress)'],
  ['complete', 'complete', 'record that your current task is done (marks it done)'],
  ['blocked', 'blocked', 'record that you cannot go on and why (marks task and session blocked)'],
  ['error', 'error', 'record an error on the timeline (no status change)'],
  ['needs-input', 'needs_input', 'ask a human for input (marks task and session needs_input)'],
] as const;

/** `report <kind> <message...>`: a session's reports, as the agent itself (MAESTRO_SESSION_ID) or for --session. */
export function registerReportCommands(program: Command): Command {
  const report = program
    .command('report')
    .description("report on a session's work (progress, completion, blockers, errors, questions)");
  for (const [verb, kind, description] of KINDS) {
    opCommand(report, {
      usage: `${verb} <message...>`,
      description,
      op: `report.${kind}`,
      options: (c) => c.option('--task <id>', 'the task this is about (default: your current task)').option(...SESSION_OPTION),
      input: ([words], o) => ({ message: (words as string[]).join(' '), taskId: o.task, sessionId: o.session }),
      fields: { message: '<message>' },
      human: (r) =>
        `reported ${verb} for ${r.session.id}` +
        (r.task ? ` on ${r.task.id} (task ${r.task.status})` : '') +
        `; session ${r.session.status}`,
    });
  }
  return report;
}
