import { z } from 'zod';

/* leases entities (issue 12). */
export {};
