/** asciicast v2: writing, appending after a restart, reading back, and replay timing. */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CastWriter, parseRecording, readRecording, recordingOutput, replayDelays, type CastEvent } from '../src/pty/asciicast.js';

const dirs: string[] = [];
const tempFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'maestro-cast-'));
  dirs.push(dir);
  return join(dir, 'sessions', 'ses_x', 'terminal.cast');
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('CastWriter', () => {
  it('writes a v2 header line, then output, resize and marker events', async () => {
    const path = tempFile();
    const w = CastWriter.open(path, { width: 120, height: 32, title: 'demo' });
    w.output('hello \u001b[1mworld\u001b[0m\r\n');
    w.output('❯ unicode\r\n');
    w.resize(100, 40);
    w.marker('note');
    w.output(''); // nothing to record
    await w.close();
    w.output('after close is ignored');

    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    const header = JSON.parse(lines[0]!);
    expect(header).toMatchObject({ version: 2, width: 120, height: 32, title: 'demo', env: { TERM: 'xterm-256color' } });
    expect(Number.isInteger(header.timestamp)).toBe(true);
    const events = lines.slice(1).map((l) => JSON.parse(l) as CastEvent);
    expect(events.map(([, code, data]) => [code, data])).toEqual([
      ['o', 'hello \u001b[1mworld\u001b[0m\r\n'],
      ['o', '❯ unicode\r\n'],
      ['r', '100x40'],
      ['m', 'note'],
    ]);
    for (const [t] of events) expect(t).toBeGreaterThanOrEqual(0);
  });

  it('appends to an existing recording on its own clock, on a fresh line even after a torn write', async () => {
    const path = tempFile();
    const first = CastWriter.open(path, { width: 80, height: 24 });
    first.output('before\r\n');
    await first.close();
    appendFileSync(path, '[1.5, "o", "torn'); // a crash mid-line

    const second = CastWriter.open(path, { width: 120, height: 32 });
    expect(second.header.width).toBe(80); // the original header is kept
    second.marker('reattached');
    second.output('after\r\n');
    await second.close();

    const rec = readRecording(path);
    expect(rec.header.width).toBe(80);
    expect(recordingOutput(rec)).toBe('before\r\nafter\r\n');
    expect(rec.events.map(([, c]) => c)).toEqual(['o', 'm', 'o']);
    expect(readFileSync(path, 'utf8').split('\n')[0]).toBe(JSON.stringify(rec.header));
  });
});

describe('parseRecording', () => {
  it('reads asciinema-style files and skips malformed event lines', () => {
    const text = [
      JSON.stringify({ version: 2, width: 10, height: 5, timestamp: 1700000000 }),
      '[0.1, "o", "a"]',
      'garbage',
      '[0.2, "i", "typed"]',
      '[0.3, "o", "b"]',
      '',
    ].join('\n');
    const rec = parseRecording(text);
    expect(rec.events).toHaveLength(3);
    expect(recordingOutput(rec)).toBe('ab');
  });

  it('rejects what is not asciicast v2', () => {
    expect(() => parseRecording('not json')).toThrow(/not an asciicast/);
    expect(() => parseRecording('{"version":1}')).toThrow(/unsupported asciicast version 1/);
  });

  it('reads a file on disk', () => {
    const path = tempFile().replace('sessions/ses_x/', '');
    writeFileSync(path, `${JSON.stringify({ version: 2, width: 1, height: 1, timestamp: 0 })}\n[0, "o", "x"]\n`);
    expect(recordingOutput(readRecording(path))).toBe('x');
  });
});

describe('replayDelays', () => {
  const events: CastEvent[] = [
    [0.5, 'o', 'a'],
    [1.5, 'o', 'b'],
    [61.5, 'o', 'c'], // a minute of downtime
    [61.6, 'r', '80x24'],
  ];

  it('keeps real gaps at speed 1', () => {
    expect(replayDelays(events)).toEqual([0.5, 1, 60, expect.closeTo(0.1, 5)]);
  });

  it('divides by the speed and caps pauses at max-idle', () => {
    const delays = replayDelays(events, { speed: 2, maxIdle: 2 });
    expect(delays[0]).toBeCloseTo(0.25);
    expect(delays[1]).toBeCloseTo(0.5);
    expect(delays[2]).toBe(2);
    expect(delays[3]).toBeCloseTo(0.05);
  });
});
