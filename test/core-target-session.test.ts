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
    const callers: Record<string, () => Actor> = { owner: () => USER, orchestrator: () => asSession(s.orchestrator), worker: () => asSession(s.worker) };
    const targets: Record<string, () => string | undefined> = {
      none: () => undefined,
      'the orchestrator': () => s.orchestrator.id,
      'its worker': () => s.worker.id,
      'another worker': () => s.otherWorker.id,
      'a stranger': () => stranger.id,
      'no such session': () => 'ses_nope',
    };
    /** What each caller gets for each target: a session id, or a refusal's code and words. */
    const expected: Record<string, Record<string, () => { id: string } | { code: string; message: RegExp }>> = {
      owner: {
        none: () => ({ code: 'invalid_input', message: /sessionId is required/ }),
        'the orchestrator': () => ({ id: s.orchestrator.id }),
        'its worker': () => ({ id: s.worker.id }),
        'another worker': () => ({ id: s.otherWorker.id }),
        'a stranger': () => ({ id: stranger.id }),
        'no such session': () => ({ code: 'not_found', message: /ses_nope/ }),
      },
      orchestrator: {
        none: () => ({ id: s.orchestrator.id }),
        'the orchestrator': () => ({ id: s.orchestrator.id }),
        'its worker': () => ({ id: s.worker.id }),
        'another worker': () => ({ id: s.otherWorker.id }),
        'a stranger': () => ({ code: 'forbidden', message: /was not spawned by you/ }),
        'no such session': () => ({ code: 'not_found', message: /ses_nope/ }),
      },
      worker: {
        none: () => ({ id: s.worker.id }),
        'the orchestrator': () => ({ code: 'forbidden', message: /a worker may only act on its own session/ }),
        'its worker': () => ({ id: s.worker.id }),
        'another worker': () => ({ code: 'forbidden', message: /a worker may only act on its own session/ }),
        'a stranger': () => ({ code: 'forbidden', message: /a worker may only act on its own session/ }),
        'no such session': () => ({ code: 'not_found', message: /ses_nope/ }),
      },
    };
    for (const [who, actor] of Object.entries(callers))
      for (const [what, id] of Object.entries(targets)) {
        const want = expected[who]![what]!();
        const full = outcome(() => targetSession(svc, actor(), id(), 'sessionId').id);
        const cheap = outcome(() => targetSessionId(svc, actor(), id(), 'sessionId'));
        expect(cheap, `${who} -> ${what}`).toEqual(full);
        if ('id' in want) expect(cheap, `${who} -> ${what}`).toEqual({ id: want.id });
        else expect(cheap, `${who} -> ${what}`).toMatchObject({ error: { code: want.code, field: 'sessionId', message: expect.stringMatching(want.message) } });
      }
  });
});
