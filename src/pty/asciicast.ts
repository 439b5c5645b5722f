import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Terminal recordings in asciicast v2 (https://docs.asciinema.org/manual/asciicast/v2/): a JSON header
 * line, then one JSON array per event: `[seconds, "o", text]` for output, `[seconds, "r", "COLSxROWS"]`
 * for a resize, `[seconds, "m", label]` for a marker.
 *
 * Event times are always seconds since the header's `timestamp`. When the supervisor reattaches to
 * a session after a restart it appends to the same file with the same rule, so the later events sit
 * at their true wall-clock offset: the downtime shows as a pause (which `--max-idle` shortens on
 * replay) and a `"m"` marker names the reattach.
 */
export interface CastHeader {
  version: 2;
  width: number;
  height: number;
  /** unix seconds */
  timestamp: number;
  title?: string;
  env?: Record<string, string>;
  [extra: string]: unknown;
}

export type CastEventCode = 'o' | 'i' | 'r' | 'm';
export type CastEvent = [time: number, code: CastEventCode, data: string];

export interface Recording {
  header: CastHeader;
  events: CastEvent[];
}

export class CastWriter {
  private readonly stream: WriteStream;
  private readonly startMs: number;
  private closed = false;

  private constructor(
    readonly path: string,
    readonly header: CastHeader,
  ) {
    this.stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
    this.stream.on('error', () => {
      /* a full disk must not take the supervisor down; the recording just stops growing */
    });
    this.startMs = header.timestamp * 1000;
  }

  /** Starts a new recording, or continues an existing one at the same path (its header's clock). */
  static open(path: string, init: { width: number; height: number; title?: string; env?: Record<string, string> }): CastWriter {
    mkdirSync(dirname(path), { recursive: true });
    const existing = existsSync(path) && statSync(path).size > 0 ? readHeader(path) : null;
    if (existing) {
      const writer = new CastWriter(path, existing);
      writer.ensureNewline(path);
      return writer;
    }
    const header: CastHeader = {
      version: 2,
      width: init.width,
      height: init.height,
      timestamp: Math.floor(Date.now() / 1000),
      ...(init.title ? { title: init.title } : {}),
      env: init.env ?? { TERM: 'xterm-256color', SHELL: '/bin/sh' },
    };
    const writer = new CastWriter(path, header);
    writer.stream.write(`${JSON.stringify(header)}\n`);
    return writer;
  }

  /** Seconds since the header's timestamp, at millisecond precision. */
  now(): number {
    return Math.max(0, Math.round(Date.now() - this.startMs) / 1000);
  }

  output(data: string): void {
    this.event('o', data);
  }

  resize(cols: number, rows: number): void {
    this.event('r', `${cols}x${rows}`);
  }

  marker(label: string): void {
    this.event('m', label);
  }

  private event(code: CastEventCode, data: string): void {
    if (this.closed || data === '') return;
    this.stream.write(`${JSON.stringify([this.now(), code, data])}\n`);
  }

  /** A crash can leave a half-written last line; start appended events on a line of their own. */
  private ensureNewline(path: string): void {
    const text = readFileSync(path, 'utf8');
    if (!text.endsWith('\n')) this.stream.write('\n');
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.stream.end(() => resolve()));
  }
}

function readHeader(path: string): CastHeader | null {
  const text = readFileSync(path, 'utf8');
  const first = text.slice(0, text.indexOf('\n') === -1 ? undefined : text.indexOf('\n'));
  try {
    const header = JSON.parse(first) as CastHeader;
    return header && header.version === 2 && typeof header.timestamp === 'number' ? header : null;
  } catch {
    return null;
  }
}

/** Parses asciicast v2 text; malformed event lines (e.g. a torn last line after a crash) are skipped. */
export function parseRecording(text: string): Recording {
  const lines = text.split('\n');
  let header: CastHeader;
  try {
    header = JSON.parse(lines[0] ?? '') as CastHeader;
  } catch {
    throw new Error('not an asciicast recording: the first line is not a JSON header');
  }
  if (!header || typeof header !== 'object' || header.version !== 2)
    throw new Error(`unsupported asciicast version ${String((header as { version?: unknown })?.version)}; expected 2`);
  const events: CastEvent[] = [];
  for (const line of lines.slice(1)) {
    if (!line.trim()) continue;
    try {
      const ev = JSON.parse(line) as unknown;
      if (Array.isArray(ev) && ev.length >= 3 && typeof ev[0] === 'number' && typeof ev[1] === 'string' && typeof ev[2] === 'string')
        events.push([ev[0], ev[1] as CastEventCode, ev[2]]);
    } catch {
      /* torn line */
    }
  }
  return { header, events };
}

export function readRecording(path: string): Recording {
  return parseRecording(readFileSync(path, 'utf8'));
}

/** All output of a recording as one string (what a terminal would have been sent). */
export const recordingOutput = (rec: Recording): string =>
  rec.events
    .filter((e) => e[1] === 'o')
    .map((e) => e[2])
    .join('');

/**
 * The delays to replay events with: real gaps divided by `speed`, each capped at `maxIdle` seconds
 * (after the speed-up), as asciinema does.
 */
export function replayDelays(events: CastEvent[], opts: { speed?: number; maxIdle?: number } = {}): number[] {
  const speed = opts.speed && opts.speed > 0 ? opts.speed : 1;
  const maxIdle = opts.maxIdle && opts.maxIdle > 0 ? opts.maxIdle : Infinity;
  let previous = 0;
  return events.map(([t]) => {
    const gap = Math.max(0, t - previous) / speed;
    previous = Math.max(previous, t);
    return Math.min(gap, maxIdle);
  });
}
