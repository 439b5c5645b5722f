import { pino, type Logger } from 'pino';

/** Whatever a log call is handed, credentials in it are blanked (headers, agent environments, tokens). */
const REDACT = [
  'authorization',
  'cookie',
  'token',
  'secret',
  'MAESTRO_SESSION_TOKEN',
  '*.authorization',
  '*.cookie',
  '*.token',
  '*.secret',
  '*.MAESTRO_SESSION_TOKEN',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.env.MAESTRO_SESSION_TOKEN',
];

/** Structured logs on stderr only: stdout may be an MCP stdio channel. */
export function createLogger(name: string, level = process.env.MAESTRO_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, redact: { paths: REDACT, censor: '[redacted]' } }, pino.destination({ dest: 2, sync: true }));
}

export type { Logger };
