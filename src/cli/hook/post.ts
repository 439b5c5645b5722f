import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { httpRoute, requestFor } from '../../http/routes.js';
import { errorText } from './outcome.js';

/*
 * Delivering a hook event to the server: where to (the session's hooks URL, from the environment) and the
 * one bounded POST that carries it. Node's http (https only when the URL asks for it) and the tiny route
 * table; nothing heavy (see ../hook.ts).
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

/** One POST on a fresh connection, abandoned at `deadlineMs`: the status, or why there is none. Never rejects. */
export async function postJson(url: URL, token: string, body: string, deadlineMs: number): Promise<{ status: number } | { error: string }> {
  let request = httpRequest;
  if (url.protocol === 'https:') request = (await import('node:https')).request as typeof httpRequest; // only then
  return new Promise((resolve) => {
    let req: ClientRequest | undefined;
    let settled = false;
    const settle = (result: { status: number } | { error: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req?.destroy(); // the status is all we need; an open body would keep the process waiting
      resolve(result);
    };
    const timer = setTimeout(() => settle({ error: `no answer within ${deadlineMs} ms` }), deadlineMs);
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
        res.on('error', () => {});
        settle({ status: res.statusCode ?? 0 });
      });
      req.on('error', (err) => settle({ error: errorText(err) }));
      req.end(body);
    } catch (err) {
      settle({ error: errorText(err) });
    }
  });
}
