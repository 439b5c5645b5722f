import { pino, type Logger } from 'pino';

/** Structured logs on stderr only: stdout may be an MCP stdio channel. */
export function createLogger(name: string, level = process.env.MAESTRO_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level }, pino.destination({ dest: 2, sync: true }));
}

export type { Logger };
