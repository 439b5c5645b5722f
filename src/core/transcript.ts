import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { costOf, DEFAULT_PRICES, priceFor, type ModelPrice, type PriceTable } from './prices.js';
import type { TokenCounts, TranscriptEntry, TranscriptUsage } from './types.js';

/*
 * Claude Code's transcript: `~/.claude/projects/<project>/<session id>.jsonl`, one JSON object per line,
 * appended as the conversation goes (the hooks' `transcript_path`). The lines this module reads:
 *
 *   {"type":"user", "message":{"role":"user","content":"the prompt" | [blocks]}, "uuid","parentUuid","timestamp",
 *    "sessionId","cwd","isSidechain","isMeta"?, "toolUseResult"?}
 *   {"type":"assistant", "requestId", "message":{"id":"msg_…","model":"claude-…","content":[blocks],
 *    "usage":{"input_tokens","output_tokens","cache_creation_input_tokens","cache_read_input_tokens",
 *    "cache_creation":{"ephemeral_5m_input_tokens","ephemeral_1h_input_tokens"}}}, …}
 *
 * Blocks: {"type":"text","text"}, {"type":"thinking","thinking"}, {"type":"tool_use","id","name","input"}
 * (assistant); {"type":"text"}, {"type":"tool_result","tool_use_id","content":string|[blocks],"is_error"?}
 * (user). Other line types (summary, system, file-history-snapshot, progress, queue-operation, …) say
 * nothing of the conversation and are skipped, as are lines that do not parse (the last one may be
 * half written).
 *
 * Streaming: one API response is written as several lines, one per content block, all with the same
 * `message.id` and each with the usage known so far (cumulative). A message counts once, with the usage
 * of its last line. Sidechain lines (a Task subagent's conversation, `isSidechain: true`; newer versions
 * keep them in `<session id>/subagents/*.jsonl` beside the transcript) are not part of the conversation
 * shown, but their tokens were spent by the session and are counted.
 *
 * This is file-format parsing with no terminal in it, so it lives in the core: session info and status
 * report usage from it. Files are read in chunks, never whole; usage is cached per file by size and
 * mtime and, while a file only grows, read on from where the last read stopped.
 */

/** Most entries `readTranscript` returns. */
export const MAX_LOG_ENTRIES = 5000;

const CHUNK = 1 << 20;
const NEWLINE = 0x0a;

/**
 * Calls `onLine` with every line of the file from byte `from` (its bytes, valid only during the call,
 * and the offset it starts at), the last one even without its newline. Returns the offset just after
 * the last newline: where a later read of a growing file starts again.
 */
async function scanLines(path: string, from: number, onLine: (line: Buffer, start: number) => void): Promise<number> {
  const file = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let pos = from;
    let end = from;
    let carry: Buffer[] = [];
    let carryStart = from;
    for (;;) {
      const { bytesRead } = await file.read(buf, 0, CHUNK, pos);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      const base = pos;
      pos += bytesRead;
      let s = 0;
      if (carry.length > 0) {
        const nl = chunk.indexOf(NEWLINE);
        if (nl < 0) {
          carry.push(Buffer.from(chunk));
          continue;
        }
        onLine(Buffer.concat([...carry, chunk.subarray(0, nl)]), carryStart);
        carry = [];
        s = nl + 1;
        end = base + s;
      }
      for (;;) {
        const nl = chunk.indexOf(NEWLINE, s);
        if (nl < 0) break;
        if (nl > s) onLine(chunk.subarray(s, nl), base + s);
        s = nl + 1;
        end = base + s;
      }
      if (s < bytesRead) {
        carry = [Buffer.from(chunk.subarray(s))];
        carryStart = base + s;
      }
    }
    if (carry.length > 0) onLine(Buffer.concat(carry), carryStart);
    return end;
  } finally {
    await file.close();
  }
}

function parseLine(line: Buffer): Record<string, any> | null {
  try {
    const value: unknown = JSON.parse(line.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, any>) : null;
  } catch {
    return null;
  }
}

// ---- the conversation ---------------------------------------------------------------------------------------

export interface ReadTranscriptOptions {
  /** At most this many entries (default 200, at most MAX_LOG_ENTRIES). */
  limit?: number;
  /** Take the first `limit` entries instead of the last. */
  head?: boolean;
  /** Prompts and assistant text are cut to this many characters (default 4000). */
  maxText?: number;
  /** Tool results and thinking are cut to this many characters (default 400). */
  maxDetail?: number;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/** Cuts text to `max` characters, with … when cut. */
export function clip(text: string, max: number): string {
  const t = text.trim();
  return t.length > max ? `${t.slice(0, Math.max(0, max - 1)).trimEnd()}…` : t;
}
const oneLine = (text: string, max: number) => clip(text.replace(/\s+/g, ' '), max);

/** What a tool use did, in one line: the command, the file, the pattern, or its input as JSON. */
export function toolUseText(name: string, input: unknown): string {
  const i = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const salient = (name === 'Bash' ? str(i.command) : undefined) ?? str(i.file_path) ?? str(i.notebook_path) ?? str(i.path) ?? str(i.url) ?? str(i.pattern) ?? str(i.query);
  if (salient) return oneLine(salient, 200);
  if (/^mcp__/.test(name) || !str(i.description)) return oneLine(JSON.stringify(input ?? {}), 200);
  return oneLine(str(i.description)!, 200);
}

/** The text of a tool result's content: a string, or blocks (text, images). */
function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return content === undefined || content === null ? '' : JSON.stringify(content);
  return content
    .map((b: any) => (b?.type === 'text' && typeof b.text === 'string' ? b.text : b?.type === 'image' ? '[image]' : ''))
    .filter(Boolean)
    .join('\n');
}

