import { z } from 'zod';
import { ERROR_CODES } from '../error-codec.js';

/** The wire form of an error, as zod (schemas/error.json is generated from it; MCP's error structuredContent). */
export const ErrorJsonSchema = z
  .object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    field: z.string().optional().describe('the input field at fault'),
    current: z.number().int().optional().describe("for a version conflict: the entity's version now"),
    cause: z.string().optional().describe('what failed underneath'),
  })
  .describe('A Maestro error: REST answers { error: <this> }, MCP returns it as structuredContent.error with isError');
