import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/*
 * The scripted agent's transcript, written as Claude Code writes its own: one JSON line per message,
 * appended as it goes, to the `transcript_path` its hooks announce. User lines carry the prompts typed
 * (or the first one) and the tool results; assistant lines carry text, thinking and tool_use blocks with
 * `message.usage`. A response with more than one block is written the way Claude Code streams it: one
 * line per block, all with the same message id, the usage so far on each (the last line has it all).
 *
 * The usage is made up but fixed, so that tests can add it up: the first response reads the prompt
 * into the prompt cache (FIRST_USAGE), every later one reads it back (STEP_USAGE).
 */

/** The model the scripted agent claims to be (priced like Sonnet 4.5). */
export const SCRIPTED_MODEL = 'claude-sonnet-4-5-20250929';

export interface Usage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
}

/** The usage of the agent's first response. */
export const FIRST_USAGE: Usage = { input_tokens: 4, cache_creation_input_tokens: 3200, cache_read_input_tokens: 0, output_tokens: 60 };
/** The usage of every later response. */
export const STEP_USAGE: Usage = { input_tokens: 12, cache_creation_input_tokens: 150, cache_read_input_tokens: 3200, output_tokens: 40 };

type Block = Record<string, unknown>;

const hex = (n: number) => randomUUID().replace(/-/g, '').slice(0, n);

export class TranscriptWriter {
  private parent: string | null = null;
  private responses = 0;
  /** Text the agent printed since its last response, to open the next one with. */
  private pending: string[] = [];

  private constructor(
    readonly path: string,
    private readonly common: { sessionId: string; cwd: string },
    private readonly model: string,
  ) {}

  /** A writer appending to `path` (created private); null when it cannot be created. */
  static open(path: string, opts: { sessionId?: string; cwd?: string; model?: string } = {}): TranscriptWriter | null {
    try {
      mkdirSync(dirname(path), { recursive: true });
      appendFileSync(path, '', { mode: 0o600 });
    } catch {
      return null;
    }
    return new TranscriptWriter(path, { sessionId: opts.sessionId || randomUUID(), cwd: opts.cwd ?? process.cwd() }, opts.model ?? SCRIPTED_MODEL);
  }

  /** A prompt: the first one, or a line typed into the terminal. */
  prompt(text: string): void {
    this.line('user', { message: { role: 'user', content: text } });
  }

  /** Something the agent says on its way: it opens the agent's next response. */
  note(text: string): void {
    this.pending.push(text);
  }

  /** A response of text alone (the end of a turn: a question, or the last word). */
  say(text: string): void {
    this.respond([{ type: 'text', text: [...this.pending.splice(0), text].join('\n') }], 'end_turn');
  }

  /** A response that calls a tool (with what the agent said since its last response, and its thinking on the first). */
  toolUse(name: string, input: Record<string, unknown>, id: string): void {
    const blocks: Block[] = [];
    if (this.responses === 0) blocks.push({ type: 'thinking', thinking: 'The manifest lists my tasks. I will check who I am first, then work through them with the Maestro tools.', signature: `sig_${hex(16)}` });
    if (this.pending.length > 0) blocks.push({ type: 'text', text: this.pending.splice(0).join('\n') });
    blocks.push({ type: 'tool_use', id, name, input });
    this.respond(blocks, 'tool_use');
  }

  /** The result of a tool, as Claude Code hands it back to the model. */
  toolResult(id: string, result: string, isError = false): void {
    const content = isError ? result : [{ type: 'text', text: result }];
    this.line('user', {
      message: { role: 'user', content: [{ tool_use_id: id, type: 'tool_result', content, ...(isError ? { is_error: true } : {}) }] },
      toolUseResult: isError ? `Error: ${result}` : content,
    });
  }

  /** One response: a line per block, the same message id on each, the usage so far (output grows). */
  private respond(blocks: Block[], stopReason: 'end_turn' | 'tool_use'): void {
    const usage = this.responses++ === 0 ? FIRST_USAGE : STEP_USAGE;
    const id = `msg_${hex(24)}`;
    const requestId = `req_${hex(24)}`;
    blocks.forEach((block, i) => {
      const last = i === blocks.length - 1;
      this.line('assistant', {
        requestId,
        message: {
          id,
          type: 'message',
          role: 'assistant',
          model: this.model,
          content: [block],
          stop_reason: last ? stopReason : null,
          stop_sequence: null,
          usage: { ...usage, output_tokens: last ? usage.output_tokens : 1, service_tier: 'standard' },
        },
      });
    });
  }

  private line(type: 'user' | 'assistant', fields: Record<string, unknown>): void {
    const uuid = randomUUID();
    const record = {
      parentUuid: this.parent,
      isSidechain: false,
      userType: 'external',
      cwd: this.common.cwd,
      sessionId: this.common.sessionId,
      version: 'maestro-agent-script',
      gitBranch: '',
      type,
      ...fields,
      uuid,
      timestamp: new Date().toISOString(),
    };
    this.parent = uuid;
    try {
      appendFileSync(this.path, `${JSON.stringify(record)}\n`);
    } catch {
      /* a transcript that cannot be written must not stop the work */
    }
  }
}
