import { z } from 'zod';

/* notify entities (issue 12). */
export {};
