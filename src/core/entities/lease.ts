import { z } from 'zod';
import { ProjectId, SessionId, Timestamp } from './common.js';

/* leases entities (issue 12): who holds which files of a project, and what stands in a caller's way. */

export const LeaseState = z
  .enum(['active', 'expired', 'released'])
  .describe('active: in force; expired: its TTL ran out; released: given back, forced, or its session ended');

export const LeaseEnd = z
  .enum(['released', 'forced', 'session_ended', 'expired'])
  .describe('How it ended: released by its holder, forced by the owner or an orchestrator, its session finished, or its TTL ran out');

export const Lease = z
  .object({
    id: z.string().describe('Lease id (lse_…)'),
    projectId: ProjectId,
    sessionId: SessionId.describe('The session holding it'),
    sessionName: z.string().describe("The holder's name"),
    pattern: z.string().describe('The path or glob leased, relative to the project directory'),
    exclusive: z.boolean().describe('Exclusive (nobody else may lease an overlapping path) or shared (only exclusive leases are kept out)'),
    reason: z.string().nullable(),
    acquiredAt: Timestamp,
    renewedAt: Timestamp.describe('When it was last acquired again (its TTL started over)'),
    expiresAt: Timestamp,
    releasedAt: Timestamp.nullable(),
    state: LeaseState,
    endedBy: LeaseEnd.nullable(),
  })
  .describe('A file lease: a session holding paths of its project, exclusively or shared, until it expires or is released')
  .meta({ id: 'Lease' });

export const LeaseAcquireResult = z
  .object({
    leases: z.array(Lease).describe('One lease per path asked for, in order'),
    renewed: z.array(z.string()).describe('The patterns you already held: their TTL started over'),
  })
  .describe('What lease_acquire granted');

export const LeaseReleaseResult = z
  .object({ released: z.array(Lease).describe('The leases released now') })
  .describe('What lease_release released');

export const LeaseHit = z
  .object({
    path: z.string().describe('The path asked about'),
    lease: Lease.describe("Another session's lease covering it"),
    message: z.string().describe('Who holds it, how, and until when'),
  })
  .describe("A path under another session's lease");

export const LeaseCheckResult = z
  .object({
    conflicts: z.array(LeaseHit).describe("Paths under another session's exclusive lease: do not change them (the pre-commit guard refuses the commit)"),
    shared: z.array(LeaseHit).describe('Paths under shared leases of other sessions: others are reading them'),
    checked: z.number().int().describe('How many paths were checked'),
  })
  .describe('Which of these paths other sessions hold');
