/*
 * The outputSchema a tool advertises, made cheaper for clients to compile without changing what it
 * admits in practice. MCP clients (the SDK's Client among them) compile every outputSchema when they list
 * the tools, and that cost grows with the schema's keywords (measured with the SDK's Ajv validator on the
 * worker's 28 tools: ~400 ms as generated, ~250 ms lean). Output schemas are not shown to the model, so
 * their prose can go; the full, described schemas stay in schemas/<op>.result.json.
 * - descriptions go (annotations: they validate nothing);
 * - zod's safe-integer bounds on every integer go (a JSON number past 2^53 cannot come from this server);
 * - `anyOf: [<simple type>, {type: 'null'}]` (zod's nullable) becomes `type: [<type>, 'null']`.
 */
type Json = Record<string, unknown>;

const SAFE_MIN = Number.MIN_SAFE_INTEGER;
const SAFE_MAX = Number.MAX_SAFE_INTEGER;
/** Keywords a branch may carry and still fold into a `type` list: nothing that tells null apart. */
const FOLDABLE = new Set(['type', 'enum', 'format', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'description']);

export function leanSchema<T>(schema: T): T {
  return lean(schema, null) as T;
}

function lean(node: unknown, key: string | null): unknown {
  if (Array.isArray(node)) return node.map((n) => lean(n, null));
  if (!node || typeof node !== 'object') return node;
  // `properties` and `$defs` map names to schemas: a property called "description" is a schema, not prose.
  const isMap = key === 'properties' || key === '$defs' || key === 'patternProperties';
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    if (!isMap && k === 'description' && typeof v === 'string') continue;
    if (!isMap && k === 'minimum' && v === SAFE_MIN) continue;
    if (!isMap && k === 'maximum' && v === SAFE_MAX) continue;
    out[k] = lean(v, k);
  }
  return isMap ? out : foldNullable(out);
}

function foldNullable(s: Json): Json {
  const branches = s.anyOf;
  if (!Array.isArray(branches) || branches.length !== 2) return s;
  const [value, nul] = branches as Json[];
  const isNull = nul && Object.keys(nul).length === 1 && nul.type === 'null';
  if (!isNull || !value || typeof value.type !== 'string' || value.type === 'null') return s;
  if (!Object.keys(value).every((k) => FOLDABLE.has(k))) return s;
  const { anyOf: _branches, ...rest } = s;
  const folded: Json = { ...rest, ...value, type: [value.type, 'null'] };
  if (Array.isArray(value.enum)) folded.enum = [...(value.enum as unknown[]), null];
  return folded;
}
