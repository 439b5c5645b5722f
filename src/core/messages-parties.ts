import type { RecipientRef } from './messages.js';
import { FINISHED_STATUSES, type SessionRepo } from './sessions.js';
import type { Session } from './types.js';

/*
 * The parties of a message: sessions and the user, and who `orchestrator` means for a sender. Apart from
 * messages-routing.ts (which checks callers' rights), so the service part can use it without the access rules.
 */

export const USER_PARTY: RecipientRef = { sessionId: null, name: 'user' };

export const live = (s: Session) => !FINISHED_STATUSES.includes(s.status);
export const ref = (s: Session): RecipientRef => ({ sessionId: s.id, name: s.name });

/**
 * `orchestrator` for a session: its parent when that is a live orchestrator, else the project's live
 * orchestrators (but itself), else the user.
 */
export function orchestratorsOf(sessions: Pick<SessionRepo, 'get' | 'list'>, projectId: string, sender: Session | null): RecipientRef[] {
  const parent = sender?.parentSessionId ? sessions.get(sender.parentSessionId) : null;
  if (parent && parent.role === 'orchestrator' && live(parent)) return [ref(parent)];
  const others = sessions.list({ projectId }).filter((s) => s.role === 'orchestrator' && live(s) && s.id !== sender?.id);
  if (others.length > 0) return others.map(ref);
  return sender ? [USER_PARTY] : [];
}
