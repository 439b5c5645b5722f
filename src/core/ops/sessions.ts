import { projectFor, projectScope, readableSession, targetSession, visibleTask } from '../access.js';
import * as C from '../contracts/sessions.js';
import { forbidden } from '../errors.js';
import { implement, selfId } from './operation.js';

/** Environment variables that decide which program an agent's terminal runs (or what it loads). */
const CHOOSES_PROGRAM = /^(MAESTRO_.*|PATH|LD_.*|DYLD_.*|NODE_OPTIONS|BASH_ENV|ENV|SHELL)$/;

export const SESSION_OPS = [
  implement(C.sessionSpawn, async ({ svc, actor }, input) => {
    // The agent command runs as the owner's user: only the owner picks it (directly or in a template).
    if (actor.kind === 'session') {
      if (input.agentCommand !== undefined)
        throw forbidden('only the owner may set an agent command; spawn with a template instead', 'agentCommand');
      if (input.agent !== undefined) throw forbidden('only the owner may choose the agent CLI; spawn with a template instead', 'agent');
      const chooser = Object.keys(input.env ?? {}).find((name) => CHOOSES_PROGRAM.test(name));
      if (chooser) throw forbidden(`only the owner may set ${chooser}: it changes which program runs`, `env.${chooser}`);
    }
    const project = projectFor(svc, actor, input.project);
    for (const id of input.taskIds ?? []) visibleTask(svc, actor, id, 'taskIds');
    const { project: _p, ...rest } = input;
    return svc.spawn({ ...rest, projectId: project.id, taskIds: input.taskIds ?? [], parentSessionId: selfId(actor) });
  }),
  implement(C.sessionList, ({ svc, actor }, input) =>
    svc.listSessions({
      projectId: projectScope(svc, actor, input.project, input.all),
      status: input.status,
      parentSessionId: input.parentSessionId,
    })),
  implement(C.sessionInfo, ({ svc, actor }, input) => svc.sessionInfo(readableSession(svc, actor, input.sessionId).id, input.timelineLimit)),
  implement(C.sessionTimeline, ({ svc, actor }, input) =>
    svc.sessions.timeline(readableSession(svc, actor, input.sessionId).id, { afterId: input.afterId, limit: input.limit })),
  implement(C.sessionSend, ({ svc, actor }, input) =>
    svc.sendToSession(targetSession(svc, actor, input.sessionId).id, input.text, input.waitMs ?? 15_000, actor.kind === 'session' ? actor.session.id : 'the owner')),
  implement(C.sessionStop, ({ svc, actor }, input) => svc.stopSession(targetSession(svc, actor, input.sessionId).id)),
] as const;
