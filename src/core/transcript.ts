import { parseLine, scanLines } from './transcript-lines.js';
import { entriesOf, type ReadState } from './transcript-parse.js';
import type { TranscriptEntry } from './types.js';

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
 * report usage from it. This module reads the conversation of a file (`readTranscript`); the work is split:
 *   transcript-lines.ts  reading a JSONL file in chunks, from any offset, and parsing one line
 *   transcript-parse.ts  one line into its conversation entries (`entriesOf`, `clip`, `toolUseText`)
 *   transcript-usage.ts  tokens and cost (`transcriptUsage`, `addCounts`, `emptyCounts`), cached per file
 * and every name they export to the rest of src/ is importable from here too.
 */

export { clip, toolUseText } from './transcript-parse.js';
export { addCounts, emptyCounts, transcriptUsage, type UsageOptions } from './transcript-usage.js';

/** Most entries `readTranscript` returns. */
export const MAX_LOG_ENTRIES = 5000;

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
