import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { toMaestroError } from '../core/errors.js';
import { MaestroClient, clientOptionsFromEnv } from '../http/client.js';
import { createLogger } from '../log/logger.js';
import { McpRelay } from './relay.js';

/**
 * `maestro mcp`: MCP on stdin/stdout (what Claude Code launches from `.mcp.json`), relayed to the running
 * Maestro server's /mcp as the session in MAESTRO_SESSION_ID (proved by MAESTRO_SESSION_TOKEN when set), or
 * as a person when none is set. The server answers as it answers any MCP client of that identity: its role
 * decides the tool list, and a credential revoked meanwhile is refused on the next call (see McpRelay).
 *
 * stdout carries nothing but protocol; logs go to stderr. Resolves when the client goes away. When the
 * server cannot be reached (or rejects the identity) at start, prints one line saying so on stderr, sets
 * `process.exitCode` (3: server not reachable, 1: identity refused, as the CLI) and resolves without serving.
 */
export async function runStdioMcp(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const logger = createLogger('maestro-mcp', env.MAESTRO_LOG_LEVEL ?? 'info');
  const options = clientOptionsFromEnv(env);
  const client = new MaestroClient({ ...options, agent: keepAliveAgent(options.baseUrl) });

  // Asked first so that a wrong identity or an absent server is said once, at start, with an exit code,
  // rather than as an error on each of the agent's calls.
  let role: string;
  try {
    const me = await client.call('whoami');
    role = me.kind === 'session' ? me.session.role : 'user';
  } catch (err) {
    const error = toMaestroError(err);
    const who = options.sessionId ? ` as session ${options.sessionId}` : '';
    logger.error({ error: error.toJSON(), apiUrl: client.baseUrl }, 'maestro mcp cannot start');
    process.stderr.write(`maestro mcp: cannot start${who}: ${error.message}\n`);
    process.exitCode = error.code === 'unavailable' ? 3 : 1; // the CLI's exit codes: 3 = server not reachable
    return;
  }

  const relay = new McpRelay({ client, input: process.stdin, output: process.stdout, logger });
  logger.info({ role, sessionId: options.sessionId ?? null, apiUrl: client.baseUrl }, 'maestro mcp serving on stdio');
  await relay.run();
  logger.info('maestro mcp: client disconnected');
}

/**
 * Kept-alive connections to the server for the bridge's calls, instead of a new one per call (a TCP
 * handshake and a fresh server-side socket each time): one while calls come one at a time, one per call
 * in flight when an agent calls in parallel. An idle socket is let go before the server's own keep-alive
 * timeout (5 s) would close it under a request; one the server closed anyway (a restart) is retried on a
 * new connection by the client.
 */
function keepAliveAgent(baseUrl: string): HttpAgent {
  const options = { keepAlive: true, timeout: 4_000 };
  return baseUrl.startsWith('https:') ? new HttpsAgent(options) : new HttpAgent(options);
}
