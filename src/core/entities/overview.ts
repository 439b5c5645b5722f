import { z } from 'zod';
import { Project } from './project.js';
import { Session } from './session.js';
import { Task } from './task.js';
import { ProjectUsage, TokenCounts } from './usage.js';

// ---- identity and overview -------------------------------------------------------------------------

/** What whoami returns: the owner, or a session with its project and tasks. */
export const WhoamiResult = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('user').describe('A person (CLI or dashboard): every tool is allowed'),
      apiUrl: z.string(),
    }),
    z.object({
      kind: z.literal('session'),
      session: Session,
      project: Project,
      tasks: z.array(Task).describe('Tasks assigned to the session'),
      currentTask: Task.nullable().describe('The task a report without taskId is about'),
      apiUrl: z.string(),
    }),
  ])
  .describe('Who the caller is');

/** What `status` returns. */
export const StatusResult = z
  .object({
    projects: z.number().int(),
    tasks: z.object({
      total: z.number().int(),
      ready: z.number().int(),
      byStatus: z.record(z.string(), z.number().int()).describe('Task count per status'),
    }),
    sessions: z.object({
      total: z.number().int(),
      active: z.number().int().describe('Sessions not completed, failed or stopped'),
      byStatus: z.record(z.string(), z.number().int()).describe('Session count per status'),
    }),
    byProject: z
      .array(
        z.object({
          projectId: z.string(),
          name: z.string(),
          tasks: z.object({ total: z.number().int(), ready: z.number().int(), byStatus: z.record(z.string(), z.number().int()) }),
          sessions: z.object({ total: z.number().int(), active: z.number().int(), byStatus: z.record(z.string(), z.number().int()) }),
        }),
      )
      .describe('The same counts per project (every project counted, in name order)'),
    usage: z
      .object({
        total: TokenCounts.extend({ sessions: z.number().int() }),
        byProject: z.array(ProjectUsage),
      })
      .describe('Tokens and cost per project and in all, from the transcripts of its sessions'),
  })
  .describe('Counts of tasks and sessions by status, and the tokens and cost of their agents');