interface ReadState {
  /** tool_use id -> tool name, to name the results. */
  tools: Map<string, string>;
  /** Line uuids seen: a resumed conversation can repeat lines. */
  seen: Set<string>;
  maxText: number;
  maxDetail: number;
}

/** The conversation entries of one transcript line (none for lines that are not part of it). */
function entriesOf(line: Record<string, any>, st: ReadState): TranscriptEntry[] {
  if (line.type !== 'user' && line.type !== 'assistant') return [];
  // A subagent's own conversation, Claude Code's notes to itself, the summary that replaces a compacted context.
  if (line.isSidechain === true || line.isMeta === true || line.isCompactSummary === true) return [];
  if (typeof line.uuid === 'string') {
    if (st.seen.has(line.uuid)) return [];
    st.seen.add(line.uuid);
  }
  const message = line.message;
  if (typeof message !== 'object' || message === null) return [];
  const at = typeof line.timestamp === 'string' ? line.timestamp : null;
  const content: unknown = message.content;
  const out: TranscriptEntry[] = [];

  if (line.type === 'user') {
    const blocks = typeof content === 'string' ? [{ type: 'text', text: content }] : Array.isArray(content) ? content : [];
    for (const b of blocks as any[]) {
      if (b?.type === 'text' && str(b.text)) out.push({ at, role: 'user', kind: 'prompt', text: clip(b.text, st.maxText) });
      else if (b?.type === 'image') out.push({ at, role: 'user', kind: 'prompt', text: '[image]' });
      else if (b?.type === 'tool_result') {
        const tool = typeof b.tool_use_id === 'string' ? st.tools.get(b.tool_use_id) : undefined;
        out.push({
          at,
          role: 'tool',
          kind: 'tool_result',
          text: clip(resultText(b.content), st.maxDetail),
          ...(tool ? { tool } : {}),
          ...(b.is_error === true ? { isError: true } : {}),
        });
      }
    }
    return out;
  }

  const model = typeof message.model === 'string' && message.model !== '<synthetic>' ? message.model : undefined;
  const withModel = model ? { model } : {};
  const blocks = typeof content === 'string' ? [{ type: 'text', text: content }] : Array.isArray(content) ? content : [];
  for (const b of blocks as any[]) {
    if (b?.type === 'text' && str(b.text)) out.push({ at, role: 'assistant', kind: 'text', text: clip(b.text, st.maxText), ...withModel });
    else if (b?.type === 'thinking' && str(b.thinking)) out.push({ at, role: 'assistant', kind: 'thinking', text: clip(b.thinking, st.maxDetail), ...withModel });
    else if ((b?.type === 'tool_use' || b?.type === 'server_tool_use') && typeof b.name === 'string') {
      if (typeof b.id === 'string') st.tools.set(b.id, b.name);
      out.push({ at, role: 'assistant', kind: 'tool_use', text: toolUseText(b.name, b.input), tool: b.name, ...withModel });
    }
  }
  return out;
}

/**
 * The conversation in a transcript, oldest first: the last `limit` entries (or the first, with `head`)
 * and how many there are in all. Throws ENOENT when the file does not exist.
 */
export async function readTranscript(path: string, opts: ReadTranscriptOptions = {}): Promise<{ entries: TranscriptEntry[]; total: number }> {
  const limit = Math.max(1, Math.min(MAX_LOG_ENTRIES, Math.floor(opts.limit ?? 200)));
  const st: ReadState = { tools: new Map(), seen: new Set(), maxText: opts.maxText ?? 4000, maxDetail: opts.maxDetail ?? 400 };
  let kept: TranscriptEntry[] = [];
  let total = 0;
  await scanLines(path, 0, (bytes) => {
    const line = parseLine(bytes);
    if (!line) return;
    for (const entry of entriesOf(line, st)) {
      total++;
      if (opts.head) {
        if (kept.length < limit) kept.push(entry);
      } else {
        kept.push(entry);
        if (kept.length >= limit * 2) kept = kept.slice(-limit);
      }
    }
  });
  return { entries: opts.head ? kept : kept.slice(-limit), total };
}

// ---- tokens and cost ----------------------------------------------------------------------------------------

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
function usageOf(line: Record<string, any>): { key: string | null; usage: MessageUsage } | null {
  if (line.type !== 'assistant') return null;
  const m = line.message;
  const u = m?.usage;
  if (typeof u !== 'object' || u === null) return null;
  const model = typeof m.model === 'string' && m.model !== '' ? m.model : 'unknown';
  if (model === '<synthetic>') return null; // Claude Code's own stand-in messages (errors, interruptions): no API call
  const split = typeof u.cache_creation === 'object' && u.cache_creation !== null ? u.cache_creation : {};
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
