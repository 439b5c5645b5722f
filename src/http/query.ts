/*
 * Query strings of GET requests, shared by the server's REST client (src/http/client.ts) and the
 * dashboard (web/src/api.ts). No imports: the dashboard bundles this module as is.
 */

/** Query-string form of GET inputs: arrays comma-joined, null as "null", everything else as text. */
export function toQuery(input: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    params.set(key, Array.isArray(value) ? value.join(',') : value === null ? 'null' : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}
