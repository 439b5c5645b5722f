import type { Readable, Writable } from 'node:stream';
import { MaestroError, toMaestroError } from '../core/errors.js';
import type { MaestroClient, RawAnswer } from '../http/client.js';
import { httpRoute } from '../http/routes.js';
import type { Logger } from '../log/logger.js';
import { LineReader } from './line-reader.js';
import { McpSocketChannel } from './socket-channel.js';
import { errorResult, errorText } from './server.js';

/** Where the server answers MCP (src/mcp/http.ts): the `mcp` route of the table. */
const MCP_PATH = httpRoute('mcp').path;

/** What a Streamable HTTP client must accept (the server answers 406 otherwise): JSON and SSE, as the SDK's client sends. */
const ACCEPT = 'application/json, text/event-stream';

/** A line longer than this is dropped unread, as the SDK's stdio transport bounds its buffer (10 MB). */
export const MAX_LINE_BYTES = 10 * 1024 * 1024;

/** JSON-RPC's own codes: a line that is not JSON; an invalid request; a failure inside the server (here: reaching it). */
const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const INTERNAL_ERROR = -32603;

type RequestId = string | number;

/** A request of a message, by what its answer needs: its id, and whether it is a tool call (answered isError on failure). */
interface Pending {
  id: RequestId;
  method: string;
}

export interface RelayOptions {
  /** Talks to the server as the bridge's identity: its credential for the socket, and the POSTs over its kept-alive connection (its retry-once rule included). */
  client: MaestroClient;
  input: Readable;
  output: Writable;
  logger: Logger;
  maxLineBytes?: number;
  /** Carry messages over the server's MCP socket (socket-channel.ts), falling back to POSTs; false: POSTs only. */
  socket?: boolean;
}

/**
 * The stdio side of `maestro mcp`: each newline-delimited JSON-RPC message read from `input` goes as it is
 * to the server's MCP endpoint, proved by the bridge's credential (over the MCP socket, socket-channel.ts,
 * or as a POST to /mcp), and the server's answer is written back as one line on `output`. The server decides everything MCP (the tools a role sees, validation, the protocol
 * version), exactly as for a client that talks Streamable HTTP to it: the bridge holds no MCP server of its
 * own, which cost more than the call it relayed.
 *
 * Messages are relayed as they come, several at once (an agent calls tools in parallel), and answered as
 * they complete, each under its request's id. A request is always answered: when the server cannot be
 * reached, or answers something that is not JSON-RPC, the bridge answers for it (see `answerFailure`).
 */
export class McpRelay {
  private readonly client: MaestroClient;
  private readonly input: Readable;
  private readonly output: Writable;
  private readonly logger: Logger;
  private readonly lines: LineReader;

  /** The MCP-Protocol-Version learned from `initialize`, sent with every later message. */
  private version: string | undefined;
  private readonly channel: McpSocketChannel | undefined;
  private inFlight = 0;
  private inputEnded = false;
  private outputGone = false;
  private waitingForDrain = false;
  private finish: () => void = () => {};

  constructor(options: RelayOptions) {
    this.client = options.client;
    this.input = options.input;
    this.output = options.output;
    this.logger = options.logger;
    this.lines = new LineReader(options.maxLineBytes ?? MAX_LINE_BYTES);
    this.channel =
      options.socket === false
        ? undefined
        : new McpSocketChannel({
            baseUrl: this.client.baseUrl,
            headers: this.client.credentialHeaders(),
            post: (line) => this.post(line),
            logger: this.logger,
          });
  }

  /**
   * Relays until `input` ends and every request read by then is answered (a client may close its side and
   * still read: `… | maestro mcp`), or until `output` is gone (the client left). Never rejects.
   */
  run(): Promise<void> {
    return new Promise((resolve) => {
      const onData = (chunk: Buffer) => this.lines.push(chunk, (line) => this.relay(line), (bytes) => this.dropLongLine(bytes));
      const onEnd = () => {
        if (this.inputEnded) return; // 'end', then 'close'
        this.lines.end((line) => this.relay(line));
        this.inputEnded = true;
        this.settleIfDone();
      };
      const onInputError = (err: Error) => {
        this.logger.warn({ err }, 'maestro mcp: reading stdin failed');
        onEnd();
      };
      const onOutputError = (err: Error) => {
        // EPIPE: the client closed its end; nobody reads answers any more.
        this.logger.info({ err }, 'maestro mcp: stdout closed');
        this.outputGone = true;
        this.settleIfDone();
      };
      this.finish = () => {
        this.input.off('data', onData).off('end', onEnd).off('error', onInputError);
        this.input.off('close', onEnd);
        this.output.off('error', onOutputError);
        this.input.pause(); // let the process exit: stdin held open keeps the event loop alive
        this.channel?.close(); // and so would the socket
        resolve();
      };
      this.input.on('data', onData).once('end', onEnd).once('close', onEnd).on('error', onInputError);
      this.output.on('error', onOutputError);
    });
  }

