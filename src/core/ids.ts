import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** Short, prefixed, URL- and tmux-safe ids such as `tsk_3f9k2m7q1x`. */
export function newId(prefix: 'prj' | 'tsk' | 'ses' | 'tpl' | 'mq' | 'msg' | 'lse' | 'whk' | 'whd'): string {
  const bytes = randomBytes(10);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return `${prefix}_${out}`;
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export const nowIso = (): string => new Date().toISOString();
