import { z } from 'zod';

/**
 * Query strings are text; the operation schemas want booleans, numbers and arrays. This reads the
 * schema to convert each parameter the way that field expects, so `?ready=true&status=todo,done`
 * reaches the op as `{ ready: true, status: ['todo','done'] }` and a project named "2024" stays text.
 */
export function coerceQuery(schema: z.ZodType, query: Record<string, unknown>): Record<string, unknown> {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape ?? {};
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(query)) {
    if (typeof raw !== 'string') {
      out[key] = raw;
      continue;
    }
    const field = shape[key];
    out[key] = field ? coerceValue(field, raw) : raw;
  }
  return out;
}

function coerceValue(field: z.ZodType, raw: string): unknown {
  let inner = field;
  let nullable = false;
  for (;;) {
    const def = (inner as unknown as { _zod: { def: { type: string; innerType?: z.ZodType } } })._zod.def;
    if ((def.type === 'optional' || def.type === 'nullable' || def.type === 'default') && def.innerType) {
      if (def.type === 'nullable') nullable = true;
      inner = def.innerType;
      continue;
    }
    if (nullable && raw === 'null') return null;
    switch (def.type) {
      case 'array':
        return raw === '' ? [] : raw.split(',').map((s) => s.trim());
      case 'boolean':
        return raw === 'true' ? true : raw === 'false' ? false : raw;
      case 'number':
        return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
      default:
        return raw;
    }
  }
}
