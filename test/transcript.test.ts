/**
 * Claude Code's transcript JSONL: the conversation read from it, and its tokens and their cost. The
 * fixture is modelled on real transcripts: a response streamed as three lines with one message id and
 * cumulative usage, 5-minute and 1-hour cache writes, a Task subagent's sidechain lines, a summary line,
 * progress/system/file-history-snapshot lines, Claude Code's own isMeta note, a synthetic message, a line
 * repeated by a resume, and a last line cut off mid-write.
 */
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_PRICES, PriceBook, costOf, normalizeModelId, parsePriceTable, priceFor } from '../src/core/prices.js';
import { readTranscript, transcriptUsage } from '../src/core/transcript.js';
import { transcriptLine } from '../src/cli/output.js';
import { ROOT } from './helpers.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'transcripts', 'claude-code.jsonl');
const SONNET = 'claude-sonnet-4-5-20250929';
const HAIKU = 'claude-haiku-4-5-20251001';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'maestro-transcript-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Dollars of one message at per-million rates [input, output, 5m write, 1h write, read]. */
const at = (rates: number[], tokens: number[]) => tokens.reduce((sum, n, i) => sum + n * rates[i]!, 0) / 1e6;
const SONNET_RATES = [3, 15, 3.75, 6, 0.3];
const HAIKU_RATES = [1, 5, 1.25, 2, 0.1];
// The fixture's counted messages: [input, output, 5m writes, 1h writes, cache reads].
const MSG_01 = [3, 85, 4000, 1000, 0]; // streamed in three lines: the last one's usage (output 85, not 2 or 10)
const MSG_02 = [5, 120, 300, 0, 5000];
const MSG_03 = [2, 60, 150, 0, 5300];
const MSG_04 = [6, 25, 0, 0, 5450]; // written twice (resume): counted once
const SIDE = [40, 30, 0, 0, 0]; // the subagent's, on Haiku: not shown, but spent
const SONNET_COST = [MSG_01, MSG_02, MSG_03, MSG_04].reduce((sum, m) => sum + at(SONNET_RATES, m), 0);
const HAIKU_COST = at(HAIKU_RATES, SIDE);

