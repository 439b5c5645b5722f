import { projectFor, readableSession, type Actor } from '../access.js';
import * as C from '../contracts/library.js';
import type { MaestroService } from '../service.js';
import { implement } from './operation.js';

/** The working directory whose skills a caller sees; none (global skills only) for an owner with several projects and no choice. */
function projectDir(svc: MaestroService, actor: Actor, ref: string | undefined): string | undefined {
  if (ref === undefined && actor.kind === 'user' && svc.projects.list().length !== 1) return undefined;
  return projectFor(svc, actor, ref).workingDir;
}

/** Templates, skills and manifests: what runs them (their contracts are in ../contracts/library.ts). */
export const LIBRARY_OPS = [
  implement(C.templateCreate, ({ svc }, input) => {
    const { agent, ...rest } = input;
    return svc.templates.create({ ...rest, agentKind: agent });
  }),
  implement(C.templateList, ({ svc }) => svc.templates.list()),
  implement(C.templateGet, ({ svc }, input) => svc.templates.resolve(input.template)),
  implement(C.templateDelete, ({ svc }, input) => svc.templates.delete(input.template)),
  implement(C.skillList, ({ svc, actor }, input) => svc.skills.list(projectDir(svc, actor, input.project))),
  implement(C.skillGet, ({ svc, actor }, input) => svc.skills.get(input.name, projectDir(svc, actor, input.project))),
  implement(C.manifestGet, ({ svc, actor }, input) => svc.manifest(readableSession(svc, actor, input.sessionId).id)),
  implement(C.manifestGenerate, ({ svc, actor }, input) => svc.writeManifest(readableSession(svc, actor, input.sessionId).id)),
] as const;
