/**
 * `targetSessionId` (src/core/access.ts) answers the queue operations' "which session?" without loading
 * the session; it must decide exactly as `targetSession` does, for every kind of caller and target: the
 * same id, or the same refusal (code, field, message).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER, targetSession, targetSessionId, type Actor } from '../src/core/access.js';
import { MaestroService } from '../src/core/service.js';
import type { Session } from '../src/core/types.js';
import { tempHome } from './helpers.js';
import { seed, type Seed } from './mcp-support.js';

let svc: MaestroService;
let s: Seed;
let stranger: Session;

beforeAll(async () => {
  const home = tempHome();
  svc = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:9' });
  s = await seed(svc, home);
  // An orchestrator's child of another orchestrator, in the same project.
  const other = (await svc.spawn({ projectId: s.projectId, taskIds: [], role: 'orchestrator', name: 'other-lead' })).session;
  stranger = (await svc.spawn({ projectId: s.projectId, taskIds: [], parentSessionId: other.id, name: 'stranger' })).session;
});
afterAll(() => svc?.close());

const asSession = (session: Session): Actor => ({ kind: 'session', session: { id: session.id, role: session.role, projectId: session.projectId, status: session.status } });

function outcome(decide: () => string): { id: string } | { error: unknown } {
  try {
    return { id: decide() };
  } catch (err) {
    const { code, field, message } = err as { code?: string; field?: string; message?: string };
    return { error: { code, field, message } };
  }
}

describe('targetSessionId decides as targetSession does', () => {
  it('for the owner, an orchestrator, a worker; their own session, a child, a stranger, none, one that does not exist', () => {
    const callers: Array<[string, Actor]> = [
      ['owner', USER],
      ['orchestrator', asSession(s.orchestrator)],
      ['worker', asSession(s.worker)],
    ];
    const targets: Array<[string, string | undefined]> = [
      ['none', undefined],
      ['the orchestrator', s.orchestrator.id],
      ['its worker', s.worker.id],
      ['another worker', s.otherWorker.id],
      ['a stranger', stranger.id],
      ['no such session', 'ses_nope'],
    ];
    let refusals = 0;
    for (const [who, actor] of callers)
      for (const [what, id] of targets) {
        const full = outcome(() => targetSession(svc, actor, id, 'sessionId').id);
        const cheap = outcome(() => targetSessionId(svc, actor, id, 'sessionId'));
        expect(cheap, `${who} -> ${what}`).toEqual(full);
        if ('error' in full) refusals++;
      }
    // Both kinds of outcome are exercised: ids and refusals of each kind.
    expect(refusals).toBeGreaterThanOrEqual(6);
  });
});
