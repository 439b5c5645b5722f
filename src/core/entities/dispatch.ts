import { z } from 'zod';

/* dispatch entities (issue 12). */
export {};
