import type { IncomingMessage } from 'node:http';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1', '[::1]'];
const WILDCARD_HOSTS = ['0.0.0.0', '::', ''];

/**
 * Protects a loopback server from DNS rebinding: a web page on some other name must not be able to
 * drive the API (which trusts loopback callers) through the victim's browser. Requests must name a
 * loopback host (or one listed in MAESTRO_ALLOWED_HOSTS), and a browser Origin must too. A server bound
 * to a wildcard address was exposed on purpose, so it accepts any Host.
 */
export function createHostGuard(boundHost: string, extra = process.env.MAESTRO_ALLOWED_HOSTS ?? '') {
  const open = WILDCARD_HOSTS.includes(boundHost);
  const allowed = new Set([...LOOPBACK_NAMES, boundHost, ...extra.split(',').map((h) => h.trim()).filter(Boolean)].map((h) => h.toLowerCase()));
  const hostnameOf = (value: string): string | null => {
    try {
      return new URL(value.includes('://') ? value : `http://${value}`).hostname.toLowerCase();
    } catch {
      return null;
    }
  };
  return (req: IncomingMessage): string | null => {
    if (open) return null;
    const host = req.headers.host;
    const hostname = host ? hostnameOf(host) : null;
    if (!hostname || !allowed.has(hostname)) return `Host '${host ?? ''}' is not allowed; set MAESTRO_ALLOWED_HOSTS to permit it`;
    const origin = req.headers.origin;
    if (origin && origin !== 'null') {
      const originHost = hostnameOf(origin);
      if (!originHost || !allowed.has(originHost)) return `Origin '${origin}' is not allowed`;
    }
    return null;
  };
}
