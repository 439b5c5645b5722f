import type { Command } from 'commander';
import { PROJECT_OPTION, projectOf } from '../options.js';
import { table } from '../output.js';
import { opCommand } from '../run.js';

export function registerSkillCommands(program: Command): Command {
  const skill = program
    .command('skill')
    .description('skills: markdown guides in $MAESTRO_HOME/skills and <project>/.maestro/skills');

  opCommand(skill, {
    usage: 'list',
    description: 'list skills available to a project',
    op: 'skill.list',
    options: (c) => c.option(...PROJECT_OPTION),
    input: async (_a, o, env) => ({ project: await projectOf(o, env) }),
    human: (skills) =>
      skills.length === 0
        ? 'no skills (add markdown files to $MAESTRO_HOME/skills or <project>/.maestro/skills)'
        : table(['NAME', 'SOURCE', 'DESCRIPTION'], skills.map((s) => [s.name, s.source, s.description])),
  });

  opCommand(skill, {
    usage: 'get <name>',
    description: 'print the markdown of a skill',
    op: 'skill.get',
    options: (c) => c.option(...PROJECT_OPTION),
    input: async ([name], o, env) => ({ name, project: await projectOf(o, env) }),
    fields: { name: '<name>' },
    human: (s) => s.content,
  });

  return skill;
}
