import * as E from '../entities/index.js';
import * as S from '../schemas.js';
import { contract } from './contract.js';

/** File leases (issue 12): who holds which paths of a project, so two agents stay out of each other's files. */
export const leaseAcquire = contract({
  name: 'lease.acquire',
  title: 'Lease files',
  description:
    "Leases paths or globs of your project ('*', '?' within a directory, '**' any depth; 'dir/' is everything under dir) before you edit them, for ttlSeconds (default 3600). exclusive (default): nobody else may lease an overlapping path; shared (exclusive: false): only exclusive leases are kept out. All or nothing: a conflict refuses the request, naming the holder session, its pattern and when it expires. Acquiring a path you hold again renews it. Leases end with your session; release them when done (lease_release).",
  input: S.LeaseAcquireInput,
  output: E.LeaseAcquireResult,
  access: 'any',
  readOnly: false,
});

export const leaseRelease = contract({
  name: 'lease.release',
  title: 'Release leases',
  description:
    'Releases leases: these leaseIds, or the leases with these paths (patterns as acquired), or with neither every lease of yours. The owner may release anyone\u2019s; an orchestrator those of the sessions it spawned.',
  input: S.LeaseReleaseInput,
  output: E.LeaseReleaseResult,
  access: 'any',
  readOnly: false,
});

export const leaseList = contract({
  name: 'lease.list',
  title: 'Who holds what',
  description:
    "Lists the project's leases in force: holder session (id and name), pattern, exclusive or shared, when it expires and why it is held. sessionId: one session's; all: also released and expired ones.",
  input: S.LeaseListInput,
  output: E.Lease.array(),
  access: 'any',
  readOnly: true,
});

export const leaseCheck = contract({
  name: 'lease.check',
  title: 'Are these files leased?',
  description:
    "Says which of these paths other sessions hold: conflicts (another session's exclusive lease: do not change them) and shared ones. What the pre-commit guard asks about staged files; ask it before editing files you have not leased.",
  input: S.LeaseCheckInput,
  output: E.LeaseCheckResult,
  access: 'any',
  readOnly: true,
});

/** leases (issue 12). */
export const LEASE_CONTRACTS = [leaseAcquire, leaseRelease, leaseList, leaseCheck] as const;
