import { request as httpRequest, type Agent } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { MaestroError } from '../core/error-codec.js';
import type { OperationName, OpInput, OpResult, RuntimeOpResult } from '../core/operations.js';
import { maestroHome } from '../core/paths.js';
import { readLock } from '../security/home-lock.js';
import { readSecret, secretPath } from '../security/secret.js';
import { SESSION_HEADER } from './headers.js';
import type { HttpInput, HttpResult } from './route-table.js';
import { buildPath, httpRoute, opRequest, requestFor, type HttpRouteName } from './routes.js';

/** The input argument of operation N: optional when every field of its input is. */
export type OpArgs<N extends OperationName> = {} extends OpInput<N> ? [input?: OpInput<N>] : [input: OpInput<N>];

export interface ClientOptions {
  baseUrl: string;
  /** Act as this session (MAESTRO_SESSION_ID) … */
  sessionId?: string;
  /** … or prove it with its token (MAESTRO_SESSION_TOKEN). */
  token?: string;
  /** The owner secret (`$MAESTRO_HOME/secret`): full rights, and the right to act as any session. */
  secret?: string;
  /** Where the secret was looked for, to say so when the server asks for a credential. */
  secretFile?: string;
  timeoutMs?: number;
  /**
   * Keeps connections open between calls (a keep-alive agent: the stdio MCP bridge, which calls all day).
   * Default: a fresh connection per request, which a server restart cannot leave stale.
   */
  agent?: Agent;
}

export const DEFAULT_API_URL = 'http://127.0.0.1:3000';

/**
 * Reads connection settings from the `MAESTRO_*` environment, and the owner secret from the home's
 * `secret` file: the same user on the same machine needs no set-up step. Without MAESTRO_API_URL or
 * MAESTRO_PORT, the server running on this home (its lock file says where) is the one to talk to.
 */
export function clientOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ClientOptions {
  const port = env.MAESTRO_PORT?.trim();
  const home = maestroHome(env);
  return {
    baseUrl: env.MAESTRO_API_URL?.trim() || (port ? `http://127.0.0.1:${port}` : readLock(home)?.url || DEFAULT_API_URL),
    sessionId: env.MAESTRO_SESSION_ID?.trim() || undefined,
    token: env.MAESTRO_SESSION_TOKEN?.trim() || undefined,
    secret: readSecret(home) ?? undefined,
    secretFile: secretPath(home),
  };
}

/** Talks to a running Maestro server; every operation by its name, over the REST routes. */
export class MaestroClient {
  readonly baseUrl: string;

  constructor(private readonly opts: ClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
  }

  /**
   * Runs an operation over its REST route (the route table's), typed by the operation's own input and
   * result. Without a REST route, or without a path param the operation defaults (session.info's
   * sessionId: the caller's own session), it goes through the generic door (`opRequest`).
   */
  async call<N extends OperationName>(op: N, ...[input]: OpArgs<N>): Promise<OpResult<N>> {
    const req = opRequest(op, { ...input });
    return this.request<OpResult<N>>(req.method, req.path, req.body);
  }

  /**
   * Runs an operation named at run time (dotted or MCP tool name) through the generic door, the input
   * sent as is for the server to check: what the stdio MCP bridge relays. Any operation's result.
   */
  async dispatch(opOrTool: string, input: unknown = {}): Promise<RuntimeOpResult> {
    const { path } = buildPath(httpRoute('op.call'), { name: opOrTool });
    return this.request<RuntimeOpResult>('POST', path, input);
  }

  /** Calls an HTTP-only route of the table (terminals, auth) by name, typed by its schemas. */
  async route<K extends HttpRouteName>(name: K, input: HttpInput<K>): Promise<HttpResult<K>> {
    const route = httpRoute(name);
    const req = requestFor(route, input as Record<string, unknown>);
    const text = await this.requestText(req.method, req.path, req.body);
    if (route.result !== 'json') return (route.result === 'none' ? undefined : text) as HttpResult<K>;
    return (text ? JSON.parse(text) : null) as HttpResult<K>;
  }

  health(): Promise<HttpResult<'health'>> {
    return this.route('health', {});
  }

  /** What the agent's terminal shows now (`ansi`: with its escape codes). */
  screen(sessionId: string, opts: { ansi?: boolean } = {}): Promise<HttpResult<'session.screen'>> {
    return this.route('session.screen', { sessionId, ...opts });
  }

  /** Types `data` into the agent's terminal, raw ("\r" is Enter). */
  input(sessionId: string, data: string): Promise<HttpResult<'session.input'>> {
    return this.route('session.input', { sessionId, data });
  }

  /** The agent's conversation from its transcript: the last `limit` entries (the first, with `head`). */
  logs(sessionId: string, opts: { limit?: number; head?: boolean } = {}): Promise<HttpResult<'session.logs'>> {
    return this.route('session.logs', { sessionId, ...opts });
  }

  /** The session's terminal recording (asciicast v2), as text. */
  recording(sessionId: string): Promise<string> {
    return this.route('session.recording', { sessionId });
  }

  /** Delivers hook events of a session (what `maestro hook` posts). */
  hooks(sessionId: string, events: HttpInput<'session.hooks'>['events']): Promise<HttpResult<'session.hooks'>> {
    return this.route('session.hooks', { sessionId, events });
  }

  /** A new owner secret (the owner only). */
  rotateSecret(): Promise<HttpResult<'auth.rotate'>> {
    return this.route('auth.rotate', {});
  }

