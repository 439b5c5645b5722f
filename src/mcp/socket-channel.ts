import WebSocket from 'ws';
import { MaestroError } from '../core/errors.js';
import type { RawAnswer } from '../http/client.js';
import { socketPath } from '../http/routes.js';
import { MAX_FRAME_BYTES } from '../http/ws-router.js';
import type { Logger } from '../log/logger.js';
import { messageFrame, parseReply } from './socket-frame.js';

/*
 * The stdio bridge's side of the MCP socket (socket.ts): one WebSocket to the server, opened at the first
 * message and again after it closed, carrying every message as a frame and resolving each with its
 * answer frame. What it cannot carry goes by HTTP POST instead, answered by the same endpoint:
 * - a message too large for one frame;
 * - every message, once the server (or something between) has answered the upgrade with anything but
 *   the socket: a server without it, a proxy that only speaks HTTP;
 * - a message sent while the socket cannot be opened at all (a server down, a credential refused): the
 *   POST then meets the same refusal and the bridge answers it as it always did.
 */

type Post = (line: string) => Promise<RawAnswer>;

interface Waiting {
  resolve: (answer: RawAnswer) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** Upgrade answers that say there is no socket here (so no use asking again), unlike a refusal of who asks (401, 403) or a server in trouble (5xx). */
const NO_SOCKET_STATUSES = new Set([400, 404, 405, 426]);

export interface SocketChannelOptions {
  baseUrl: string;
  /** The credential headers of the bridge's client (MaestroClient.credentialHeaders). */
  headers: Record<string, string>;
  /** The HTTP POST to /mcp, for what the socket cannot carry. */
  post: Post;
  logger: Logger;
  /** How long a message may wait for its answer; the HTTP client's timeout. */
  timeoutMs?: number;
}

export class McpSocketChannel {
  private socket: WebSocket | undefined;
  private opening: Promise<WebSocket | undefined> | undefined;
  private socketless = false;
  private lastN = 0;
  private readonly waiting = new Map<number, Waiting>();
  private readonly url: string;

  constructor(private readonly opts: SocketChannelOptions) {
    this.url = opts.baseUrl.replace(/^http/, 'ws') + socketPath('mcp');
  }

  /** The answer to one message (a line of JSON-RPC), as the same POST to /mcp would have had it. */
  async send(line: string, version: string | undefined): Promise<RawAnswer> {
    if (this.socketless || Buffer.byteLength(line) > MAX_FRAME_BYTES - 1024) return this.opts.post(line);
    const socket = await this.open();
    if (!socket) return this.opts.post(line);
    const n = ++this.lastN;
    return new Promise<RawAnswer>((resolve, reject) => {
      const timeoutMs = this.opts.timeoutMs ?? 60_000;
      const timer = setTimeout(() => {
        this.waiting.delete(n);
        reject(new MaestroError('unavailable', `the Maestro server at ${this.opts.baseUrl} did not answer within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.waiting.set(n, { resolve, reject, timer });
      socket.send(messageFrame(n, version, line), (err) => err && this.settle(n, undefined, err));
    });
  }

  close(): void {
    this.socket?.terminate();
  }

  /** The open socket, opened now if needed; undefined when it cannot be (this message goes by POST). */
  private open(): Promise<WebSocket | undefined> {
    if (this.socket?.readyState === WebSocket.OPEN) return Promise.resolve(this.socket);
    if (this.opening) return this.opening;
    const attempt: Promise<WebSocket | undefined> = new Promise<WebSocket | undefined>((resolve) => {
      const socket = new WebSocket(this.url, { headers: this.opts.headers, perMessageDeflate: false, handshakeTimeout: 10_000 });
      let settled = false;
      const done = () => {
        settled = true;
        if (this.opening === attempt) this.opening = undefined;
      };
      const failed = (reason: string, socketless: boolean) => {
        if (settled) return;
        done();
        if (socketless && !this.socketless) this.opts.logger.info({ url: this.url, reason }, 'maestro mcp: no MCP socket at the server; relaying by HTTP POST');
        this.socketless ||= socketless;
        resolve(undefined);
      };
      socket.once('unexpected-response', (_req, res) => {
        res.resume();
        socket.terminate();
        failed(`HTTP ${res.statusCode}`, NO_SOCKET_STATUSES.has(res.statusCode ?? 0));
      });
      socket.once('open', () => {
        done();
        this.socket = socket;
        resolve(socket);
      });
      socket.on('message', (data, isBinary) => this.receive(data, isBinary));
      socket.on('error', (err: Error & { code?: string }) => {
        // Before the handshake: a server down (the POST says so as before), or a hang-up by something that does not speak WebSocket.
        failed(err.message, err.message.includes('socket hang up'));
      });
      socket.once('close', (code, reason) => {
        if (this.socket === socket) this.socket = undefined;
        failed(`closed ${code}`, false);
        this.dropWaiting(code, reason.toString());
      });
    });
    this.opening = attempt;
    return attempt;
  }

  private receive(data: WebSocket.RawData, isBinary: boolean): void {
    const reply = isBinary ? undefined : parseReply(data.toString());
    if (!reply) {
      this.opts.logger.warn('maestro mcp: the server sent a frame that is no MCP answer; reconnecting');
      this.socket?.terminate();
      return;
    }
    this.settle(reply.n, { status: reply.status, text: reply.body, ...(reply.requestId ? { requestId: reply.requestId } : {}) });
  }

  private settle(n: number, answer: RawAnswer | undefined, err?: Error): void {
    const waiting = this.waiting.get(n);
    if (!waiting) return;
    this.waiting.delete(n);
    clearTimeout(waiting.timer);
    if (answer) waiting.resolve(answer);
    else waiting.reject(new MaestroError('unavailable', `the message could not be sent to the Maestro server at ${this.opts.baseUrl} (${err?.message})`));
  }

  /** The socket closed: messages it carried may or may not have run, and are answered as failed (never sent twice). */
  private dropWaiting(code: number, reason: string): void {
    for (const [n, waiting] of this.waiting) {
      this.waiting.delete(n);
      clearTimeout(waiting.timer);
      waiting.reject(
        new MaestroError('unavailable', `the connection to the Maestro server at ${this.opts.baseUrl} closed before it answered (${code}${reason ? ` ${reason}` : ''})`),
      );
    }
  }
}
