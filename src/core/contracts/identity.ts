import * as E from '../entities/index.js';
import * as S from '../schemas.js';
import { contract } from './contract.js';

/** Identity and overview. */
export const whoami = contract({
  name: 'whoami',
  title: 'Who am I',
  description: 'Tells you your session id, role, strategy, project and assigned tasks. Call it first if unsure what to do.',
  input: S.WhoamiInput,
  output: E.WhoamiResult,
  access: 'any',
  readOnly: true,
});

export const status = contract({
  name: 'status',
  title: 'Overview',
  description:
    'Counts of tasks and sessions by status for your project, and the tokens and cost its agents used: a quick overview of where the work stands.',
  input: S.StatusInput,
  output: E.StatusResult,
  access: 'any',
  readOnly: true,
});

export const IDENTITY_CONTRACTS = [whoami, status] as const;
