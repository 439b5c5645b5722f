import { readFileSync, statSync } from 'node:fs';

/*
 * What Claude's tokens cost, to turn a transcript's token counts into dollars. Prices are US dollars per
 * million tokens, per model. A model id is matched to the table by its family (opus, sonnet, haiku, …)
 * and version: the entry of the same family with the highest version not above the model's (so
 * `claude-opus-4-1-20250805` takes `claude-opus-4-1`, and an unknown newer `claude-sonnet-4-6` takes
 * `claude-sonnet-4-5`); an id outside every family must match a key exactly (a date suffix aside).
 *
 * `$MAESTRO_HOME/prices.json` overrides and extends the table, in the same shape:
 *
 *   { "claude-opus-4-5": { "input": 5, "output": 25, "cacheWrite": 6.25, "cacheRead": 0.5 },
 *     "my-proxy-model": { "input": 1, "output": 2, "cacheWrite": 0, "cacheRead": 0 } }
 *
 * `cacheWrite` is the 5-minute cache write; `cacheWrite1h` (1-hour writes, which Claude Code uses too)
 * defaults to twice `input`; `longPrompt` ({ "above": tokens, and the same rates }) prices a whole
 * request whose prompt (input + cache reads + cache writes) is longer than `above` tokens.
 */

export interface Rates {
  /** Uncached input, per million tokens. */
  input: number;
  output: number;
  /** 5-minute prompt-cache write. */
  cacheWrite: number;
  /** Cache hit. */
  cacheRead: number;
  /** 1-hour prompt-cache write (default: 2 × input). */
  cacheWrite1h?: number;
}

export interface ModelPrice extends Rates {
  /** Different rates for a request whose prompt is longer than `above` tokens. */
  longPrompt?: Rates & { above: number };
}

export type PriceTable = Record<string, ModelPrice>;

const rates = (input: number, output: number, cacheWrite: number, cacheRead: number, cacheWrite1h = input * 2): Rates => ({
  input,
  output,
  cacheWrite,
  cacheRead,
  cacheWrite1h,
});

const OPUS_4 = rates(15, 75, 18.75, 1.5);
const OPUS_45 = rates(5, 25, 6.25, 0.5);
const SONNET_3 = rates(3, 15, 3.75, 0.3);
/** Sonnet 4 and 4.5 with the 1M-token context: a prompt over 200k tokens is billed at these rates. */
const SONNET_4: ModelPrice = { ...SONNET_3, longPrompt: { above: 200_000, ...rates(6, 22.5, 7.5, 0.6) } };

/**
 * Anthropic's list prices (platform.claude.com/docs/en/about-claude/pricing, as of November 2026).
 * Keys are model ids without their date; the bare family names are for ids of no known version.
 */
export const DEFAULT_PRICES: PriceTable = {
  'claude-fable-5-1': rates(10, 50, 12.5, 0.25),
  'claude-fable-5': rates(10, 50, 12.5, 1),
  'claude-mythos-5-1': rates(10, 50, 12.5, 0.25),
  'claude-mythos-5': rates(10, 50, 12.5, 1),
  'claude-opus-5-5': rates(4, 20, 5, 0.2),
  'claude-opus-5': OPUS_45,
  'claude-opus-4-8': OPUS_45,
  'claude-opus-4-7': OPUS_45,
  'claude-opus-4-6': OPUS_45,
  'claude-opus-4-5': OPUS_45,
  'claude-opus-4-1': OPUS_4,
  'claude-opus-4': OPUS_4,
  'claude-3-opus': OPUS_4,
  'claude-sonnet-5-5': rates(2, 10, 2.5, 0.1),
  'claude-sonnet-5': rates(2, 10, 2.5, 0.2),
  'claude-sonnet-4-5': SONNET_4,
  'claude-sonnet-4': SONNET_4,
  'claude-3-7-sonnet': SONNET_3,
  'claude-3-5-sonnet': SONNET_3,
  'claude-haiku-5-5': { ...rates(0.1, 0.5, 0.125, 0.01), longPrompt: { above: 100_000, ...rates(0.5, 2.5, 0.625, 0.05) } },
  'claude-haiku-4-5': rates(1, 5, 1.25, 0.1),
  'claude-3-5-haiku': rates(0.8, 4, 1, 0.08),
  'claude-3-haiku': rates(0.25, 1.25, 0.3, 0.03),
};

/** `us.anthropic.claude-sonnet-4-5-20250929-v1:0`, `claude-opus-4-1@20250805`, `…[1m]` → `claude-…-20250929`. */
export function normalizeModelId(model: string): string {
  return model
    .trim()
    .toLowerCase()
    .replace(/^.*\//, '') // ARNs, provider prefixes
    .replace(/^(?:[a-z]{2,6}\.)?anthropic\./, '') // Bedrock (with or without a region)
    .replace(/\[[^\]]*\]$/, '') // Claude Code's [1m]
    .replace(/-v\d+(?::\d+)?$/, '')
    .replace(/@(\d{8})$/, '-$1'); // Vertex
}

