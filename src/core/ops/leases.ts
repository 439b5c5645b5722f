import { forbidden, invalid, MaestroError } from '../errors.js';
import { projectFor, targetSession, type Actor } from '../access.js';
import * as C from '../contracts/leases.js';
import { LeaseRepo, type Lease } from '../leases.js';
import { FINISHED_STATUSES } from '../sessions.js';
import type { MaestroService } from '../service.js';
import { LEASE_TTL_DEFAULT_SECONDS } from '../schemas.js';
import { implement } from './operation.js';

/*
 * Who may do what with leases: a session acquires for itself (an orchestrator also for the sessions it
 * spawned; the owner names the session); anyone of the project may list and check; a lease is released
 * by its holder, its holder's orchestrator, or the owner (forced).
 */

/** Whether the actor may release this lease, and how it ends if so (its holder: released; anyone else: forced). */
function releasable(svc: MaestroService, actor: Actor, lease: Lease): 'released' | 'forced' {
  if (actor.kind === 'user') return 'forced';
  if (lease.sessionId === actor.session.id) return 'released';
  if (lease.projectId !== actor.session.projectId) throw forbidden(`lease ${lease.id} belongs to another project`, 'leaseIds');
  targetSession(svc, actor, lease.sessionId, 'leaseIds'); // an orchestrator's own child, else forbidden
  return 'forced';
}

export const LEASE_OPS = [
  implement(C.leaseAcquire, ({ svc, actor }, input) => {
    const session = targetSession(svc, actor, input.sessionId);
    if (FINISHED_STATUSES.includes(session.status))
      throw new MaestroError('conflict', `session ${session.id} has ${session.status}: a finished session holds no leases`, 'sessionId');
    return svc.leases.acquire(session.projectId, session.id, input.paths, {
      exclusive: input.exclusive ?? true,
      ttlSeconds: input.ttlSeconds ?? LEASE_TTL_DEFAULT_SECONDS,
      reason: input.reason ?? null,
    });
  }),
  implement(C.leaseRelease, ({ svc, actor }, input) => {
    if (input.leaseIds && input.paths) throw invalid('name leaseIds or paths, not both', 'paths');
    if (input.leaseIds) {
      const byEnd = { released: [] as string[], forced: [] as string[] };
      for (const id of input.leaseIds) {
        const lease = svc.leases.get(id);
        byEnd[releasable(svc, actor, lease)].push(lease.id);
      }
      return { released: [...svc.leases.release(byEnd.released, 'released'), ...svc.leases.release(byEnd.forced, 'forced')] };
    }
    const patterns = input.paths ? LeaseRepo.patterns(input.paths) : undefined;
    if (actor.kind === 'user' && input.sessionId === undefined) {
      if (!patterns) throw invalid('sessionId is required to release all of a session\u2019s leases (or name leaseIds, or paths)', 'sessionId');
      const project = projectFor(svc, actor, input.project);
      return { released: svc.leases.release(svc.leases.activeOf(project.id, null, patterns).map((l) => l.id), 'forced') };
    }
    const holder = targetSession(svc, actor, input.sessionId);
    const end = actor.kind === 'session' && actor.session.id === holder.id ? 'released' : 'forced';
    return { released: svc.leases.release(svc.leases.activeOf(holder.projectId, holder.id, patterns).map((l) => l.id), end) };
  }),
  implement(C.leaseList, ({ svc, actor }, input) => {
    const project = projectFor(svc, actor, input.project);
    if (input.sessionId !== undefined && svc.sessions.get(input.sessionId, 'sessionId').projectId !== project.id)
      throw invalid(`session ${input.sessionId} is not of project '${project.name}'`, 'sessionId');
    return svc.leases.list(project.id, { sessionId: input.sessionId, all: input.all ?? false });
  }),
  implement(C.leaseCheck, ({ svc, actor }, input) => {
    const pov = input.sessionId !== undefined ? svc.sessions.get(input.sessionId, 'sessionId') : actor.kind === 'session' ? svc.sessions.get(actor.session.id) : null;
    const project = projectFor(svc, actor, input.project ?? (actor.kind === 'user' ? pov?.projectId : undefined));
    if (pov && pov.projectId !== project.id) throw invalid(`session ${pov.id} is not of project '${project.name}'`, 'sessionId');
    return svc.leases.check(project.id, input.paths, pov?.id ?? null);
  }),
] as const;
