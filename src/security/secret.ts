import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFile } from './permissions.js';

/*
 * The owner secret: one random line in `$MAESTRO_HOME/secret` (0600). Whoever can read that file is the
 * owner (the same user on the same machine); the CLI reads it with no set-up step, the dashboard gets it
 * from the login link.
 */

export const secretPath = (home: string): string => join(home, 'secret');

const SHAPE = /^[A-Za-z0-9_-]{32,256}$/;

/** The current secret, or null when there is none (no server ever started on this home) or it is unreadable. */
export function readSecret(home: string): string | null {
  try {
    const text = readFileSync(secretPath(home), 'utf8').trim();
    return SHAPE.test(text) ? text : null;
  } catch {
    return null;
  }
}

/** The secret, created on first use; an existing file is tightened to 0600 in case it was loosened. */
export function ensureSecret(home: string): string {
  const existing = readSecret(home);
  if (existing) {
    chmodSync(secretPath(home), 0o600);
    return existing;
  }
  return rotateSecret(home);
}

/** Writes a new secret atomically (never a moment with a half-written or world-readable file) and returns it. */
export function rotateSecret(home: string): string {
  const secret = randomBytes(32).toString('base64url');
  writePrivateFile(secretPath(home), `${secret}\n`);
  return secret;
}
