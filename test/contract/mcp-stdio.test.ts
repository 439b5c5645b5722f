/**
 * The operation contract over `maestro mcp` (the built binary on stdio, as Claude Code launches it), one
 * process per caller: the owner (the home's secret), or a session (MAESTRO_SESSION_ID +
 * MAESTRO_SESSION_TOKEN). The cases run concurrently: starting those processes is the slow part. Needs
 * `npm run build`.
 */
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { MCP_COMMAND, mcpEnv } from '../mcp-support.js';
import { runMcpOpCases } from './mcp-clients.js';

runMcpOpCases({
  name: 'MCP stdio (maestro mcp)',
  concurrent: true,
  timeoutMs: 180_000,
  transportFor: (server, as) => {
    const identity: Record<string, string> = as.kind === 'session' ? { MAESTRO_SESSION_ID: as.id, MAESTRO_SESSION_TOKEN: as.token } : {};
    return new StdioClientTransport({
      command: process.execPath,
      args: MCP_COMMAND,
      env: mcpEnv(server, { ...identity, MAESTRO_LOG_LEVEL: 'error' }),
      stderr: 'pipe',
    });
  },
});
