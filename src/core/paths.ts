import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where all of Maestro's state lives: `$MAESTRO_HOME`, default `~/.maestro`. */
export function maestroHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.MAESTRO_HOME && env.MAESTRO_HOME.trim() ? env.MAESTRO_HOME : join(homedir(), '.maestro'));
}

export const homePaths = (home: string) => ({
  home,
  db: join(home, 'data', 'maestro.db'),
  skills: join(home, 'skills'),
  sessions: join(home, 'sessions'),
  session: (id: string) => join(home, 'sessions', id),
  manifest: (id: string) => join(home, 'sessions', id, 'manifest.json'),
  mcpConfig: (id: string) => join(home, 'sessions', id, 'mcp.json'),
  recording: (id: string) => join(home, 'sessions', id, 'terminal.cast'),
  /** Overrides of the token price table (see prices.ts). */
  prices: join(home, 'prices.json'),
  tmuxSocket: join(home, 'tmux.sock'),
});

export type HomePaths = ReturnType<typeof homePaths>;
