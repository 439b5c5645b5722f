import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import type { Logger } from 'pino';
import type { SessionStatus } from '../../core/schemas.js';
import type { MaestroService } from '../../core/service.js';
import { HOOK_EVENT_NAME, hookSpoolPath, type HookDelivery } from './contract.js';
import { interpretHook } from './interpret.js';
import { hookStatus } from './policy.js';

/** What the supervisor keeps about a live agent that hooks read and write. */
export interface HookTarget {
  /** The status the detector (screen or hooks) last set; any other came from the agent's reports. */
  lastSetByDetector: SessionStatus | null;
  /** When the last hook arrived (ms), so the screen gives way to hooks. */
  lastHookAt: number;
  /** The current turn started a command in the background. */
  backgroundInTurn?: boolean;
  /** The screen tracker, told when a hook set the status (so it reports the screen again). */
  tracker?: { forget(): void };
}

/**
 * Turns Claude Code's hooks into timeline lines, session status (with a typed reason) and facts about
 * the agent. Events a hook spooled while the server was down come first, in the order they fired.
 */
export class HookIngest {
  constructor(
    private readonly svc: MaestroService,
    private readonly log: Logger,
    private readonly targetOf: (sessionId: string) => HookTarget | null,
    /** Told of every hook once applied (steering waits on them). */
    private readonly onHook: (sessionId: string, delivery: HookDelivery) => void = () => undefined,
  ) {}

  async ingest(sessionId: string, deliveries: HookDelivery[]): Promise<{ accepted: number; fromSpool: number }> {
    const spooled = await this.takeSpool(sessionId);
    for (const delivery of [...spooled, ...deliveries]) {
      this.apply(sessionId, delivery);
      this.onHook(sessionId, delivery);
    }
    return { accepted: deliveries.length, fromSpool: spooled.length };
  }

  /**
   * The spool's events, oldest first, and the spool emptied. The file is renamed away before it is
   * read, so a hook that fires meanwhile starts a new one instead of writing into what is being read.
   */
  async takeSpool(sessionId: string): Promise<HookDelivery[]> {
    const path = hookSpoolPath(this.svc.paths.session(sessionId));
    if (!existsSync(path)) return [];
    const taken = `${path}.${process.pid}-${Date.now()}.taken`;
    try {
      renameSync(path, taken);
    } catch {
      return []; // another request took it first
    }
    // A hook that opened the file just before the rename may still be writing its line.
    await new Promise((r) => setTimeout(r, 20));
    const events: HookDelivery[] = [];
    for (const line of readFileSync(taken, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const d = JSON.parse(line) as HookDelivery;
        if (typeof d.event === 'string' && HOOK_EVENT_NAME.test(d.event) && typeof d.payload === 'object' && d.payload !== null)
          events.push({ event: d.event, payload: d.payload, firedAt: typeof d.firedAt === 'string' ? d.firedAt : new Date().toISOString() });
      } catch {
        this.log.warn({ sessionId }, 'skipping a malformed line in the hook spool');
      }
    }
    rmSync(taken, { force: true });
    return events.sort((a, b) => a.firedAt.localeCompare(b.firedAt));
  }

  private apply(sessionId: string, delivery: HookDelivery): void {
    const meaning = interpretHook(delivery);
    const sessions = this.svc.sessions;
    const target = this.targetOf(sessionId);
    if (target) target.lastHookAt = Date.now();
    if (meaning.facts.agentSessionId || meaning.facts.transcriptPath) sessions.setAgentFacts(sessionId, meaning.facts);
    if (meaning.timeline) {
      const { kind, message, data } = meaning.timeline;
      sessions.appendTimeline(sessionId, kind, message, this.svc.currentTask(sessionId)?.id ?? null, { ...data, firedAt: delivery.firedAt });
    }
    if (!meaning.state) return;
    if (target && meaning.state.kind === 'prompt') target.backgroundInTurn = false;
    if (target && meaning.state.background) target.backgroundInTurn = true;
    const session = sessions.get(sessionId);
    const lastSetByDetector = target?.lastSetByDetector ?? null;
    const next = hookStatus({
      current: session.status,
      meaning: meaning.state,
      reportedByAgent: lastSetByDetector !== session.status,
      openWork: this.svc.hasOpenWork(sessionId),
      backgroundInTurn: target?.backgroundInTurn === true,
    });
    if (!next || (next.status === session.status && next.reason === session.stateReason)) return;
    sessions.setStatus(sessionId, next.status, {
      reason: next.reason,
      message: `detected ${next.status.replace('_', ' ')} (hook ${delivery.event}): ${meaning.state.why}`,
    });
    if (target) {
      target.lastSetByDetector = next.status;
      target.tracker?.forget();
    }
    if (next.reason === 'finished_unreported' && session.parentSessionId && session.status !== 'idle') {
      // Its orchestrator hears of it: the worker's turn ended with its tasks open and nothing reported.
      sessions.appendTimeline(
        session.parentSessionId,
        'agent_state',
        `worker ${session.id} (${session.name}) stopped without reporting completion of its tasks`,
        null,
        { worker: session.id, reason: next.reason },
      );
    }
  }
}