/** Family and version of a model id or table key: `claude-3-5-sonnet-…` and `claude-sonnet-4-5-…` alike. */
function familyOf(id: string): { family: string; version: number } | null {
  const m = /(?:^|-)(?:(\d+)(?:-(\d))?-)?(opus|sonnet|haiku|fable|mythos)(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?=-|$)/.exec(id);
  if (!m) return null;
  const [major, minor] = m[1] !== undefined ? [m[1], m[2]] : [m[4], m[5]];
  return { family: m[3]!, version: major === undefined ? Number.POSITIVE_INFINITY : Number(major) + Number(minor ?? 0) / 10 };
}

/** The table entry for a model: its key and price, or null when nothing fits. */
export function priceFor(model: string, table: PriceTable): { key: string; price: ModelPrice } | null {
  if (table[model]) return { key: model, price: table[model]! };
  const id = normalizeModelId(model);
  const undated = id.replace(/-(?:\d{8}|latest)$/, '');
  for (const key of [id, undated]) if (table[key]) return { key, price: table[key]! };
  const wanted = familyOf(undated);
  if (!wanted) return null;
  let best: { key: string; version: number } | null = null;
  let lowest: { key: string; version: number } | null = null;
  for (const key of Object.keys(table)) {
    const f = familyOf(normalizeModelId(key));
    if (!f || f.family !== wanted.family) continue;
    if (f.version <= wanted.version && (!best || f.version > best.version)) best = { key, version: f.version };
    if (!lowest || f.version < lowest.version) lowest = { key, version: f.version };
  }
  const chosen = best ?? lowest;
  return chosen ? { key: chosen.key, price: table[chosen.key]! } : null;
}

/** Dollars for one request's tokens. */
export function costOf(
  usage: { input: number; output: number; cacheWrite5m: number; cacheWrite1h: number; cacheRead: number },
  price: ModelPrice,
): number {
  const prompt = usage.input + usage.cacheRead + usage.cacheWrite5m + usage.cacheWrite1h;
  const r: Rates = price.longPrompt && prompt > price.longPrompt.above ? price.longPrompt : price;
  return (
    (usage.input * r.input +
      usage.output * r.output +
      usage.cacheWrite5m * r.cacheWrite +
      usage.cacheWrite1h * (r.cacheWrite1h ?? r.input * 2) +
      usage.cacheRead * r.cacheRead) /
    1_000_000
  );
}

const RATE_FIELDS = ['input', 'output', 'cacheWrite', 'cacheRead'] as const;

function checkRates(value: unknown, where: string, extra: readonly string[]): Rates {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where} must be an object of prices per million tokens`);
  const v = value as Record<string, unknown>;
  const num = (name: string, required: boolean): number | undefined => {
    const n = v[name];
    if (n === undefined && !required) return undefined;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw new Error(`${where}.${name} must be a number ≥ 0 (dollars per million tokens)`);
    return n;
  };
  const out: Rates = { input: num('input', true)!, output: num('output', true)!, cacheWrite: num('cacheWrite', true)!, cacheRead: num('cacheRead', true)! };
  const oneHour = num('cacheWrite1h', false);
  if (oneHour !== undefined) out.cacheWrite1h = oneHour;
  const allowed = [...RATE_FIELDS, 'cacheWrite1h', ...extra];
  const unknown = Object.keys(v).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw new Error(`${where} has unknown field(s) ${unknown.join(', ')}; expected ${allowed.join(', ')}`);
  return out;
}

/** Parses a prices.json text (throws with a message that names the bad entry). */
export function parsePriceTable(text: string): PriceTable {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('must be an object: { "<model id or family>": { "input": …, "output": …, "cacheWrite": …, "cacheRead": … } }');
  const table: PriceTable = {};
  for (const [model, value] of Object.entries(raw as Record<string, unknown>)) {
    const price: ModelPrice = checkRates(value, `"${model}"`, ['longPrompt']);
    const long = (value as Record<string, unknown>).longPrompt;
    if (long !== undefined) {
      const above = (long as Record<string, unknown> | null)?.above;
      if (typeof above !== 'number' || !Number.isFinite(above) || above <= 0) throw new Error(`"${model}".longPrompt.above must be a number of tokens > 0`);
      price.longPrompt = { ...checkRates(long, `"${model}".longPrompt`, ['above']), above };
    }
    table[model] = price;
  }
  return table;
}

/** The price table in force: the defaults with `$MAESTRO_HOME/prices.json` over them, reread when that file changes. */
export class PriceBook {
  private seen = '';
  private current: { table: PriceTable; version: string; warnings: string[] } = { table: DEFAULT_PRICES, version: 'default', warnings: [] };

  constructor(readonly file: string) {}

  /** The table, a version string that changes with it, and what was wrong with the file (then the defaults hold). */
  get(): { table: PriceTable; version: string; warnings: string[] } {
    let stamp: string;
    try {
      const st = statSync(this.file);
      stamp = `${st.size}:${st.mtimeMs}:${st.ino}`;
    } catch {
      stamp = 'none';
    }
    if (stamp === this.seen) return this.current;
    this.seen = stamp;
    if (stamp === 'none') {
      this.current = { table: DEFAULT_PRICES, version: 'default', warnings: [] };
      return this.current;
    }
    try {
      const own = parsePriceTable(readFileSync(this.file, 'utf8'));
      this.current = { table: { ...DEFAULT_PRICES, ...own }, version: stamp, warnings: [] };
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      this.current = { table: DEFAULT_PRICES, version: `bad:${stamp}`, warnings: [`${this.file}: ${why}; using the built-in prices`] };
    }
    return this.current;
  }
}