describe('readTranscript: the conversation', () => {
  it('reads prompts, replies, thinking, tool uses and results; skips sidechain, meta, other line types and the cut-off last line', async () => {
    const { entries, total } = await readTranscript(FIXTURE);
    expect(total).toBe(11);
    expect(entries.map((e) => [e.role, e.kind, e.tool ?? null])).toEqual([
      ['user', 'prompt', null],
      ['assistant', 'thinking', null],
      ['assistant', 'text', null],
      ['assistant', 'tool_use', 'Bash'],
      ['tool', 'tool_result', 'Bash'],
      ['assistant', 'tool_use', 'Edit'],
      ['tool', 'tool_result', 'Edit'],
      ['assistant', 'text', null],
      ['user', 'prompt', null],
      ['assistant', 'text', null],
      ['assistant', 'text', null],
    ]);
    expect(entries[0]).toEqual({ at: '2026-11-20T10:00:00.000Z', role: 'user', kind: 'prompt', text: 'The date test fails on leap years; fix it.' });
    expect(entries[2]).toEqual({ at: '2026-11-20T10:00:02.500Z', role: 'assistant', kind: 'text', text: "I'll run the tests first.", model: SONNET });
    expect(entries[3]).toMatchObject({ kind: 'tool_use', tool: 'Bash', text: 'npm test', model: SONNET });
    // the long failing output: marked as an error and shortened to 400 characters
    expect(entries[4]).toMatchObject({ role: 'tool', tool: 'Bash', isError: true });
    expect(entries[4]!.text.startsWith('Exit code 1\n> repo@1.0.0 test')).toBe(true);
    expect(entries[4]!.text).toHaveLength(400);
    expect(entries[4]!.text.endsWith('…')).toBe(true);
    expect(entries[5]).toMatchObject({ tool: 'Edit', text: '/repo/src/date.ts' });
    expect(entries[6]).toMatchObject({ text: 'The file /repo/src/date.ts has been updated.', tool: 'Edit' });
    expect(entries[6]!.isError).toBeUndefined();
    expect(entries[7]!.text).toBe('Fixed: a year divisible by 100 is a leap year only when it is also divisible by 400.\nThe suite passes now.');
    expect(entries[8]).toMatchObject({ kind: 'prompt', text: 'thanks, now commit' });
    expect(entries[9]).toEqual({ at: '2026-11-20T10:01:00.500Z', role: 'assistant', kind: 'text', text: 'No response requested.' }); // synthetic: no model
    expect(entries[10]!.text).toBe('Committed as abc1234.');
    const all = JSON.stringify(entries);
    for (const absent of ['Only test/date.test.ts uses it', 'Check whether any other test', 'Caveat:', 'Running PostToolUse hooks', 'Anything el', 'leap-year date test'])
      expect(all).not.toContain(absent);
  });

  it('keeps the last `limit` entries by default, the first with `head`, and shortens thinking', async () => {
    const last = await readTranscript(FIXTURE, { limit: 3 });
    expect(last.total).toBe(11);
    expect(last.entries.map((e) => e.text)).toEqual(['thanks, now commit', 'No response requested.', 'Committed as abc1234.']);
    const first = await readTranscript(FIXTURE, { limit: 2, head: true, maxDetail: 40 });
    expect(first.entries.map((e) => e.kind)).toEqual(['prompt', 'thinking']);
    expect(first.entries[1]!.text).toBe('The failing test is in test/date.test.t…');
    // a limit larger than the conversation returns all of it
    expect((await readTranscript(FIXTURE, { limit: 5000 })).entries).toHaveLength(11);
  });

  it('renders as the CLI shows it', async () => {
    const { entries } = await readTranscript(FIXTURE);
    const text = entries.map(transcriptLine).map((l) => l.slice(9)); // without the local time
    expect(text[0]).toBe('› you: The date test fails on leap years; fix it.');
    expect(text[2]).toBe("● claude: I'll run the tests first.");
    expect(text[3]).toBe('⚙ Bash: npm test');
    expect(text[4]!.startsWith('  ⎿ error: Exit code 1\n')).toBe(true);
    expect(text[7]).toBe('● claude: Fixed: a year divisible by 100 is a leap year only when it is also divisible by 400.\n                   The suite passes now.');
  });

  it("reads a transcript the real Claude Code (2.1.197) wrote, offline: the prompt, and its synthetic 'Not logged in' reply", async () => {
    // Written by /usr/bin/claude under the supervisor without an account: attachment, file-history-snapshot, system,
    // last-prompt, mode and permission-mode lines around one prompt and one synthetic message (no API call, no tokens).
    const file = join(ROOT, 'test', 'fixtures', 'transcripts', 'claude-code-2.1-offline.jsonl');
    const { entries, total } = await readTranscript(file, { maxText: 60 });
    expect(total).toBe(2);
    expect(entries).toEqual([
      { at: '2026-11-29T19:28:19.943Z', role: 'user', kind: 'prompt', text: 'You are Maestro session ses_sne4kyj68h ("real-claude"): a w…' },
      { at: '2026-11-29T19:28:20.485Z', role: 'assistant', kind: 'text', text: 'Not logged in · Please run /login' },
    ]);
    expect(await transcriptUsage(file)).toMatchObject({ messages: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, byModel: {}, warnings: [] });
  });

  it('a missing file is ENOENT; an empty or garbage file has no conversation', async () => {
    const dir = tempDir();
    await expect(readTranscript(join(dir, 'none.jsonl'))).rejects.toMatchObject({ code: 'ENOENT' });
    writeFileSync(join(dir, 'junk.jsonl'), 'not json\n{"type":"user"}\n[1,2]\n\n{"type":"assistant","message":null}\n');
    expect(await readTranscript(join(dir, 'junk.jsonl'))).toEqual({ entries: [], total: 0 });
  });
});

