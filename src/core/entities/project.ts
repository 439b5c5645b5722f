import { z } from 'zod';
import { DependencyUntil } from '../schemas.js';
import { ProjectId, Timestamp, Version } from './common.js';

export const Project = z
  .object({
    id: ProjectId,
    name: z.string().describe('Unique project name'),
    workingDir: z.string().describe('Absolute path of the project working directory'),
    baseBranch: z.string().nullable().describe("Where worktrees start and merges land (null: the directory's current branch)"),
    worktrees: z.boolean().describe('New sessions get their own git worktree unless they say otherwise'),
    worktreeRoot: z.string().nullable().describe('Where session worktrees go (null: $MAESTRO_HOME/worktrees/<project>)'),
    testCmd: z.string().nullable().describe('Run on a merged result before the target branch moves'),
    dependencyUntil: DependencyUntil.describe('What new dependencies wait for by default'),
    leaseGuard: z.boolean().describe("Session worktrees get the pre-commit guard refusing commits of files under another session's exclusive lease"),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Version,
  })
  .describe('A project: a unique name and the working directory its agents work in')
  .meta({ id: 'Project' });

/** What project_delete returns (DELETE /api/projects/:project): what went with the project. */
export const ProjectDeleteResult = z
  .object({
    projectId: ProjectId,
    name: z.string(),
    deletedTasks: z.number().int().describe('Tasks deleted with it'),
    deletedSessions: z.number().int().describe('Sessions deleted with it (with their timelines, queues and recordings)'),
  })
  .describe('What was deleted with the project');
