import { z } from 'zod';
import * as E from '../entities/index.js';
import * as S from '../schemas.js';
import { contract } from './contract.js';

/** dispatch (issue 12). */
export const DISPATCH_CONTRACTS = [] as const;
