import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { MaestroError, type ErrorCode } from '../core/errors.js';
import { maestroHome } from '../core/paths.js';
import { readLock } from '../security/home-lock.js';
import { readSecret, secretPath } from '../security/secret.js';
import { SESSION_HEADER } from './headers.js';
import { buildPath, routeFor, toQuery } from './routes.js';

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

  async call<T = unknown>(op: string, input: Record<string, unknown> = {}): Promise<T> {
    const route = routeFor(op);
    if (!route) return this.request<T>('POST', `/api/ops/${encodeURIComponent(op)}`, input);
    let built: { path: string; rest: Record<string, unknown> };
    try {
      built = buildPath(route, input);
    } catch (err) {
      const field = /^(\w+) is required/.exec((err as Error).message)?.[1];
      throw new MaestroError('invalid_input', (err as Error).message, field);
    }
    const inQuery = route.method === 'GET' || route.method === 'DELETE';
    return inQuery
      ? this.request<T>(route.method, built.path + toQuery(built.rest))
      : this.request<T>(route.method, built.path, built.rest);
  }

  async health(): Promise<{ ok: boolean }> {
    return this.request('GET', '/health');
  }

  /** Raw request for routes outside the operation table (screens, input); the JSON answer. */
  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const text = await this.requestText(method, path, body);
    if (!text) return null as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      return text as T;
    }
  }

  /** Raw request whose answer is not JSON (a recording); errors are decoded as for every other call. */
  async requestText(method: string, path: string, body?: unknown): Promise<string> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    // A session token speaks for its session alone; the owner secret may speak as any session.
    const credential = this.opts.token ?? this.opts.secret;
    if (credential) headers.authorization = `Bearer ${credential}`;
    if (this.opts.sessionId && !this.opts.token) headers[SESSION_HEADER] = this.opts.sessionId;
    let res: { status: number; text: string };
    try {
      res = await send(this.baseUrl + path, method, headers, body === undefined ? undefined : JSON.stringify(body), this.opts.timeoutMs ?? 60_000);
    } catch (err) {
      throw new MaestroError(
        'unavailable',
        `cannot reach the Maestro server at ${this.baseUrl} (${causeOf(err)}); start it with \`maestro serve\` or set MAESTRO_API_URL`,
      );
    }
    if (res.status < 400) return res.text;
    let error: { code?: ErrorCode; message?: string; field?: string } | undefined;
    try {
      error = (JSON.parse(res.text) as { error?: typeof error }).error;
    } catch {
      /* not JSON */
    }
    let message = error?.message ?? `HTTP ${res.status}: ${res.text.slice(0, 200)}`;
    if (res.status === 401 && !credential && this.opts.secretFile)
      message += ` (no owner secret at ${this.opts.secretFile}: run this as the server's user, with the server's MAESTRO_HOME)`;
    throw new MaestroError(error?.code ?? 'internal', message, error?.field);
  }
}

/**
 * One request on a fresh connection. No keep-alive pool on purpose: long-lived callers (the stdio MCP
 * bridge inside an agent) outlive server restarts, and a pooled socket to the old server would fail.
 */
export function send(url: string, method: string, headers: Record<string, string>, body: string | undefined, timeoutMs: number) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const target = new URL(url);
    const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(
      target,
      { method, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent: false, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    request.on('error', reject);
    request.end(body);
  });
}

function causeOf(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code ?? e.message ?? String(err);
}
