import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import type { Actor } from '../core/access.js';
import { MaestroError } from '../core/errors.js';
import { newRequestId, publicError, requestRefusal } from '../http/door.js';
import { parseStrictJson } from '../http/json-body.js';
import { sendBounded } from '../http/ws-router.js';
import type { Logger } from '../log/logger.js';
import { parseFrame, type McpFrame } from './socket-frame.js';

/*
 * The stdio bridge's way to the server (`maestro mcp`, src/mcp/relay.ts): one WebSocket at /mcp/ws that
 * carries the MCP messages Claude Code writes on the bridge's stdin, each framed with a number its answer
 * carries back (socket-frame.ts), instead of one HTTP POST each: Node's HTTP client and server cost more
 * than the tool call they carried. Measured per task_get: the bridge's CPU 240 -> 85 us, the server's
 * 163 -> 115 us, and the call, seen by an MCP client on stdio, 1.5x -> 0.75-1.1x a REST GET.
 *
 * Each frame is answered exactly as the same message POSTed to /mcp would be: by the same endpoint, with the
 * same status and body; the credential of the upgrade is proved again for every frame (a token revoked, or
 * a session ended, is refused on the very next message, with the same 401); the body read by the same rules.
 */

/** Frames of one socket being answered at once; more are refused (503) until some are answered. */
export const MAX_FRAMES_IN_FLIGHT = 256;
/** Answers a socket may leave unread before it is dropped: a client that sends and never reads cannot grow our memory. */
export const MAX_UNREAD_ANSWERS_BYTES = 64 * 1024 * 1024;

/** Headers the endpoint checks, as the bridge would send them over HTTP (it always accepts both forms). */
const ACCEPT_BOTH = 'application/json, text/event-stream';

/** An answer of the MCP endpoint (http.ts): an HTTP status and, unless 202, a JSON body. */
export interface McpAnswer {
  status: number;
  body?: unknown;
  /** Seconds, for a 503. */
  retryAfter?: number;
}

export interface McpSocketDeps {
  /** The endpoint's answer to a message as POSTed to /mcp (McpHttpEndpoint.answerSafely); undefined once `gone`. */
  answer: (body: unknown, headers: IncomingHttpHeaders, caller: Actor, gone: () => boolean, requestId: string) => Promise<McpAnswer | undefined>;
  /** Proves the upgrade's credential again (auth.ts), or throws `unauthorized`. */
  authenticate: (req: IncomingMessage) => Actor;
  logger: Logger;
}

/** Serves one bridge's socket (a WsRouter handler, registered for the `mcp` socket route). */
export function serveMcpSocket(ws: WebSocket, req: IncomingMessage, deps: McpSocketDeps): void {
  let inFlight = 0;
  const reply = (answer: string | undefined) => void (answer !== undefined && sendBounded(ws, answer, MAX_UNREAD_ANSWERS_BYTES));
  /** A refusal in the HTTP door's words (sendError, answerRequestError): its status and `{ error }`, an internal one logged and not described. */
  const refusal = (n: number, requestId: string, err: unknown): string => {
    const known = requestRefusal(err);
    const error = known?.error ?? publicError(err, deps.logger, requestId);
    return answerFrame(n, requestId, { status: known?.status ?? error.httpStatus, body: { error: error.toJSON() }, ...(error.code === 'unavailable' ? { retryAfter: 1 } : {}) });
  };

  async function answer(frame: McpFrame, requestId: string): Promise<string | undefined> {
    let actor: Actor;
    let body: unknown;
    try {
      actor = deps.authenticate(req);
      body = parseStrictJson(frame.body);
    } catch (err) {
      return refusal(frame.n, requestId, err);
    }
    const headers = { accept: ACCEPT_BOTH, ...(frame.version === undefined ? {} : { 'mcp-protocol-version': frame.version }) };
    const answered = await deps.answer(body, headers, actor, () => ws.readyState !== ws.OPEN, requestId);
    return answered && answerFrame(frame.n, requestId, answered);
  }

  // A frame too large, or not UTF-8: ws says so here and closes the socket; nothing may throw out of it.
  ws.on('error', () => ws.terminate());
  ws.on('message', (data: RawData, isBinary: boolean) => {
    const frame = isBinary ? undefined : parseFrame(rawText(data));
    if (!frame) {
      ws.close(1007, 'an MCP frame is text: a header line {"n":<number>}, then the message');
      return;
    }
    const requestId = newRequestId();
    if (inFlight >= MAX_FRAMES_IN_FLIGHT) {
      reply(refusal(frame.n, requestId, new MaestroError('unavailable', `more than ${MAX_FRAMES_IN_FLIGHT} messages of this connection are being answered; retry shortly`)));
      return;
    }
    inFlight++;
    void answer(frame, requestId)
      .then(reply, (err: unknown) => reply(refusal(frame.n, requestId, err)))
      .finally(() => inFlight--);
  });
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
}

const answerFrame = (n: number, requestId: string, answer: McpAnswer): string =>
  `${JSON.stringify({ n, status: answer.status, requestId, ...(answer.retryAfter === undefined ? {} : { retryAfter: answer.retryAfter }) })}\n${
    answer.body === undefined ? '' : JSON.stringify(answer.body)
  }`;