describe('transcriptUsage: tokens and cost', () => {
  it('counts each message once (its last line), sidechains included, synthetic and cut-off lines not', async () => {
    const usage = await transcriptUsage(FIXTURE);
    expect(usage).toMatchObject({
      inputTokens: 3 + 5 + 2 + 6 + 40,
      outputTokens: 85 + 120 + 60 + 25 + 30,
      cacheCreationTokens: 5000 + 300 + 150,
      cacheReadTokens: 5000 + 5300 + 5450,
      messages: 5,
      warnings: [],
    });
    expect(usage.byModel[SONNET]).toMatchObject({ inputTokens: 16, outputTokens: 290, cacheCreationTokens: 5450, cacheReadTokens: 15750, messages: 4, price: 'claude-sonnet-4-5' });
    expect(usage.byModel[HAIKU]).toMatchObject({ inputTokens: 40, outputTokens: 30, cacheCreationTokens: 0, cacheReadTokens: 0, messages: 1, price: 'claude-haiku-4-5' });
    expect(Object.keys(usage.byModel).sort()).toEqual([HAIKU, SONNET]);
    expect(usage.byModel[SONNET]!.costUsd).toBeCloseTo(SONNET_COST, 9);
    expect(usage.byModel[HAIKU]!.costUsd).toBeCloseTo(HAIKU_COST, 9);
    expect(usage.costUsd).toBeCloseTo(0.0320005, 9); // 0.0318105 + 0.00019
    expect(SONNET_COST + HAIKU_COST).toBeCloseTo(0.0320005, 12);
  });

  it('is cached by size and mtime, and reads a growing file on from where it stopped', async () => {
    const dir = tempDir();
    const file = join(dir, 'grows.jsonl');
    copyFileSync(FIXTURE, file);
    const first = await transcriptUsage(file);
    expect(await transcriptUsage(file)).toBe(first); // unchanged: the very same result, nothing read again
    // the cut-off line is completed, then a later line of the same message brings its final usage
    const sonnetLine = (id: string, usage: Record<string, number>) =>
      JSON.stringify({ type: 'assistant', uuid: `${id}-${usage.output_tokens}`, message: { id, model: SONNET, content: [{ type: 'text', text: 'x' }], usage } });
    appendFileSync(file, `se?"}]}}\n${sonnetLine('msg_01EEE', { input_tokens: 1, output_tokens: 50, cache_read_input_tokens: 100 })}\n`);
    const grown = await transcriptUsage(file);
    expect(grown).not.toBe(first);
    expect(grown.messages).toBe(6);
    expect(grown.outputTokens).toBe(first.outputTokens + 50);
    appendFileSync(file, `${sonnetLine('msg_01EEE', { input_tokens: 1, output_tokens: 70, cache_read_input_tokens: 100 })}\n`);
    const final = await transcriptUsage(file);
    expect(final.messages).toBe(6);
    expect([final.inputTokens, final.outputTokens, final.cacheReadTokens]).toEqual([first.inputTokens + 1, first.outputTokens + 70, first.cacheReadTokens + 100]);
    // rewritten from scratch (shorter): read again from the start
    writeFileSync(file, `${sonnetLine('msg_X', { input_tokens: 7, output_tokens: 8 })}\n`);
    expect(await transcriptUsage(file)).toMatchObject({ messages: 1, inputTokens: 7, outputTokens: 8, cacheReadTokens: 0 });
  });

  it("counts the subagent transcripts kept beside it (<session id>/subagents/agent-*.jsonl), each message once", async () => {
    const dir = tempDir();
    const file = join(dir, 'abc.jsonl');
    copyFileSync(FIXTURE, file);
    mkdirSync(join(dir, 'abc', 'subagents'), { recursive: true });
    const sub = (id: string, input: number, output: number) =>
      JSON.stringify({ type: 'assistant', isSidechain: true, agentId: 'a1', message: { id, model: HAIKU, content: [], usage: { input_tokens: input, output_tokens: output } } });
    // msg_01SIDE also sits in the main file (older versions wrote both): still one message
    writeFileSync(join(dir, 'abc', 'subagents', 'agent-a1.jsonl'), `${sub('msg_SUB1', 10, 11)}\n${sub('msg_01SIDE', 40, 30)}\n`);
    writeFileSync(join(dir, 'abc', 'subagents', 'notes.jsonl'), `${sub('msg_NOT_AN_AGENT', 1, 999)}\n`);
    const usage = await transcriptUsage(file);
    expect(usage.messages).toBe(6);
    expect(usage.byModel[HAIKU]).toMatchObject({ messages: 2, inputTokens: 50, outputTokens: 41 });
    expect((await transcriptUsage(file, { subagents: false })).messages).toBe(5);
  });

  it('prices a long prompt at its tier, and a model without a price at $0 with a warning', async () => {
    const dir = tempDir();
    const file = join(dir, 'tiers.jsonl');
    const line = (id: string, model: string, usage: Record<string, number>) => JSON.stringify({ type: 'assistant', message: { id, model, content: [], usage } });
    writeFileSync(
      file,
      [
        line('m1', 'claude-haiku-5-5', { input_tokens: 1000, cache_read_input_tokens: 99_000, output_tokens: 100 }), // 100k: base rates
        line('m2', 'claude-haiku-5-5', { input_tokens: 1000, cache_read_input_tokens: 99_001, output_tokens: 100 }), // over: long rates
        line('m3', 'llama-3-70b', { input_tokens: 500, output_tokens: 5 }),
      ].join('\n') + '\n',
    );
    const usage = await transcriptUsage(file);
    expect(usage.byModel['claude-haiku-5-5']!.costUsd).toBeCloseTo(at([0.1, 0.5, 0, 0, 0.01], [1000, 100, 0, 0, 99_000]) + at([0.5, 2.5, 0, 0, 0.05], [1000, 100, 0, 0, 99_001]), 9);
    expect(usage.byModel['llama-3-70b']).toMatchObject({ price: null, costUsd: 0, inputTokens: 500 });
    expect(usage.warnings).toEqual([expect.stringContaining("no price for model 'llama-3-70b'")]);
  });
});

