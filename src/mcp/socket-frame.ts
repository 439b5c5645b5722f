/*
 * The frames of the MCP socket (/mcp/ws, socket.ts), both ways text: a header line of JSON, then the
 * message exactly as it would travel over HTTP.
 *   bridge → server   {"n":7,"v":"2025-06-18"}\n<JSON-RPC message, as POSTed to /mcp>
 *   server → bridge   {"n":7,"status":200,"requestId":"…"}\n<the answer's body; nothing for a 202>
 * `n` ties an answer to its message (answers come as they are ready, not in order); `v` is the
 * MCP-Protocol-Version header the message would carry; `retryAfter` the Retry-After of a 503.
 */

export interface McpFrame {
  n: number;
  version?: string;
  body: string;
}


/** What an answer frame says: the HTTP answer the same POST would have got. */
export interface McpFrameReply {
  n: number;
  status: number;
  requestId?: string;
  retryAfter?: number;
  body: string;
}

const isFrameNumber = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

function splitFrame(text: string): { header: Record<string, unknown>; body: string } | undefined {
  const cut = text.indexOf('\n');
  if (cut <= 0) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(text.slice(0, cut));
  } catch {
    return undefined;
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return undefined;
  return { header: header as Record<string, unknown>, body: text.slice(cut + 1) };
}

/** A message frame, or undefined when `text` is not one (no header line, no number, a version that is no string). */
export function parseFrame(text: string): McpFrame | undefined {
  const split = splitFrame(text);
  if (!split) return undefined;
  const { n, v } = split.header;
  if (!isFrameNumber(n) || (v !== undefined && typeof v !== 'string')) return undefined;
  return { n, ...(v === undefined ? {} : { version: v }), body: split.body };
}

export const messageFrame = (n: number, version: string | undefined, body: string): string =>
  `${JSON.stringify(version === undefined ? { n } : { n, v: version })}\n${body}`;

/** An answer frame, or undefined when `text` is not one. */
export function parseReply(text: string): McpFrameReply | undefined {
  const split = splitFrame(text);
  if (!split) return undefined;
  const { n, status, requestId, retryAfter } = split.header;
  if (!isFrameNumber(n) || !Number.isInteger(status)) return undefined;
  return {
    n,
    status: status as number,
    ...(typeof requestId === 'string' ? { requestId } : {}),
    ...(typeof retryAfter === 'number' ? { retryAfter } : {}),
    body: split.body,
  };
}
