import { asObject, type JsonObject } from './transcript-lines.js';
import type { TranscriptEntry } from './types.js';

/*
 * One transcript line into the conversation entries it holds (prompts, assistant text, thinking, tool
 * uses and their results), shortened for showing; the line format is described in transcript.ts. Which
 * lines are not part of the conversation (sidechains, meta notes, compaction summaries, repeats) is
 * decided here too.
 */

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/** Cuts text to `max` characters, with … when cut. */
export function clip(text: string, max: number): string {
  const t = text.trim();
  return t.length > max ? `${t.slice(0, Math.max(0, max - 1)).trimEnd()}…` : t;
}
const oneLine = (text: string, max: number) => clip(text.replace(/\s+/g, ' '), max);

/** What a tool use did, in one line: the command, the file, the pattern, or its input as JSON. */
export function toolUseText(name: string, input: unknown): string {
  const i = asObject(input) ?? {};
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
    .map((item: unknown) => {
      const b = asObject(item);
      return b?.type === 'text' && typeof b.text === 'string' ? b.text : b?.type === 'image' ? '[image]' : '';
    })
    .filter(Boolean)
    .join('\n');
}

/** A message's content as blocks: a plain string is one text block. Items that are not objects are dropped. */
function blocksOf(content: unknown): JsonObject[] {
  const items: unknown[] = typeof content === 'string' ? [{ type: 'text', text: content }] : Array.isArray(content) ? content : [];
  return items.map(asObject).filter((b): b is JsonObject => b !== null);
}

/** What reading one transcript carries from line to line. */
export interface ReadState {
  /** tool_use id -> tool name, to name the results. */
  tools: Map<string, string>;
  /** Line uuids seen: a resumed conversation can repeat lines. */
  seen: Set<string>;
  maxText: number;
  maxDetail: number;
}

/** The conversation entries of one transcript line (none for lines that are not part of it). */
export function entriesOf(line: JsonObject, st: ReadState): TranscriptEntry[] {
  if (line.type !== 'user' && line.type !== 'assistant') return [];
  // A subagent's own conversation, Claude Code's notes to itself, the summary that replaces a compacted context.
  if (line.isSidechain === true || line.isMeta === true || line.isCompactSummary === true) return [];
  if (typeof line.uuid === 'string') {
    if (st.seen.has(line.uuid)) return [];
    st.seen.add(line.uuid);
  }
  const message = asObject(line.message);
  if (!message) return [];
  const at = typeof line.timestamp === 'string' ? line.timestamp : null;
  const blocks = blocksOf(message.content);
  const out: TranscriptEntry[] = [];

  if (line.type === 'user') {
    for (const b of blocks) {
      const text = str(b.text);
      if (b.type === 'text' && text) out.push({ at, role: 'user', kind: 'prompt', text: clip(text, st.maxText) });
      else if (b.type === 'image') out.push({ at, role: 'user', kind: 'prompt', text: '[image]' });
      else if (b.type === 'tool_result') {
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
  for (const b of blocks) {
    const text = str(b.text);
    const thinking = str(b.thinking);
    if (b.type === 'text' && text) out.push({ at, role: 'assistant', kind: 'text', text: clip(text, st.maxText), ...withModel });
    else if (b.type === 'thinking' && thinking) out.push({ at, role: 'assistant', kind: 'thinking', text: clip(thinking, st.maxDetail), ...withModel });
    else if ((b.type === 'tool_use' || b.type === 'server_tool_use') && typeof b.name === 'string') {
      if (typeof b.id === 'string') st.tools.set(b.id, b.name);
      out.push({ at, role: 'assistant', kind: 'tool_use', text: toolUseText(b.name, b.input), tool: b.name, ...withModel });
    }
  }
  return out;
}