  private settleIfDone(): void {
    if (this.outputGone || (this.inputEnded && this.inFlight === 0)) {
      const finish = this.finish;
      this.finish = () => {};
      finish();
    }
  }

  private relay(line: string): void {
    if (line.trim() === '') return;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch (err) {
      // What the SDK's stdio transport would not answer at all; JSON-RPC says a parse error has id null.
      this.logger.warn({ err, line: line.slice(0, 200) }, 'maestro mcp: a line on stdin is not JSON; answered with a parse error');
      this.write(errorMessage(null, PARSE_ERROR, `Parse error: a line on stdin is not JSON (${(err as Error).message})`));
      return;
    }
    this.inFlight++;
    void this.forward(line, message)
      .catch((err: unknown) => {
        // A fault of the bridge itself: still answered, and the bridge goes on with the other requests.
        this.logger.error({ err }, 'maestro mcp: relaying a message failed');
        this.answerFailure(message, requestsIn(message), new MaestroError('internal', `the bridge failed to relay this message: ${(err as Error).message}`));
      })
      .finally(() => {
        this.inFlight--;
        this.settleIfDone();
      });
  }

  private async forward(line: string, message: unknown): Promise<void> {
    const requests = requestsIn(message);
    let answer: RawAnswer;
    try {
      answer = await (this.channel ? this.channel.send(line, this.version) : this.post(line));
    } catch (err) {
      this.answerFailure(message, requests, toMaestroError(err));
      return;
    }
    if (answer.status >= 200 && answer.status < 300) this.passOn(message, requests, answer);
    else this.passOnRefusal(message, requests, answer);
  }

  /** A 2xx answer: written as it came (one line: the server writes compact JSON), a batch's as an array. */
  private passOn(message: unknown, requests: Pending[], answer: RawAnswer): void {
    let text = answer.text.trim();
    if (text === '') {
      // 202: the message held no request (notifications, responses), so there is nothing to write.
      if (requests.length > 0) this.answerFailure(message, requests, new MaestroError('internal', `the Maestro server answered HTTP ${answer.status} with no content`));
      return;
    }
    if (!(text.startsWith('{') || text.startsWith('[')) || text.includes('\n')) {
      // Not what the server writes; re-serialized to one line if it is JSON at all, else answered for.
      try {
        text = JSON.stringify(JSON.parse(text));
      } catch {
        this.answerFailure(message, requests, new MaestroError('internal', `the Maestro server answered with something that is not JSON: ${answer.text.slice(0, 200)}`));
        return;
      }
    }
    if (requests.length === 1 && requests[0]!.method === 'initialize') this.learnProtocolVersion(text);
    if (Array.isArray(message) && text.startsWith('{')) text = `[${text}]`; // JSON-RPC answers a batch with an array, even of one
    this.write(text);
  }

  /**
   * The MCP-Protocol-Version the client and server agreed on, sent on every later request as the SDK's
   * Streamable HTTP client does (the server refuses a version it does not support).
   */
  /** The message as a POST to /mcp, with the protocol version once known. */
  private post(line: string): Promise<RawAnswer> {
    return this.client.postText(MCP_PATH, line, this.version === undefined ? { accept: ACCEPT } : { accept: ACCEPT, 'mcp-protocol-version': this.version });
  }

  private learnProtocolVersion(text: string): void {
    try {
      const answer = JSON.parse(text) as { result?: { protocolVersion?: unknown } } | Array<{ result?: { protocolVersion?: unknown } }>;
      const version = (Array.isArray(answer) ? answer[0] : answer)?.result?.protocolVersion;
      if (typeof version === 'string') this.version = version;
    } catch {
      /* checked JSON above */
    }
  }

