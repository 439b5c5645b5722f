import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { httpRoute, requestFor } from '../../http/routes.js';
import { errorText } from './outcome.js';

/*
 * Delivering a hook event to the server: where to (the session's hooks URL, from the environment) and the
 * one bounded POST that carries it, with the server's answer (what the hook may print for Claude Code).
 * Node's http (https only when the URL asks for it) and the tiny route table; nothing heavy (see ../hook.ts).
 */

/** `${MAESTRO_API_URL}/api/sessions/<id>/hooks` (else MAESTRO_PORT on loopback), or null without either. */
export function hooksUrl(env: NodeJS.ProcessEnv, sessionId: string): URL | null {
  const port = env.MAESTRO_PORT?.trim();
  const base = env.MAESTRO_API_URL?.trim() || (port ? `http://127.0.0.1:${port}` : '');
  if (!base) return null;
  try {
    const url = new URL(base.replace(/\/+$/, '') + requestFor(httpRoute('session.hooks'), { sessionId }).path);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

/** The most of an answer's body that is read (a hook's answer is small JSON: what to print for Claude Code). */
export const MAX_ANSWER_BYTES = 1024 * 1024;

/** What the server answered: its status and, when its JSON body arrived in time, that body. */
export interface PostAnswer {
  status: number;
  body?: unknown;
}

/**
 * One POST on a fresh connection, abandoned at `deadlineMs`: the status and the answer's JSON body (when it
 * arrives by then; the status alone otherwise), or why there is none. Never rejects.
 */
export async function postJson(url: URL, token: string, body: string, deadlineMs: number): Promise<PostAnswer | { error: string }> {
  let request = httpRequest;
  if (url.protocol === 'https:') request = (await import('node:https')).request as typeof httpRequest; // only then
  return new Promise((resolve) => {
    let req: ClientRequest | undefined;
    let settled = false;
    let status: number | null = null;
    const settle = (result: PostAnswer | { error: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req?.destroy(); // an open connection would keep the process waiting
      resolve(result);
    };
    // At the deadline, a status already known still counts (its body did not make it in time).
    const timer = setTimeout(() => settle(status === null ? { error: `no answer within ${deadlineMs} ms` } : { status }), deadlineMs);
    const options: RequestOptions = {
      method: 'POST',
      agent: false,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        accept: 'application/json',
      },
    };
    try {
      req = request(url, options, (res: IncomingMessage) => {
        status = res.statusCode ?? 0;
        const got = status;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('error', () => settle({ status: got }));
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) settle({ status: got });
          else chunks.push(chunk);
        });
        res.on('end', () => {
          try {
            settle({ status: got, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
          } catch {
            settle({ status: got });
          }
        });
      });
      req.on('error', (err) => settle(status === null ? { error: errorText(err) } : { status }));
      req.end(body);
    } catch (err) {
      settle({ error: errorText(err) });
    }
  });
}
