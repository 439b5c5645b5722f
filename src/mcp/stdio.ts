import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { toMaestroError } from '../core/errors.js';
import { MaestroClient, clientOptionsFromEnv } from '../http/client.js';
import { createLogger } from '../log/logger.js';
import { buildMcpServer, type McpRole } from './server.js';

/**
 * `maestro mcp`: an MCP server on stdin/stdout (what Claude Code launches from `.mcp.json`) that proxies
 * every tool call to the running Maestro server as the session in MAESTRO_SESSION_ID (proved by
 * MAESTRO_SESSION_TOKEN when set), or as a person when none is set. Its role, hence its tool list, is
 * learnt from `whoami` at start.
 *
 * stdout carries nothing but protocol; logs go to stderr. Resolves when the client goes away. When the
 * server cannot be reached (or rejects the identity) at start, prints one line saying so on stderr, sets
 * `process.exitCode` (3: server not reachable, 1: identity refused, as the CLI) and resolves without serving.
 */
export async function runStdioMcp(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const logger = createLogger('maestro-mcp', env.MAESTRO_LOG_LEVEL ?? 'info');
  const options = clientOptionsFromEnv(env);
  const client = new MaestroClient({ ...options, agent: keepAliveAgent(options.baseUrl) });

  let role: McpRole;
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

  const server = buildMcpServer({
    role,
    logger,
    // The generic door (POST /api/ops/<name>) carries the input as JSON, untouched, so the server validates
    // exactly what the MCP client sent (as the HTTP transport does).
    dispatch: (opName, input) => client.dispatch(opName, input),
  });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  transport.onerror = (err) => logger.warn({ err }, 'stdio transport error');
  await server.connect(transport);
  logger.info({ role, sessionId: options.sessionId ?? null, apiUrl: client.baseUrl }, 'maestro mcp serving on stdio');

  const stop = () => void server.close();
  process.stdin.once('end', stop);
  process.stdin.once('close', stop);
  await closed;
  process.stdin.off('end', stop);
  process.stdin.off('close', stop);
  logger.info('maestro mcp: client disconnected');
}

/**
 * One kept-alive connection to the server for the bridge's calls, instead of a new one per call (a TCP
 * handshake and a fresh server-side socket each time). An idle socket is let go before the server's own
 * keep-alive timeout (5 s) would close it under a request; one the server closed anyway (a restart) is
 * retried on a new connection by the client.
 */
function keepAliveAgent(baseUrl: string): HttpAgent {
  const options = { keepAlive: true, timeout: 4_000 };
  return baseUrl.startsWith('https:') ? new HttpsAgent(options) : new HttpAgent(options);
}
