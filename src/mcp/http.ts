import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Actor } from '../core/access.js';
import { executeOp } from '../core/operations.js';
import type { MaestroService } from '../core/service.js';
import { actorOf } from '../http/auth.js';
import type { HandlerContext } from '../http/route-table.js';
import { httpRoute } from '../http/routes.js';
import type { HttpExtension } from '../http/server.js';
import type { Logger } from '../log/logger.js';
import { buildMcpServer, type McpRole } from './server.js';

/** Where the MCP endpoint is: its routes in the table (src/http/routes.ts). */
export const MCP_PATH = httpRoute('mcp').path;

const roleOf = (actor: Actor): McpRole => (actor.kind === 'user' ? 'user' : actor.session.role);

const NOT_ALLOWED = {
  jsonrpc: '2.0',
  error: { code: -32000, message: 'Method not allowed: this MCP endpoint is stateless; send JSON-RPC requests with POST' },
  id: null,
} as const;

/**
 * Streamable HTTP at `/mcp`, stateless: every POST gets a fresh server and transport for the caller the
 * request proved to be (`Authorization: Bearer <session token>`, or the owner's secret; the server's door
 * refuses anyone else before this runs), so there is no MCP session to keep and any number of agents can
 * call at once. Stateless servers offer no GET stream and nothing to DELETE; those answer 405. The three
 * are routes of the table (`mcp`, `mcp.get`, `mcp.delete`), whose handlers are set here.
 */
export const mcpHttpExtension: HttpExtension = ({ svc, logger, routes }) => {
  routes.set('mcp', async ({ body }, ctx) => {
    const { req, res } = ctx.exchange();
    const server = mcpServerFor(svc, ctx.actor(), logger);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    // The transport answers when the server has replied, which may be after handleRequest returns.
    const answered = new Promise<void>((resolve) => res.once('close', resolve));
    res.once('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
    } catch (err) {
      const requestId = res.locals.requestId as string | undefined;
      logger.error({ err, requestId }, 'MCP request failed');
      if (!res.headersSent)
        res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: `internal error (request ${requestId}); see the server log` }, id: null });
    }
    await answered;
  });

  const notAllowed = (_input: unknown, ctx: HandlerContext) => {
    ctx.setStatus(405);
    ctx.setHeader('Allow', 'POST');
    return NOT_ALLOWED;
  };
  routes.set('mcp.get', notAllowed);
  routes.set('mcp.delete', notAllowed);
};

/** The MCP server one HTTP caller talks to: its role's tools, every call run in-process as that caller. */
export function mcpServerFor(svc: MaestroService, actor: Actor, logger?: Logger) {
  return buildMcpServer({
    role: roleOf(actor),
    logger,
    dispatch: (opName, input) => executeOp(svc, actor, opName, input),
  });
}