  /** A raw request by method and path (prefer `call` and `route`, whose paths come from the table); the JSON answer. */
  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const text = await this.requestText(method, path, body);
    if (!text) return null as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      return text as T;
    }
  }

  /** Calls a streaming route of the table (task export, task tree): its body goes to `sink` as it arrives. */
  async routeStream<K extends HttpRouteName>(name: K, input: HttpInput<K>, sink: StreamSink): Promise<void> {
    const req = requestFor(httpRoute(name), input as Record<string, unknown>);
    await this.requestText(req.method, req.path, req.body, sink);
  }

  /** A raw request, its answer as text; errors are decoded (MaestroError.fromJSON) as for every other call. */
  async requestText(method: string, path: string, body?: unknown, sink?: StreamSink): Promise<string> {
    const headers: Record<string, string> = { accept: 'application/json', ...this.credentialHeaders() };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.exchange(method, path, headers, body === undefined ? undefined : JSON.stringify(body), sink);
    if (res.status < 400) return res.text;
    throw this.refusalOf(res);
  }

  /**
   * The MaestroError a refusal (an answer of status 400 or more) carries, with a hint where the server's
   * words are not enough: a missing owner secret, or the request id an internal error is logged under.
   */
  refusalOf(res: RawAnswer): MaestroError {
    let answer: unknown;
    try {
      answer = JSON.parse(res.text);
    } catch {
      /* not JSON: the fallback message says what came */
    }
    const error = MaestroError.fromJSON(answer, `HTTP ${res.status}: ${res.text.slice(0, 200)}`);
    let hint = '';
    if (res.status === 401 && !this.credentialHeaders().authorization && this.opts.secretFile)
      hint = ` (no owner secret at ${this.opts.secretFile}: run this as the server's user, with the server's MAESTRO_HOME)`;
    // The server says no more than "internal error"; its log has the rest under the request's id.
    if (error.code === 'internal' && res.requestId) hint = ` (request ${res.requestId}; see the server log)`;
    return hint ? new MaestroError(error.code, error.message + hint, error.field, { cause: error.cause, current: error.current }) : error;
  }

  /**
   * POSTs a body that is JSON text already, with this client's credential, connection and retry rule, and
   * returns the answer as it came, whatever its status: what the stdio MCP relay forwards to /mcp, whose
   * error answers are JSON-RPC that the relay passes on rather than decodes. Throws (`unavailable`) only
   * when the server cannot be reached.
   */
  postText(path: string, json: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
    return this.exchange('POST', path, { ...headers, ...this.credentialHeaders(), 'content-type': 'application/json' }, json);
  }

  /** The headers that prove who is calling: a session token speaks for its session alone; the owner secret may speak as any session. */
  credentialHeaders(): Record<string, string> {
    const headers: Record<string, string> = {};
    const credential = this.opts.token ?? this.opts.secret;
    if (credential) headers.authorization = `Bearer ${credential}`;
    if (this.opts.sessionId && !this.opts.token) headers[SESSION_HEADER] = this.opts.sessionId;
    return headers;
  }

  /** One request, sent again once on a new connection when a kept-alive one turns out dead; `unavailable` when none can be made. */
  private async exchange(method: string, path: string, headers: Record<string, string>, text: string | undefined, sink?: StreamSink): Promise<RawAnswer> {
    const sendOnce = () => send(this.baseUrl + path, method, headers, text, this.opts.timeoutMs ?? 60_000, sink, this.opts.agent);
    try {
      return await sendOnce().catch((err: unknown) => {
        // A kept-alive socket the server closed (a restart, its idle timeout) fails before the request is
        // read: sending it again, on a new connection, cannot run it twice.
        if ((err as { reusedSocket?: boolean }).reusedSocket && ['ECONNRESET', 'EPIPE'].includes((err as { code?: string }).code ?? '')) return sendOnce();
        throw err;
      });
    } catch (err) {
      throw new MaestroError(
        'unavailable',
        `cannot reach the Maestro server at ${this.baseUrl} (${causeOf(err)}); start it with \`maestro serve\` or set MAESTRO_API_URL`,
        undefined,
        { cause: err },
      );
    }
  }
}

/** An HTTP answer as it came: its status, its body as text, and the server's id for the request. */
export interface RawAnswer {
  status: number;
  text: string;
  requestId?: string;
}

/** Takes a streamed answer's chunks; a promise means "wait for me before the next one" (backpressure). */
export type StreamSink = (chunk: Buffer) => void | Promise<void>;

/**
 * One HTTP request. With a `sink`, a successful answer's body goes to it chunk by chunk as it arrives (and
 * `text` is empty), so a 100k-task export or tree never sits whole in memory; an error answer is still read
 * whole, to be decoded.
 */
export function send(url: string, method: string, headers: Record<string, string>, body: string | undefined, timeoutMs: number, sink?: StreamSink, agent?: Agent) {
  return new Promise<RawAnswer>((resolve, reject) => {
    const target = new URL(url);
    const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(
      target,
      { method, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent: agent ?? false, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        const streaming = sink !== undefined && (res.statusCode ?? 0) < 400;
        res.on('data', (c: Buffer) => {
          if (!streaming) return void chunks.push(c);
          // A sink that is behind (stdout to a slow pipe) returns a promise: the socket waits for it.
          const wait = sink(c);
          if (wait) {
            res.pause();
            void wait.then(() => res.resume(), (err: unknown) => res.destroy(err as Error));
          }
        });
        const requestId = res.headers['x-request-id'];
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), requestId: typeof requestId === 'string' ? requestId : undefined }),
        );
        res.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    request.on('error', (err) => reject(Object.assign(err, { reusedSocket: request.reusedSocket })));
    request.end(body);
  });
}

function causeOf(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code ?? e.message ?? String(err);
}
