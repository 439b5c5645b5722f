import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { costOf, DEFAULT_PRICES, priceFor, type ModelPrice, type PriceTable } from './prices.js';
import { asObject, parseLine, scanLines, type JsonObject } from './transcript-lines.js';
import type { TokenCounts, TranscriptUsage } from './types.js';

/*
 * Token and cost accounting of a transcript (the line format is described in transcript.ts): each
 * assistant message counted once, with the usage of its last streamed line, its subagents' transcripts
 * included, priced per model from the price table. Usage is cached per file by size and mtime and, while
 * a file only grows, read on from where the last read stopped.
 */

interface MessageUsage {
  model: string;
  input: number;
  output: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
}

interface FileScan {
  ino: number;
  size: number;
  mtimeMs: number;
  /** Where the next read starts: just after the last complete line. */
  offset: number;
  /** By message id (or, for a line without one, `@<its offset>`): the usage of its last line. */
  messages: Map<string, MessageUsage>;
}

/** Files scanned, most recently used last; bounded so that a long-running server does not grow without end. */
const scans = new Map<string, FileScan>();
const MAX_SCANS = 512;
const memos = new Map<string, { key: string; usage: TranscriptUsage }>();

const USAGE_KEY = Buffer.from('"usage"');
const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

/** The usage of one transcript line, if it is an assistant message with usage. */
function usageOf(line: JsonObject): { key: string | null; usage: MessageUsage } | null {
  if (line.type !== 'assistant') return null;
  const m = asObject(line.message);
  const u = asObject(m?.usage);
  if (!m || !u) return null;
  const model = typeof m.model === 'string' && m.model !== '' ? m.model : 'unknown';
  if (model === '<synthetic>') return null; // Claude Code's own stand-in messages (errors, interruptions): no API call
  const split = asObject(u.cache_creation) ?? {};
  const oneHour = count(split.ephemeral_1h_input_tokens);
  const writes = Math.max(count(u.cache_creation_input_tokens), count(split.ephemeral_5m_input_tokens) + oneHour);
  return {
    key: typeof m.id === 'string' && m.id !== '' ? m.id : null,
    usage: {
      model,
      input: count(u.input_tokens),
      output: count(u.output_tokens),
      cacheWrite5m: writes - oneHour,
      cacheWrite1h: oneHour,
      cacheRead: count(u.cache_read_input_tokens),
    },
  };
}

/** The messages of one file, read on from where the last scan of it stopped while the file only grew. */
async function scanUsage(path: string): Promise<FileScan> {
  const st = await stat(path);
  let scan = scans.get(path);
  if (scan) scans.delete(path); // re-inserted below: most recently used
  if (!scan || scan.ino !== st.ino || st.size < scan.offset || (st.size === scan.size && st.mtimeMs !== scan.mtimeMs)) {
    scan = { ino: st.ino, size: -1, mtimeMs: -1, offset: 0, messages: new Map() };
  }
  if (scan.size !== st.size || scan.mtimeMs !== st.mtimeMs) {
    const messages = scan.messages;
    scan.offset = await scanLines(path, scan.offset, (bytes, start) => {
      if (!bytes.includes(USAGE_KEY)) return;
      const line = parseLine(bytes);
      const found = line && usageOf(line);
      // A line without a message id is keyed by where it starts: read again (a growing file's last line), it replaces itself.
      if (found) messages.set(found.key ?? `@${start}`, found.usage);
    });
    scan.size = st.size;
    scan.mtimeMs = st.mtimeMs;
  }
  scans.set(path, scan);
  while (scans.size > MAX_SCANS) scans.delete(scans.keys().next().value!);
  return scan;
}

/** Subagent transcripts kept beside a transcript: `<dir>/<session id>/subagents/**\/agent-*.jsonl`. */
async function subagentFiles(path: string): Promise<string[]> {
  if (!path.endsWith('.jsonl')) return [];
  const dir = join(path.slice(0, -'.jsonl'.length), 'subagents');
  try {
    const names = await readdir(dir, { recursive: true });
    return names
      .filter((n) => /(^|\/)agent-[^/]*\.jsonl$/.test(n))
      .sort()
      .map((n) => join(dir, n));
  } catch {
    return [];
  }
}

