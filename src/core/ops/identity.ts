import { projectScope } from '../access.js';
import * as C from '../contracts/identity.js';
import { implement } from './operation.js';

/** Identity and overview: what runs them (their contracts are in ../contracts/identity.ts). */
export const IDENTITY_OPS = [
  implement(C.whoami, ({ svc, actor }) => {
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
  }),
  implement(C.status, ({ svc, actor }, input) =>
    svc.status(projectScope(svc, actor, input.project, input.all))),
] as const;
