import * as C from '../contracts/messages.js';
import { implement } from './operation.js';

export const MESSAGE_OPS = [] as const;
