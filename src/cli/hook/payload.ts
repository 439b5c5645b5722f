import { MAX_HOOK_PAYLOAD } from '../../pty/hooks/contract.js';

/*
 * Shaping the hook's stdin into the event's payload: the JSON object as it came when it fits, cut down to its
 * small fields (within MAX_HOOK_PAYLOAD) when it does not, or kept as a few raw bytes when it is not a JSON
 * object. Pure functions; only the tiny hooks contract is imported (see ../hook.ts).
 */

/** Unparsable stdin is kept as this many of its first bytes. */
const RAW_BYTES = 2048;
/** In an oversized payload, strings longer than this (UTF-8 bytes) are dropped. */
const SMALL_STRING_BYTES = 4096;
/** … and `tool_input` keeps at most this much of its small fields. */
const TOOL_INPUT_BUDGET = 8 * 1024;
/** Fields kept first when a payload is cut (the rest of the small ones follow while they fit). */
const FIRST_FIELDS = [
  'session_id',
  'transcript_path',
  'cwd',
  'hook_event_name',
  'tool_name',
  'tool_use_id',
  'tool_input',
  'notification_type',
  'message',
  'source',
  'reason',
  'trigger',
  'permission_mode',
  'stop_hook_active',
];

/**
 * The hook's stdin as the event's payload: the JSON object itself when it is one and small enough; only its
 * small fields (plus `truncated: true`) when over MAX_HOOK_PAYLOAD; `{ raw }` (its first 2 KiB) when it is not
 * a JSON object (plus `truncated: true` when cut); `{}` when nothing arrived.
 */
export function shapePayload(bytes: Buffer, complete = true): Record<string, unknown> {
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return rawPayload(bytes, complete);
  }
  if (!isObject(parsed)) return rawPayload(bytes, complete);
  // A compact re-serialisation is never longer than its source: only a long source needs measuring.
  if (bytes.length <= MAX_HOOK_PAYLOAD || Buffer.byteLength(JSON.stringify(parsed)) <= MAX_HOOK_PAYLOAD) return parsed;
  return reducePayload(parsed);
}

function rawPayload(bytes: Buffer, complete: boolean): Record<string, unknown> {
  // stream: true holds back a character cut in half at the 2 KiB boundary instead of mangling it
  const raw = new TextDecoder('utf-8').decode(bytes.subarray(0, RAW_BYTES), { stream: true });
  return bytes.length > RAW_BYTES || !complete ? { raw, truncated: true } : { raw };
}

/** Keeps the small top-level fields (known ones first) and `tool_input`'s small fields, within MAX_HOOK_PAYLOAD. */
export function reducePayload(payload: Record<string, unknown>): Record<string, unknown> {
  const tail = ',"truncated":true}';
  const out: Record<string, unknown> = {};
  const budget = { used: 1 + tail.length };
  const keys = [...FIRST_FIELDS.filter((k) => Object.hasOwn(payload, k)), ...Object.keys(payload).filter((k) => !FIRST_FIELDS.includes(k))];
  for (const key of keys) {
    if (key === 'truncated') continue;
    const value = payload[key];
    if (key === 'tool_input' && isObject(value)) addWithin(out, key, smallFields(value, TOOL_INPUT_BUDGET), budget, MAX_HOOK_PAYLOAD);
    else if (isSmall(value)) addWithin(out, key, value, budget, MAX_HOOK_PAYLOAD);
  }
  out.truncated = true;
  return out;
}

function smallFields(obj: Record<string, unknown>, limit: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const budget = { used: 2 };
  for (const [key, value] of Object.entries(obj)) if (isSmall(value)) addWithin(out, key, value, budget, limit);
  return out;
}

function addWithin(out: Record<string, unknown>, key: string, value: unknown, budget: { used: number }, limit: number): void {
  const cost = Buffer.byteLength(JSON.stringify(key)) + 1 + Buffer.byteLength(JSON.stringify(value)) + 1; // "key":value,
  if (budget.used + cost > limit) return;
  out[key] = value;
  budget.used += cost;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSmall = (v: unknown): boolean =>
  v === null || typeof v === 'boolean' || typeof v === 'number' || (typeof v === 'string' && Buffer.byteLength(v) <= SMALL_STRING_BYTES);
