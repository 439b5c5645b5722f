/**
 * How long reading a big Claude Code transcript takes: `node dist/scripts/bench-transcript.js [MB]`
 * (default 50). Writes a transcript of that size shaped like a long real session (prompts; responses
 * streamed over several lines with cumulative usage; tool results of a few KB, some of 100 KB), then
 * times transcriptUsage (first read, unchanged, after an append) and readTranscript (last 200 entries).
 */
import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTranscript, transcriptUsage } from '../src/core/transcript.js';

const megabytes = Number(process.argv[2] ?? 50);
const dir = mkdtempSync(join(tmpdir(), 'maestro-bench-transcript-'));
const file = join(dir, 'session.jsonl');

const common = { isSidechain: false, userType: 'external', cwd: '/repo', sessionId: 'bench', version: '2.0.46', gitBranch: 'main' };
let n = 0;
const line = (type: string, fields: Record<string, unknown>) =>
  `${JSON.stringify({ parentUuid: null, ...common, type, ...fields, uuid: `u-${n++}`, timestamp: new Date(1_800_000_000_000 + n * 1000).toISOString() })}\n`;
const usage = (out: number) => ({ input_tokens: 8, cache_creation_input_tokens: 400, cache_read_input_tokens: 60_000, output_tokens: out, service_tier: 'standard' });
const filler = (size: number) => 'x'.repeat(size);

function turn(i: number): string {
  const id = `msg_${i}`;
  const msg = (content: unknown[], out: number, stop: string | null) => ({
    requestId: `req_${i}`,
    message: { id, type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929', content, stop_reason: stop, stop_sequence: null, usage: usage(out) },
  });
  let text = '';
  if (i % 20 === 0) text += line('user', { message: { role: 'user', content: `Prompt ${i}: keep going with the refactoring.` } });
  text += line('assistant', msg([{ type: 'thinking', thinking: `Step ${i}. ${filler(300)}`, signature: 'sig' }], 3, null));
  text += line('assistant', msg([{ type: 'text', text: `Running step ${i}.` }], 20, null));
  text += line('assistant', msg([{ type: 'tool_use', id: `toolu_${i}`, name: 'Bash', input: { command: `npm test -- step ${i}` } }], 120, 'tool_use'));
  const output = filler(i % 25 === 0 ? 100_000 : 3_000);
  text += line('user', { message: { role: 'user', content: [{ tool_use_id: `toolu_${i}`, type: 'tool_result', content: output }] }, toolUseResult: { stdout: output, stderr: '' } });
  return text;
}

const target = megabytes * 1024 * 1024;
let turns = 0;
let chunk = '';
let size = 0;
writeFileSync(file, '');
while (size < target) {
  chunk += turn(turns++);
  if (chunk.length > 4 * 1024 * 1024) {
    appendFileSync(file, chunk);
    size += Buffer.byteLength(chunk);
    chunk = '';
  }
}
if (chunk) appendFileSync(file, chunk);

const time = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
  const began = process.hrtime.bigint();
  const result = await run();
  console.log(`${label.padEnd(44)} ${(Number(process.hrtime.bigint() - began) / 1e6).toFixed(1).padStart(8)} ms`);
  return result;
};

console.log(`transcript: ${(statSync(file).size / 1024 / 1024).toFixed(1)} MB, ${turns} responses, ${n} lines`);
const first = await time('transcriptUsage, first read', () => transcriptUsage(file));
await time('transcriptUsage, unchanged (cached)', () => transcriptUsage(file));
appendFileSync(file, turn(turns++));
const grown = await time('transcriptUsage, after one more response', () => transcriptUsage(file));
const logs = await time('readTranscript, last 200 entries', () => readTranscript(file, { limit: 200 }));
console.log(`messages ${first.messages} -> ${grown.messages}; output tokens ${grown.outputTokens}; cost $${grown.costUsd.toFixed(2)}; ${logs.total} entries`);
rmSync(dir, { recursive: true, force: true });
