import { z } from 'zod';

/* messages entities (issue 12). */
export {};