  /**
   * A refusal (4xx, 5xx). When it is JSON-RPC (the MCP transport's own rules, a busy server), it is the
   * server's error and goes to each request it refused; anything else (a refused credential, a proxy's page)
   * is said in the words of the Maestro error it carries.
   */
  private passOnRefusal(message: unknown, requests: Pending[], answer: RawAnswer): void {
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      /* not JSON: the fallback message says what came */
    }
    const rpcError = jsonRpcError(body);
    if (rpcError) {
      if (requests.length > 0) this.writeAnswers(message, requests.map((r) => ({ jsonrpc: '2.0', id: r.id, error: rpcError })));
      // No request to answer, but the message was not valid JSON-RPC: said as the server said it (id null).
      else if (rpcError.code === PARSE_ERROR || rpcError.code === INVALID_REQUEST) this.write(JSON.stringify(body));
      else this.logger.warn({ status: answer.status, error: rpcError }, 'maestro mcp: the server refused a notification');
      return;
    }
    this.answerFailure(message, requests, this.client.refusalOf(answer));
  }

  /**
   * Answers each request of a message the server did not answer. A tool call gets a failed call (isError,
   * the error in its text and structuredContent, as the server words its own tool errors), which an agent
   * reads as the tool's outcome; any other request a JSON-RPC error (-32603) with the same text. A message
   * with no request (a notification) is only logged: JSON-RPC answers no notification.
   */
  private answerFailure(message: unknown, requests: Pending[], error: MaestroError): void {
    if (requests.length === 0) {
      this.logger.warn({ error: error.toJSON() }, 'maestro mcp: a notification did not reach the server');
      return;
    }
    this.logger.warn({ error: error.toJSON(), ids: requests.map((r) => r.id) }, 'maestro mcp: answered for the server');
    this.writeAnswers(
      message,
      requests.map((r) =>
        r.method === 'tools/call' ? { jsonrpc: '2.0', id: r.id, result: errorResult(error) } : { jsonrpc: '2.0', id: r.id, error: { code: INTERNAL_ERROR, message: errorText(error) } },
      ),
    );
  }

  private writeAnswers(message: unknown, answers: object[]): void {
    this.write(JSON.stringify(Array.isArray(message) ? answers : answers[0]));
  }

  /**
   * One answer, one write: Node queues whole writes in order, so two answers' bytes never interleave, however
   * large. While the client does not keep up (a full pipe), stdin is paused: no more requests are read, so
   * answers do not pile up in memory.
   */
  private write(line: string): void {
    if (this.outputGone) return;
    const flushed = this.output.write(`${line}\n`);
    if (!flushed && !this.waitingForDrain) {
      this.waitingForDrain = true;
      this.input.pause();
      this.output.once('drain', () => {
        this.waitingForDrain = false;
        if (!this.inputEnded) this.input.resume();
      });
    }
  }

  private dropLongLine(bytes: number): void {
    this.logger.warn({ bytes }, 'maestro mcp: dropped a line on stdin longer than the limit');
    this.write(errorMessage(null, INVALID_REQUEST, `Invalid Request: a message of more than ${bytes} bytes on stdin was dropped`));
  }
}

/** The requests (with an id, hence awaiting an answer) of a message or batch, as sent. */
function requestsIn(message: unknown): Pending[] {
  const requests: Pending[] = [];
  for (const item of Array.isArray(message) ? message : [message]) {
    if (item === null || typeof item !== 'object') continue;
    const { id, method } = item as { id?: unknown; method?: unknown };
    if (typeof method === 'string' && (typeof id === 'string' || typeof id === 'number')) requests.push({ id, method });
  }
  return requests;
}

/** The `error` of a JSON-RPC error answer (what the MCP transport refuses with), else undefined. */
function jsonRpcError(body: unknown): { code: number; message: string } | undefined {
  if (body === null || typeof body !== 'object' || (body as { jsonrpc?: unknown }).jsonrpc !== '2.0') return undefined;
  const error = (body as { error?: { code?: unknown; message?: unknown } }).error;
  if (!error || typeof error.code !== 'number' || typeof error.message !== 'string') return undefined;
  return { code: error.code, message: error.message };
}

function errorMessage(id: RequestId | null, code: number, message: string): string {
  return JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } });
}
