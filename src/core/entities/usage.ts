import { z } from 'zod';
import { SessionId, TaskId, Timestamp, ProjectId } from './common.js';

// ---- transcripts: the agent's conversation and what it cost (src/core/transcript.ts) ------------------

/** One step of an agent's conversation, read from its transcript (Claude Code's JSONL). */
export const TranscriptEntry = z.object({
  at: Timestamp.nullable().describe('When it was written, if the line says'),
  role: z.enum(['user', 'assistant', 'tool']).describe("`tool` is a tool's result coming back to the model"),
  kind: z.enum(['prompt', 'text', 'tool_use', 'tool_result', 'thinking']),
  text: z.string().describe('The text; tool uses are one line; results and thinking are shortened'),
  tool: z.string().optional().describe('The tool used, or whose result this is'),
  model: z.string().optional().describe('The model that wrote it (assistant entries)'),
  isError: z.boolean().optional().describe('A tool result that reports a failure'),
});

/** Token counts and their cost in US dollars. */
export const TokenCounts = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheCreationTokens: z.number().describe('Prompt-cache writes (5-minute and 1-hour)'),
  cacheReadTokens: z.number(),
  costUsd: z.number().describe('Cost in US dollars'),
});

/** Tokens and cost of one transcript: every assistant message counted once (the last line of its message id). */
export const TranscriptUsage = TokenCounts.extend({
  messages: z.number().int().describe('Assistant messages counted'),
  byModel: z
    .record(
      z.string(),
      TokenCounts.extend({
        messages: z.number().int(),
        price: z.string().nullable().describe('The price-table entry used (null: no price, cost 0)'),
      }),
    )
    .describe('Per model id as the transcript names it'),
  warnings: z.array(z.string()).describe('Problems with the price table, or models without a price'),
});

/** A session's usage: its transcript's, and the task it all went to when that is certain. */
export const SessionUsage = TranscriptUsage.extend({
  transcriptPath: z.string(),
  taskId: TaskId.nullable().describe('Set only when the session has exactly one task: then every token was spent on it'),
}).describe("Tokens and cost of a session's agent, from its transcript");

/** GET /api/sessions/:sessionId/logs */
export const SessionLogs = z.object({
  sessionId: SessionId,
  transcriptPath: z.string(),
  total: z.number().int().describe('Entries in the whole transcript'),
  truncated: z.boolean().describe('Fewer entries than `total` were returned'),
  entries: z.array(TranscriptEntry),
});

/** Usage totals of one project (in `status`): its sessions that have a transcript. */
export const ProjectUsage = TokenCounts.extend({
  projectId: ProjectId,
  name: z.string(),
  sessions: z.number().int().describe('Sessions whose transcript was counted'),
});
