import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from './helpers.js';

/**
 * Variables of an outer Maestro session (when the suite itself runs inside one) must not leak into the
 * CLI under test, nor may the developer's own ~/.maestro (its secret, or the server its lock names).
 */
const CLEAN_ENV = {
  MAESTRO_HOME: join(tmpdir(), 'maestro-test-no-home'),
  MAESTRO_API_URL: undefined,
  MAESTRO_PORT: undefined,
  MAESTRO_PROJECT_ID: undefined,
  MAESTRO_SESSION_ID: undefined,
  MAESTRO_SESSION_TOKEN: undefined,
};

export type Cli = (args: string[], env?: Record<string, string | undefined>) => Promise<CliResult>;

/**
 * The built `maestro` binary pointed at `url()`, as the owner of `home()` (the CLI reads the secret from
 * there). Functions: the server object changes on restart.
 */
export function cliFor(url: () => string, home?: () => string): Cli {
  return (args, env = {}) => runCli(args, { ...CLEAN_ENV, MAESTRO_API_URL: url(), ...(home ? { MAESTRO_HOME: home() } : {}), ...env });
}

/** Runs a command that must succeed and returns its parsed `--json` output. */
export async function ok<T = any>(cli: Cli, args: string[], env?: Record<string, string | undefined>): Promise<T> {
  const r = await cli([...args, '--json'], env);
  if (r.code !== 0) throw new Error(`maestro ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.json<T>();
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export { CLEAN_ENV };
