import { z } from 'zod';
import * as E from '../entities/index.js';
import * as S from '../schemas.js';
import { contract } from './contract.js';

/** notifications (issue 12). */
export const NOTIFY_CONTRACTS = [] as const;
