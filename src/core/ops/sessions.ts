import { z } from 'zod';
import { projectFor, readableSession, targetSession, visibleTask } from '../access.js';
import * as E from '../entities/index.js';
import { forbidden } from '../errors.js';
import * as S from '../schemas.js';
import { op, selfId } from './operation.js';

/** Environment variables that decide which program an agent's terminal runs (or what it loads). */
const CHOOSES_PROGRAM = /^(MAESTRO_.*|PATH|LD_.*|DYLD_.*|NODE_OPTIONS|BASH_ENV|ENV|SHELL)$/;

export const SESSION_OPS = [
  op({
    name: 'session.spawn',
    title: 'Spawn a session',
    description:
      'Starts a new agent session (a worker by default) on the given tasks in your project. Use it to hand subtasks to workers; the new session is your child and you can watch it with session_list/session_info.',
    input: S.SessionSpawnInput,
    output: E.SpawnResult,
    access: 'orchestrator',
    readOnly: false,
    run: async ({ svc, actor }, input) => {
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
    },
  }),
  op({
    name: 'session.list',
    title: 'List sessions',
    description:
      'Lists sessions of your project with role, status, tasks, current task and last report; parentSessionId lists the ones you spawned.',
    input: S.SessionListInput,
    output: z.array(E.SessionSummary),
    access: 'orchestrator',
    readOnly: true,
    run: ({ svc, actor }, input) =>
      svc.listSessions({
        projectId: input.project !== undefined || actor.kind === 'session' ? projectFor(svc, actor, input.project).id : undefined,
        status: input.status,
        parentSessionId: input.parentSessionId,
      }),
  }),
  op({
    name: 'session.info',
    title: 'Session details',
    description:
      "Returns a session (yours by default) with its tasks, recent timeline, children and queue, and its agent's token usage and cost (from its transcript, when it has one).",
    input: S.SessionInfoInput,
    output: E.SessionInfo,
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }, input) => svc.sessionInfo(readableSession(svc, actor, input.sessionId).id, input.timelineLimit),
  }),
  op({
    name: 'session.timeline',
    title: 'Session timeline',
    description: 'Returns timeline events of a session, oldest first; afterId fetches only newer ones.',
    input: S.SessionTimelineInput,
    output: z.array(E.TimelineEvent),
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }, input) =>
      svc.sessions.timeline(readableSession(svc, actor, input.sessionId).id, { afterId: input.afterId, limit: input.limit }),
  }),
  op({
    name: 'session.send',
    title: 'Send a message to a session',
    description:
      "Steers a running agent you spawned: the text becomes its next prompt. It is typed between the agent's turns (never mid-turn) and the result says whether the agent's own hook confirmed it arrived (delivery: confirmed), is still queued while it works (queued), or was typed but not confirmed in time (unconfirmed).",
    input: S.SessionSendInput,
    output: E.MessageDelivery,
    access: 'orchestrator',
    readOnly: false,
    run: ({ svc, actor }, input) =>
      svc.sendToSession(targetSession(svc, actor, input.sessionId).id, input.text, input.waitMs ?? 15_000, actor.kind === 'session' ? actor.session.id : 'the owner'),
  }),
  op({
    name: 'session.stop',
    title: 'Stop a session',
    description: 'Stops a session you spawned (ends its agent) and marks it stopped.',
    input: S.SessionStopInput,
    output: E.Session,
    access: 'orchestrator',
    readOnly: false,
    run: ({ svc, actor }, input) => svc.stopSession(targetSession(svc, actor, input.sessionId).id),
  }),
] as const;
