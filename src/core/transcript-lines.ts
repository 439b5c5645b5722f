import { open } from 'node:fs/promises';

/*
 * Reading a JSONL file line by line (the layer under transcript.ts and transcript-usage.ts): in chunks,
 * never whole, from any byte offset, so that a growing file can be read on from where the last read
 * stopped; and parsing one line into a JSON object, or nothing when it does not parse (the last line may
 * be half written).
 */

/** A parsed line (or a nested object in it): a JSON object whose fields are checked where they are read. */
export type JsonObject = Record<string, unknown>;

/** `value` as an object whose fields can be read, or null when it is not one (null, a primitive). */
export const asObject = (value: unknown): JsonObject | null => (typeof value === 'object' && value !== null ? (value as JsonObject) : null);

const CHUNK = 1 << 20;
const NEWLINE = 0x0a;

/**
 * Calls `onLine` with every line of the file from byte `from` (its bytes, valid only during the call,
 * and the offset it starts at), the last one even without its newline. Returns the offset just after
 * the last newline: where a later read of a growing file starts again.
 */
export async function scanLines(path: string, from: number, onLine: (line: Buffer, start: number) => void): Promise<number> {
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

/** One line as a JSON object; null when it does not parse or is not an object. */
export function parseLine(line: Buffer): JsonObject | null {
  try {
    const value: unknown = JSON.parse(line.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : null;
  } catch {
    return null;
  }
}
