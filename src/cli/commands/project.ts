import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { Project } from '../../core/types.js';
import { shellQuote } from '../../pty/shell.js';
import { fields, table, when } from '../output.js';
import { orClear, wholeNumber } from '../options.js';
import { makeClient, opCommand, usageError } from '../run.js';

const projectDetail = (p: Project) =>
  `${p.id}  ${p.name}\n${fields(
    [
      ['directory', p.workingDir],
      ['created', when(p.createdAt)],
      ['updated', `${when(p.updatedAt)}  (version ${p.version})`],
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
    human: (projects) =>
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
    human: (p) => `created project ${p.id}  ${p.name}  (${p.workingDir})\nexport MAESTRO_PROJECT_ID=${p.id}`,
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
    description: 'rename a project, change its working directory, or its worktree and merge settings',
    op: 'project.update',
    options: (c) =>
      c
        .option('--name <name>', 'new name')
        .option('--dir <path>', 'new working directory')
        .option('--worktree', 'give new sessions their own git worktree by default')
        .option('--no-worktree', 'run new sessions in the project directory by default')
        .option('--base-branch <branch>', "where worktrees start and merges land ('': the directory's current branch)")
        .option('--worktree-root <dir>', "where session worktrees go ('': $MAESTRO_HOME/worktrees/<project>)")
        .option('--test-cmd <command>', "shell command run on a merged result before the target branch moves ('': none)")
        .option('--until <what>', "what new dependencies wait for by default: done or merged")
        .option('--lease-guard', "install the pre-commit lease guard in new session worktrees (the default)")
        .option('--no-lease-guard', 'do not install the pre-commit lease guard in new session worktrees')
        .option('--if-version <n>', 'only if the project is still at this version (else a conflict)', wholeNumber),
    input: ([ref], o) => ({
      project: ref,
      name: o.name,
      workingDir: o.dir === undefined ? undefined : resolve(o.dir),
      worktrees: o.worktree,
      baseBranch: orClear(o.baseBranch),
      worktreeRoot: o.worktreeRoot === undefined ? undefined : o.worktreeRoot.trim() === '' ? null : resolve(o.worktreeRoot),
      testCmd: orClear(o.testCmd),
      dependencyUntil: o.until,
      leaseGuard: o.leaseGuard,
      ifVersion: o.ifVersion,
    }),
    fields: { project: '<project>' },
    human: (p) => `updated project ${p.id}  ${p.name}  (${p.workingDir})`,
  });

  opCommand(project, {
    usage: 'delete <project>',
    description: 'delete a project with all its tasks and sessions (refused while one of its sessions is live)',
    op: 'project.delete',
    options: (c) => c.option('--yes', 'confirm the deletion: it cannot be undone'),
    input: async ([ref], o) => {
      if (!o.yes) throw usageError(await deletionWarning(ref));
      return { project: ref };
    },
    fields: { project: '<project>' },
    human: (r) => `deleted project ${r.projectId} ${r.name}: ${r.deletedTasks} tasks, ${r.deletedSessions} sessions`,
  });

  return project;
}

/**
 * Why `project delete` without --yes stops: what would go, read from the server (a project that does not
 * exist, or a server that does not answer, fails as any other command would).
 */
async function deletionWarning(ref: string): Promise<string> {
  const client = makeClient();
  const p = await client.call('project.get', { project: ref });
  const st = await client.call('status', { project: p.id });
  const live =
    st.sessions.active > 0
      ? ` (${st.sessions.active} of its sessions ${st.sessions.active === 1 ? 'is' : 'are'} still live: stop ${st.sessions.active === 1 ? 'it' : 'them'} first)`
      : '';
  return (
    `deleting project ${p.name} (${p.id}) also deletes its ${st.tasks.total} task(s) and ${st.sessions.total} session(s)${live}, ` +
    `with their timelines, queues and recordings, and cannot be undone: add --yes (maestro project delete ${shellQuote(ref)} --yes)`
  );
}