describe('prices', () => {
  it('match model ids by family and version', () => {
    const key = (model: string) => priceFor(model, DEFAULT_PRICES)?.key ?? null;
    expect(key('claude-sonnet-4-5-20250929')).toBe('claude-sonnet-4-5');
    expect(key('claude-opus-4-1-20250805')).toBe('claude-opus-4-1');
    expect(key('claude-opus-4-20250514')).toBe('claude-opus-4');
    expect(key('claude-opus-4-5@20251101')).toBe('claude-opus-4-5');
    expect(key('us.anthropic.claude-haiku-4-5-20251001-v1:0')).toBe('claude-haiku-4-5');
    expect(key('claude-3-5-sonnet-20241022')).toBe('claude-3-5-sonnet');
    expect(key('claude-3-7-sonnet-latest')).toBe('claude-3-7-sonnet');
    expect(key('claude-opus-5-5[1m]')).toBe('claude-opus-5-5');
    // versions the table does not know take their family's nearest earlier one (or its newest)
    expect(key('claude-sonnet-4-6')).toBe('claude-sonnet-4-5');
    expect(key('claude-opus-4-9-20270101')).toBe('claude-opus-4-8');
    expect(key('claude-opus-7')).toBe('claude-opus-5-5');
    expect(key('claude-haiku-4')).toBe('claude-3-5-haiku');
    expect(key('gpt-5')).toBeNull();
    expect(key('<synthetic>')).toBeNull();
    expect(normalizeModelId('arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-opus-4-1-20250805-v1:0')).toBe('claude-opus-4-1-20250805');
    // Opus 4.5 costs a third of Opus 4.1
    const million = { input: 1e6, output: 1e6, cacheWrite5m: 1e6, cacheWrite1h: 1e6, cacheRead: 1e6 };
    expect(costOf(million, DEFAULT_PRICES['claude-opus-4-5']!)).toBeCloseTo(5 + 25 + 6.25 + 10 + 0.5, 9);
    expect(costOf(million, DEFAULT_PRICES['claude-opus-4-1']!)).toBeCloseTo(15 + 75 + 18.75 + 30 + 1.5, 9);
  });

  it('$MAESTRO_HOME/prices.json overrides and extends the table, and is reread when it changes', async () => {
    const home = tempDir();
    const book = new PriceBook(join(home, 'prices.json'));
    expect(book.get()).toMatchObject({ version: 'default', warnings: [] });
    writeFileSync(
      join(home, 'prices.json'),
      JSON.stringify({ 'claude-sonnet-4-5': { input: 1, output: 2, cacheWrite: 3, cacheRead: 4 }, 'llama-3-70b': { input: 0.5, output: 0.5, cacheWrite: 0, cacheRead: 0 } }),
    );
    const own = book.get();
    expect(own.warnings).toEqual([]);
    expect(own.table['claude-sonnet-4-5']).toEqual({ input: 1, output: 2, cacheWrite: 3, cacheRead: 4 });
    expect(own.table['claude-haiku-4-5']).toEqual(DEFAULT_PRICES['claude-haiku-4-5']); // the rest stays
    const usage = await transcriptUsage(FIXTURE, { prices: own });
    const sonnet = [MSG_01, MSG_02, MSG_03, MSG_04].reduce((sum, m) => sum + at([1, 2, 3, 2 /* 1h: 2 × input */, 4], m), 0);
    expect(usage.byModel[SONNET]!.costUsd).toBeCloseTo(sonnet, 9);
    expect(usage.costUsd).toBeCloseTo(sonnet + HAIKU_COST, 6);
    // the same transcript with the built-in prices again: not the cached answer of the other table
    expect((await transcriptUsage(FIXTURE)).costUsd).toBeCloseTo(0.0320005, 9);
  });

  it('a bad prices.json is named in a warning and the built-in prices hold', () => {
    const home = tempDir();
    const file = join(home, 'prices.json');
    for (const [content, message] of [
      ['{ nope', /not valid JSON/],
      ['[1]', /must be an object/],
      ['{"claude-opus-4-5": {"input": 5, "output": 25, "cacheWrite": 6.25}}', /"claude-opus-4-5"\.cacheRead must be a number ≥ 0/],
      ['{"claude-opus-4-5": {"input": -1, "output": 25, "cacheWrite": 6.25, "cacheRead": 0.5}}', /"claude-opus-4-5"\.input must be a number ≥ 0/],
      ['{"x": {"input": 1, "output": 1, "cacheWrite": 1, "cacheRead": 1, "cache_read": 1}}', /"x" has unknown field\(s\) cache_read/],
      ['{"x": {"input": 1, "output": 1, "cacheWrite": 1, "cacheRead": 1, "longPrompt": {"input": 1, "output": 1, "cacheWrite": 1, "cacheRead": 1}}}', /"x"\.longPrompt\.above must be a number of tokens > 0/],
    ] as const) {
      writeFileSync(file, content);
      const got = new PriceBook(file).get();
      expect(got.table).toBe(DEFAULT_PRICES);
      expect(got.warnings).toHaveLength(1);
      expect(got.warnings[0]).toMatch(message);
      expect(got.warnings[0]).toContain(`${file}: `);
    }
    expect(() => parsePriceTable('{"a": {"input": 1, "output": 1, "cacheWrite": 1, "cacheRead": 1, "cacheWrite1h": 2, "longPrompt": {"above": 10, "input": 2, "output": 2, "cacheWrite": 2, "cacheRead": 2}}}')).not.toThrow();
  });
});
