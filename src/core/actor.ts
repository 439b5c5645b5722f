import type { Session } from './types.js';

/*
 * Who is calling, apart from the rules of access.ts (which need the service): the session repository
 * loads a SessionIdentity, and the service's parts depend on it, so it cannot live beside the rules
 * without an import circle (access.ts → service.ts → sessions.ts → access.ts).
 */

/** What the access rules need to know of a calling session: cheap to load on every request. */
export type SessionIdentity = Pick<Session, 'id' | 'role' | 'projectId' | 'status'>;

/** Who is calling: the owner (CLI, dashboard) or an agent session. */
export type Actor = { kind: 'user' } | { kind: 'session'; session: SessionIdentity };

export const USER: Actor = { kind: 'user' };
