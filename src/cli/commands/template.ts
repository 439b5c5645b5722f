import type { Command } from 'commander';
import type { Template } from '../../core/types.js';
import { list } from '../options.js';
import { fields, table, when } from '../output.js';
import { opCommand } from '../run.js';

const templateDetail = (t: Template) =>
  `${t.id}  ${t.name}\n${fields(
    [
      ['role', t.role],
      ['strategy', t.strategy],
      ['skills', t.skills.length ? t.skills.join(', ') : null],
      ['agent', [t.agentKind, t.agentCommand].filter(Boolean).join(': ') || null],
      ['description', t.description],
      ['created', when(t.createdAt)],
    ],
    '  ',
  )}`;

export function registerTemplateCommands(program: Command): Command {
  const template = program.command('template').description('named session presets for `session spawn --template`');

  opCommand(template, {
    usage: 'list',
    description: 'list templates',
    op: 'template.list',
    input: () => ({}),
    human: (templates) =>
      templates.length === 0
        ? 'no templates'
        : table(
            ['NAME', 'ROLE', 'STRATEGY', 'SKILLS', 'AGENT'],
            templates.map((t) => [t.name, t.role, t.strategy, t.skills.join(','), t.agentCommand ?? '']),
          ),
  });

  opCommand(template, {
    usage: 'create <name>',
    description: 'save a session preset',
    op: 'template.create',
    options: (c) =>
      c
        .option('--role <role>', 'worker or orchestrator')
        .option('--strategy <strategy>', 'simple or queue')
        .option('--skill <names>', 'skill(s) to load, comma-separated or repeated', list)
        .option('--agent-command <command>', 'command that starts the agent')
        .option('--agent <kind>', 'which agent CLI: claude, codex, gemini or generic (see `maestro agent list`)')
        .option('-d, --description <text>', 'what the preset is for')
        .option('--worktree', 'sessions from it get their own git worktree')
        .option('--no-worktree', 'sessions from it run in the project directory'),
    input: ([name], o) => ({
      name,
      role: o.role,
      strategy: o.strategy,
      skills: o.skill,
      agentCommand: o.agentCommand,
      agent: o.agent,
      description: o.description,
      worktree: o.worktree,
    }),
    fields: { name: '<name>' },
    human: (t) => `created template ${t.name} (${t.id})`,
  });

  opCommand(template, {
    usage: 'get <name>',
    description: 'show a template (by name or id)',
    op: 'template.get',
    input: ([ref]) => ({ template: ref }),
    fields: { template: '<name>' },
    human: templateDetail,
  });

  opCommand(template, {
    usage: 'delete <name>',
    description: 'delete a template',
    op: 'template.delete',
    input: ([ref]) => ({ template: ref }),
    fields: { template: '<name>' },
    human: (t) => `deleted template ${t.name} (${t.id})`,
  });

  return template;
}
