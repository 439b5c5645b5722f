import { z } from 'zod';
import * as E from '../entities/index.js';
import * as S from '../schemas.js';
import { contract } from './contract.js';

/** messages (issue 12). */
export const MESSAGE_CONTRACTS = [] as const;
