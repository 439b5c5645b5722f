import { projectFor } from '../access.js';
import * as E from '../entities/index.js';
import * as S from '../schemas.js';
import { op } from './operation.js';

/** Identity and overview. */
export const IDENTITY_OPS = [
  op({
    name: 'whoami',
    title: 'Who am I',
    description: 'Tells you your session id, role, strategy, project and assigned tasks. Call it first if unsure what to do.',
    input: S.WhoamiInput,
    output: E.WhoamiResult,
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }) => {
      if (actor.kind === 'user') return { kind: 'user' as const, apiUrl: svc.apiUrl };
      const session = svc.sessions.get(actor.session.id);
      return {
        kind: 'session' as const,
        session,
        project: svc.projects.get(session.projectId),
        tasks: svc.tasks.list({ assignee: session.id }),
        currentTask: svc.currentTask(session.id),
        apiUrl: svc.apiUrl,
      };
    },
  }),
  op({
    name: 'status',
    title: 'Overview',
    description:
      'Counts of tasks and sessions by status for your project, and the tokens and cost its agents used: a quick overview of where the work stands.',
    input: S.StatusInput,
    output: E.StatusResult,
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }, input) =>
      svc.status(input.project !== undefined || actor.kind === 'session' ? projectFor(svc, actor, input.project).id : undefined),
  }),
] as const;
