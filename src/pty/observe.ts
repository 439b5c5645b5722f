import type { SessionStatus } from '../core/schemas.js';
import type { MaestroService } from '../core/service.js';
import type { LiveSession, SupervisorContext } from './live-session.js';
import { STATUS_FOR_STATE, statusForObservation, type Observation } from './state.js';

/**
 * Where what the supervisor sees of a running agent becomes session status: a detected state (from
 * the screen tracker) goes on the timeline, and on the status where the policy in state.ts allows;
 * an agent with hooks that went silent is called stalled. The judging itself is state.ts's; this is
 * the bookkeeping around it (who set the status last, hooks before screen).
 */

/** Puts a detected state on the timeline, and on the session status where the policy allows. */
export function observe(ctx: SupervisorContext, live: LiveSession, obs: Observation): void {
  const { svc } = ctx;
  if (!svc.db.open || ctx.live.get(live.id) !== live) return;
  // Hooks tell the state from inside the agent; the screen only adds what no hook reports: a login
  // or trust prompt, no network.
  if (live.lastHookAt > 0 && !obs.screen) return;
  try {
    const session = svc.sessions.get(live.id);
    const next = statusForObservation({
      current: session.status,
      observed: obs.state,
      lastSetByDetector: live.lastSetByDetector,
      inputSinceStatus: live.lastInputAt > Date.parse(session.updatedAt),
    });
    const reason = obs.screen?.reason ?? null;
    const reasonChanged = reason !== session.stateReason && (next ?? session.status) === STATUS_FOR_STATE[obs.state];
    svc.sessions.appendTimeline(live.id, 'agent_state', `agent ${obs.state.replace('_', ' ')}${reason ? ` (${reason})` : ''}: ${obs.reason}`, null, {
      state: obs.state,
      reason: obs.reason,
      pattern: obs.pattern,
      ...(reason ? { stateReason: reason } : {}),
      statusChanged: next !== null,
    });
    if (next || reasonChanged) {
      svc.sessions.setStatus(live.id, next ?? session.status, {
        message: `detected ${obs.state}${reason ? ` (${reason})` : ''}: ${obs.reason}`,
        reason: reason ?? (next === 'needs_input' ? 'needs_input' : null),
      });
      if (next) live.lastSetByDetector = next;
    }
  } catch (err) {
    ctx.log.warn({ err, sessionId: live.id }, 'could not record the agent state');
  }
}

/**
 * A running agent whose hooks and terminal have both been silent for `stallMs` is stalled: idle, with
 * that reason (a hook or output brings it back to running). Agents without hooks are the screen's.
 */
export function findStalled(ctx: SupervisorContext): void {
  const { svc } = ctx;
  if (!svc.db.open) return;
  const now = Date.now();
  for (const live of ctx.live.values()) {
    if (live.lastHookAt === 0) continue;
    const quietMs = now - Math.max(live.lastHookAt, live.tracker.lastOutputAt);
    if (quietMs < ctx.timing.stallMs) continue;
    try {
      if (svc.sessions.get(live.id).status !== 'running') continue;
      const minutes = Math.round(quietMs / 6000) / 10;
      svc.sessions.setStatus(live.id, 'idle', { reason: 'stalled', message: `detected idle (stalled): no hook and no output for ${minutes} min while running` });
      live.lastSetByDetector = 'idle';
    } catch (err) {
      ctx.log.warn({ err, sessionId: live.id }, 'could not record a stalled agent');
    }
  }
}

/** Whether the latest status change came from the detector (its messages start with "detected"). */
export function lastDetectedStatus(svc: MaestroService, sessionId: string): SessionStatus | null {
  const last = svc.sessions
    .timeline(sessionId, { limit: 200 })
    .filter((e) => e.kind === 'status')
    .at(-1);
  return last && last.message.startsWith('detected ') ? ((last.data?.to as SessionStatus | undefined) ?? null) : null;
}
