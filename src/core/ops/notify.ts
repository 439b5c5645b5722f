import * as C from '../contracts/notify.js';
import { implement } from './operation.js';

export const NOTIFY_OPS = [] as const;
