import * as C from '../contracts/leases.js';
import { implement } from './operation.js';

export const LEASE_OPS = [] as const;
