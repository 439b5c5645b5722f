/**
 * The operation contract over MCP Streamable HTTP: the real server's `/mcp`, with the SDK client and
 * transport, one client per caller (bearer owner secret or session token).
 */
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { readSecret } from '../../src/security/secret.js';
import { runMcpOpCases } from './mcp-clients.js';

runMcpOpCases({
  name: 'MCP Streamable HTTP',
  transportFor: (server, as) => {
    const bearer = as.kind === 'owner' ? readSecret(server.home) : as.token;
    return new StreamableHTTPClientTransport(new URL('/mcp', server.url), { requestInit: { headers: { authorization: `Bearer ${bearer}` } } });
  },
});
