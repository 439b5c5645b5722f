import { z } from 'zod';
import * as E from '../entities/index.js';
import * as S from '../schemas.js';
import { contract } from './contract.js';

/** Agent sessions: spawning, watching, steering, stopping. */
export const sessionSpawn = contract({
  name: 'session.spawn',
  title: 'Spawn a session',
  description:
    'Starts a new agent session (a worker by default) on the given tasks in your project. Use it to hand subtasks to workers; the new session is your child and you can watch it with session_list/session_info.',
  input: S.SessionSpawnInput,
  output: E.SpawnResult,
  access: 'orchestrator',
  readOnly: false,
});

export const sessionList = contract({
  name: 'session.list',
  title: 'List sessions',
  description:
    'Lists sessions of your project with role, status, tasks, current task and last report; parentSessionId lists the ones you spawned.',
  input: S.SessionListInput,
  output: z.array(E.SessionSummary),
  access: 'orchestrator',
  readOnly: true,
});

export const sessionInfo = contract({
  name: 'session.info',
  title: 'Session details',
  description:
    "Returns a session (yours by default) with its tasks, recent timeline, children and queue, and its agent's token usage and cost (from its transcript, when it has one).",
  input: S.SessionInfoInput,
  output: E.SessionInfo,
  access: 'any',
  readOnly: true,
});

export const sessionTimeline = contract({
  name: 'session.timeline',
  title: 'Session timeline',
  description: 'Returns timeline events of a session, oldest first; afterId fetches only newer ones.',
  input: S.SessionTimelineInput,
  output: z.array(E.TimelineEvent),
  access: 'any',
  readOnly: true,
});

export const sessionSend = contract({
  name: 'session.send',
  title: 'Send a message to a session',
  description:
    "Steers a running agent you spawned: the text becomes its next prompt. It is typed between the agent's turns (never mid-turn) and the result says whether the agent's own hook confirmed it arrived (delivery: confirmed), is still queued while it works (queued), or was typed but not confirmed in time (unconfirmed).",
  input: S.SessionSendInput,
  output: E.MessageDelivery,
  access: 'orchestrator',
  readOnly: false,
});

export const sessionStop = contract({
  name: 'session.stop',
  title: 'Stop a session',
  description: 'Stops a session you spawned (ends its agent) and marks it stopped.',
  input: S.SessionStopInput,
  output: E.Session,
  access: 'orchestrator',
  readOnly: false,
});

export const SESSION_CONTRACTS = [sessionSpawn, sessionList, sessionInfo, sessionTimeline, sessionSend, sessionStop] as const;
