import { z } from 'zod';
import { AgentKindSchema, SessionRole, SessionStrategy } from '../schemas.js';
import { Timestamp, TemplateId, Version } from './common.js';
import { Project } from './project.js';
import { Session } from './session.js';
import { Task } from './task.js';

// ---- templates, skills, manifests -------------------------------------------------------------------

export const Template = z
  .object({
    id: TemplateId,
    name: z.string(),
    role: SessionRole,
    strategy: SessionStrategy,
    skills: z.array(z.string()),
    agentCommand: z.string().nullable(),
    agentKind: AgentKindSchema.nullable(),
    description: z.string(),
    worktree: z.boolean().nullable().describe('Sessions from it get their own worktree (true) or not (false); null: the project decides'),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Version,
  })
  .describe('A named session preset for session_spawn')
  .meta({ id: 'Template' });

export const SkillSummary = z
  .object({
    name: z.string(),
    description: z.string().describe("The skill's one-line description"),
    source: z.enum(['global', 'project']).describe('global ($MAESTRO_HOME/skills) or project (.maestro/skills)'),
    path: z.string().describe('Its markdown file'),
  })
  .describe('A skill: a markdown guide')
  .meta({ id: 'SkillSummary' });

export const Skill = SkillSummary.extend({
  content: z.string().describe('The full markdown'),
}).describe('A skill with its markdown');

export const Manifest = z
  .object({
    manifestVersion: z.literal(1),
    generatedAt: Timestamp,
    session: Session.pick({ id: true, name: true, role: true, strategy: true, parentSessionId: true }),
    project: Project.pick({ id: true, name: true, workingDir: true }),
    tasks: z.array(
      Task.pick({ id: true, title: true, description: true, status: true, priority: true, dependencies: true, parentId: true }),
    ),
    skills: z.array(SkillSummary),
    workspace: z
      .object({
        path: z.string().describe('Where to work: your worktree, or the project directory'),
        branch: z.string().nullable().describe('Your branch (commit your work on it); null: no worktree of your own'),
        base: z.string().nullable().describe('The ref your branch started from; merges go into the project base branch'),
      })
      .describe('Where you work'),
    server: z.object({ apiUrl: z.string(), mcpUrl: z.string() }),
    env: z.record(z.string(), z.string()).describe('The MAESTRO_* environment of its agent (without its token)'),
    instructions: z.string(),
  })
  .describe('What an agent reads at start: who it is, what to do, and how to talk back');

/** What manifest_generate returns. */
export const ManifestWritten = z
  .object({
    manifestPath: z.string().describe('Where it was written'),
    manifest: Manifest,
  })
  .describe('The manifest written');
