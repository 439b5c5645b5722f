import { z } from 'zod';
import * as E from '../entities/index.js';
import * as S from '../schemas.js';
import { contract } from './contract.js';

/** leases (issue 12). */
export const LEASE_CONTRACTS = [] as const;
