import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { Project } from '../../core/types.js';
import { fields, table, when } from '../output.js';
import { opCommand } from '../run.js';

const projectDetail = (p: Project) =>
  `${p.id}  ${p.name}\n${fields(
    [
      ['directory', p.workingDir],
      ['created', when(p.createdAt)],
      ['updated', when(p.updatedAt)],
    ],
    '  ',
  )}`;

export function registerProjectCommands(program: Command): Command {
  const project = program.command('project').description('projects: a name and a working directory');

  opCommand(project, {
    usage: 'list',
    description: 'list projects',
    op: 'project.list',
    input: () => ({}),
    human: (projects: Project[]) =>
      projects.length === 0
        ? 'no projects (create one with `maestro project create <name>`)'
        : table(['ID', 'NAME', 'DIRECTORY'], projects.map((p) => [p.id, p.name, p.workingDir])),
  });

  opCommand(project, {
    usage: 'create <name>',
    description: 'create a project',
    op: 'project.create',
    options: (c) => c.option('-d, --dir <path>', 'working directory (default: the current directory)'),
    input: ([name], o) => ({ name, workingDir: resolve(o.dir ?? process.cwd()) }),
    fields: { name: '<name>' },
    human: (p: Project) => `created project ${p.id}  ${p.name}  (${p.workingDir})\nexport MAESTRO_PROJECT_ID=${p.id}`,
  });

  opCommand(project, {
    usage: 'get <project>',
    description: 'show a project (by id or name)',
    op: 'project.get',
    input: ([ref]) => ({ project: ref }),
    fields: { project: '<project>' },
    human: projectDetail,
  });

  opCommand(project, {
    usage: 'update <project>',
    description: 'rename a project or change its working directory',
    op: 'project.update',
    options: (c) => c.option('--name <name>', 'new name').option('--dir <path>', 'new working directory'),
    input: ([ref], o) => ({ project: ref, name: o.name, workingDir: o.dir === undefined ? undefined : resolve(o.dir) }),
    fields: { project: '<project>' },
    human: (p: Project) => `updated project ${p.id}  ${p.name}  (${p.workingDir})`,
  });

  return project;
}
