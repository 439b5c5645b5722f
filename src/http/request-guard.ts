import type { IncomingMessage } from 'node:http';
import { MaestroError } from '../core/errors.js';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1', '[::1]'];

/** An address only this machine can reach (any 127.x.x.x included). */
export const isLoopbackHost = (host: string): boolean => LOOPBACK_NAMES.includes(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
export const WILDCARD_HOSTS = ['0.0.0.0', '::', ''];
/** What a browser's Sec-Fetch-Site says when the request comes from our own page, or from the user typing the URL. */
const OWN_FETCH_SITES = ['same-origin', 'none'];

/**
 * Keeps browsers on other origins out; credentials (auth.ts) keep everyone else out.
 * - Host must be a loopback name (or one in MAESTRO_ALLOWED_HOSTS): a page on a rebinding DNS name cannot
 *   reach a loopback server through the victim's browser. A server bound to a wildcard address was
 *   exposed on purpose and accepts any Host.
 * - A browser's Origin must be exactly this server's (`http://<Host>`). `null` (sandboxed frames, files)
 *   and other local ports are refused: ports do not separate sites, so SameSite cookies alone would let
 *   any page on localhost:9999 ride the dashboard's cookie.
 * - On the API (`protected`), a Sec-Fetch-Site other than same-origin refuses the no-cors requests
 *   (`<img>`, `<script>`, `<form>`) for which browsers send no Origin.
 */
export function createRequestGuard(boundHost: string, extra = process.env.MAESTRO_ALLOWED_HOSTS ?? '') {
  const open = WILDCARD_HOSTS.includes(boundHost);
  const allowed = new Set([...LOOPBACK_NAMES, boundHost, ...extra.split(',').map((h) => h.trim()).filter(Boolean)].map((h) => h.toLowerCase()));
  // Parsing a Host as a URL costs more than the rest of the check: the few Hosts a server sees are
  // remembered (a bounded number, as Hosts are chosen by clients).
  const hostnames = new Map<string, string | null>();
  const hostnameOf = (value: string): string | null => {
    let hostname = hostnames.get(value);
    if (hostname !== undefined) return hostname;
    try {
      hostname = new URL(`http://${value}`).hostname.toLowerCase();
    } catch {
      hostname = null;
    }
    if (hostnames.size >= 64) hostnames.clear();
    hostnames.set(value, hostname);
    return hostname;
  };
  return (req: IncomingMessage, isProtected: boolean): MaestroError | null => {
    const host = req.headers.host;
    if (!open) {
      const hostname = host ? hostnameOf(host) : null;
      if (!hostname || !allowed.has(hostname))
        return new MaestroError('forbidden', `Host '${host ?? ''}' is not allowed; set MAESTRO_ALLOWED_HOSTS to permit it`, 'host');
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      const own = host !== undefined && [`http://${host}`, `https://${host}`].map((o) => o.toLowerCase()).includes(origin.toLowerCase());
      if (!own) return new MaestroError('forbidden', `Origin '${origin}' is not allowed: only this server's own pages may call it`, 'origin');
    }
    const site = req.headers['sec-fetch-site'];
    if (isProtected && typeof site === 'string' && !OWN_FETCH_SITES.includes(site.toLowerCase()))
      return new MaestroError('forbidden', `cross-site request refused (Sec-Fetch-Site: ${site})`, 'sec-fetch-site');
    return null;
  };
}

export type RequestGuard = ReturnType<typeof createRequestGuard>;

/** Paths that need a credential: everything but /health and the dashboard's static files. */
export const isProtectedPath = (path: string): boolean =>
  path === '/mcp' || path.startsWith('/mcp/') || path === '/ws' || path.startsWith('/ws/') || path === '/api' || path.startsWith('/api/');
