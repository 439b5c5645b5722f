import { projectFor } from '../access.js';
import * as C from '../contracts/projects.js';
import { implement } from './operation.js';

export const PROJECT_OPS = [
  implement(C.projectList, ({ svc, actor }) =>
    actor.kind === 'session' ? [svc.projects.get(actor.session.projectId)] : svc.projects.list()),
  implement(C.projectCreate, ({ svc }, input) => svc.projects.create(input)),
  implement(C.projectGet, ({ svc, actor }, input) => projectFor(svc, actor, input.project)),
  implement(C.projectUpdate, ({ svc }, input) => {
    const { project, ...patch } = input;
    return svc.projects.update(project, patch);
  }),
  implement(C.projectDelete, ({ svc }, input) => svc.deleteProject(input.project)),
] as const;
