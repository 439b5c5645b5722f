import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Request, Response } from 'express';
import type { Actor } from '../core/access.js';
import { executeOp } from '../core/operations.js';
import type { MaestroService } from '../core/service.js';
import { actorOf } from '../http/auth.js';
import type { HttpExtension } from '../http/server.js';
import type { Logger } from '../log/logger.js';
import { buildMcpServer, type McpRole } from './server.js';

export const MCP_PATH = '/mcp';

const roleOf = (actor: Actor): McpRole => (actor.kind === 'user' ? 'user' : actor.session.role);

/**
 * Streamable HTTP at `/mcp`, stateless: every POST gets a fresh server and transport for the caller the
 * request proved to be (`Authorization: Bearer <session token>`, or the owner's secret; the server's door
 * refuses anyone else before this runs), so there is no MCP session to keep and any number of agents can
 * call at once. Stateless servers offer no GET stream and nothing to DELETE; those answer 405.
 */
export const mcpHttpExtension: HttpExtension = ({ app, svc, logger }) => {
  app.post(MCP_PATH, async (req: Request, res: Response) => {
    const actor = actorOf(res);
    const server = mcpServerFor(svc, actor, logger);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (err) {
      const requestId = res.locals.requestId as string | undefined;
      logger.error({ err, requestId }, 'MCP request failed');
      if (!res.headersSent)
        res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: `internal error (request ${requestId}); see the server log` }, id: null });
    }
  });

  const notAllowed = (_req: Request, res: Response) => {
    res
      .status(405)
      .setHeader('Allow', 'POST')
      .json({
        jsonrpc: '2.0',
        error: { code: -32000, message: 'Method not allowed: this MCP endpoint is stateless; send JSON-RPC requests with POST' },
        id: null,
      });
  };
  app.get(MCP_PATH, notAllowed);
  app.delete(MCP_PATH, notAllowed);
};

/** The MCP server one HTTP caller talks to: its role's tools, every call run in-process as that caller. */
export function mcpServerFor(svc: MaestroService, actor: Actor, logger?: Logger) {
  return buildMcpServer({
    role: roleOf(actor),
    logger,
    dispatch: (opName, input) => executeOp(svc, actor, opName, input),
  });
}