const zero = (): TokenCounts => ({ inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, costUsd: 0 });
/** Dollars to a billionth: enough for a single token, without floating-point dust. */
const dollars = (n: number) => Math.round(n * 1e9) / 1e9;

export interface UsageOptions {
  /** The price table in force and a version that changes with it (see PriceBook); default: the built-in prices. */
  prices?: { table: PriceTable; version: string; warnings?: string[] };
  /** Count the subagent transcripts beside it too (default true). */
  subagents?: boolean;
}

/**
 * Tokens and cost of a transcript (and its subagents' transcripts): each assistant message once, with the
 * usage of its last line; cost from the price table, per message (a long prompt may cost more per token).
 * Cached: an unchanged file is not read again, a grown one only from where it was last read. Throws
 * ENOENT when the transcript does not exist.
 */
export async function transcriptUsage(path: string, opts: UsageOptions = {}): Promise<TranscriptUsage> {
  const prices = opts.prices ?? { table: DEFAULT_PRICES, version: 'default', warnings: [] };
  const files = [path, ...(opts.subagents === false ? [] : await subagentFiles(path))];
  const fileScans: FileScan[] = [];
  for (const file of files) {
    try {
      fileScans.push(await scanUsage(file));
    } catch (err) {
      if (file === path) throw err; // a subagent file that vanished meanwhile is simply not counted
    }
  }
  const key = `${prices.version}|${files.map((f, i) => `${f}:${fileScans[i]?.size}:${fileScans[i]?.mtimeMs}`).join('|')}`;
  const memo = memos.get(path);
  if (memo && memo.key === key) return memo.usage;

  const merged = new Map<string, MessageUsage>();
  fileScans.forEach((scan, i) => {
    for (const [id, usage] of scan.messages) merged.set(id.startsWith('@') ? `${i}${id}` : id, usage);
  });
  const total = zero();
  const byModel: TranscriptUsage['byModel'] = {};
  const priced = new Map<string, { key: string; price: ModelPrice } | null>();
  for (const u of merged.values()) {
    if (!priced.has(u.model)) priced.set(u.model, priceFor(u.model, prices.table));
    const p = priced.get(u.model)!;
    const row = (byModel[u.model] ??= { ...zero(), messages: 0, price: p?.key ?? null });
    const cost = p ? costOf(u, p.price) : 0;
    for (const t of [row, total]) {
      t.inputTokens += u.input;
      t.outputTokens += u.output;
      t.cacheCreationTokens += u.cacheWrite5m + u.cacheWrite1h;
      t.cacheReadTokens += u.cacheRead;
      t.costUsd += cost;
    }
    row.messages++;
  }
  for (const row of Object.values(byModel)) row.costUsd = dollars(row.costUsd);
  const unpriced = Object.entries(byModel).filter(([, r]) => r.price === null);
  const usage: TranscriptUsage = {
    ...total,
    costUsd: dollars(total.costUsd),
    messages: merged.size,
    byModel,
    warnings: [
      ...(prices.warnings ?? []),
      ...unpriced.map(([model]) => `no price for model '${model}': its tokens are counted, their cost is not (add it to $MAESTRO_HOME/prices.json)`),
    ],
  };
  memos.set(path, { key, usage });
  while (memos.size > MAX_SCANS) memos.delete(memos.keys().next().value!);
  return usage;
}

/** Adds token counts. */
export function addCounts(into: TokenCounts, more: TokenCounts): void {
  into.inputTokens += more.inputTokens;
  into.outputTokens += more.outputTokens;
  into.cacheCreationTokens += more.cacheCreationTokens;
  into.cacheReadTokens += more.cacheReadTokens;
  into.costUsd = dollars(into.costUsd + more.costUsd);
}

export { zero as emptyCounts };
