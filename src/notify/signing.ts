import { createHmac, timingSafeEqual } from 'node:crypto';

/*
 * How every webhook request is signed, so a receiver can tell it came from this server and was not
 * changed on the way: X-Maestro-Signature is `sha256=` + hex HMAC-SHA256(secret, "<timestamp>.<raw body>"),
 * X-Maestro-Timestamp the Unix time in seconds it was signed at (a receiver may refuse old ones: replays).
 */

export const SIGNATURE_HEADER = 'X-Maestro-Signature';
export const TIMESTAMP_HEADER = 'X-Maestro-Timestamp';
export const EVENT_HEADER = 'X-Maestro-Event';
export const DELIVERY_HEADER = 'X-Maestro-Delivery';

/** `sha256=<hex>` for this body signed at `timestamp` (Unix seconds). */
export function signature(secret: string, timestamp: number | string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The signing headers of one request (a fresh timestamp at each attempt). */
export function signedHeaders(secret: string, body: string, now: Date = new Date()): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signature(secret, timestamp, body) };
}

/** What a receiver does: true when `header` is the signature of this body at this timestamp (constant time). */
export function verifySignature(secret: string, timestamp: string, body: string, header: string): boolean {
  const expected = Buffer.from(signature(secret, timestamp, body));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
