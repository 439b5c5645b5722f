import { forbidden } from './errors.js';
import type { Actor } from './actor.js';
import type { MaestroService } from './service.js';
import type { MergeQueueEntry } from './types.js';

/** A merge queue entry the caller may act on: a session only in its own project. */
export function visibleEntry(svc: MaestroService, actor: Actor, entryId: string, field = 'entryId'): MergeQueueEntry {
  const entry = svc.mergeQueue.get(entryId, field);
  if (actor.kind === 'session' && entry.projectId !== actor.session.projectId) throw forbidden(`entry ${entryId} belongs to another project`, field);
  return entry;
}
