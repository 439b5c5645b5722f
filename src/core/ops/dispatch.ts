import * as C from '../contracts/dispatch.js';
import { implement } from './operation.js';

export const DISPATCH_OPS = [] as const;
