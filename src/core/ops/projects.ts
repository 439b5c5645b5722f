import { z } from 'zod';
import { projectFor } from '../access.js';
import * as E from '../entities/index.js';
import * as S from '../schemas.js';
import { op } from './operation.js';

export const PROJECT_OPS = [
  op({
    name: 'project.list',
    title: 'List projects',
    description: 'Lists projects (a session sees only its own).',
    input: S.ProjectListInput,
    output: z.array(E.Project),
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }) =>
      actor.kind === 'session' ? [svc.projects.get(actor.session.projectId)] : svc.projects.list(),
  }),
  op({
    name: 'project.create',
    title: 'Create a project',
    description: 'Creates a project: a unique name and the absolute path of its working directory.',
    input: S.ProjectCreateInput,
    output: E.Project,
    access: 'user',
    readOnly: false,
    run: ({ svc }, input) => svc.projects.create(input),
  }),
  op({
    name: 'project.get',
    title: 'Get a project',
    description: 'Returns one project by id or name.',
    input: S.ProjectGetInput,
    output: E.Project,
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }, input) => projectFor(svc, actor, input.project),
  }),
  op({
    name: 'project.update',
    title: 'Rename or move a project',
    description: 'Changes a project name or working directory.',
    input: S.ProjectUpdateInput,
    output: E.Project,
    access: 'user',
    readOnly: false,
    run: ({ svc }, input) => svc.projects.update(input.project, { name: input.name, workingDir: input.workingDir }),
  }),
  op({
    name: 'project.delete',
    title: 'Delete a project',
    description:
      'Deletes a project with all its tasks, sessions, timelines and queues (and the session recordings); refused while any of its sessions is live, so stop those first. Cannot be undone.',
    input: S.ProjectDeleteInput,
    output: E.ProjectDeleteResult,
    access: 'user',
    readOnly: false,
    run: ({ svc }, input) => svc.deleteProject(input.project),
  }),
] as const;
