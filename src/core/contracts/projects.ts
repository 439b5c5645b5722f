import { z } from 'zod';
import * as E from '../entities/index.js';
import * as S from '../schemas.js';
import { contract } from './contract.js';

/** Projects: a name and a working directory. */
export const projectList = contract({
  name: 'project.list',
  title: 'List projects',
  description: 'Lists projects (a session sees only its own).',
  input: S.ProjectListInput,
  output: z.array(E.Project),
  access: 'any',
  readOnly: true,
});

export const projectCreate = contract({
  name: 'project.create',
  title: 'Create a project',
  description: 'Creates a project: a unique name and the absolute path of its working directory.',
  input: S.ProjectCreateInput,
  output: E.Project,
  access: 'user',
  readOnly: false,
});

export const projectGet = contract({
  name: 'project.get',
  title: 'Get a project',
  description: 'Returns one project by id or name.',
  input: S.ProjectGetInput,
  output: E.Project,
  access: 'any',
  readOnly: true,
});

export const projectUpdate = contract({
  name: 'project.update',
  title: 'Rename or move a project',
  description: 'Changes a project name or working directory.',
  input: S.ProjectUpdateInput,
  output: E.Project,
  access: 'user',
  readOnly: false,
});

export const projectDelete = contract({
  name: 'project.delete',
  title: 'Delete a project',
  description:
    'Deletes a project with all its tasks, sessions, timelines and queues (and the session recordings); refused while any of its sessions is live, so stop those first. Cannot be undone.',
  input: S.ProjectDeleteInput,
  output: E.ProjectDeleteResult,
  access: 'user',
  readOnly: false,
});

export const PROJECT_CONTRACTS = [projectList, projectCreate, projectGet, projectUpdate, projectDelete] as const;
