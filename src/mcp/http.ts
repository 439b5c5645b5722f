import { MAX_BATCH_SIZE } from '@modelcontextprotocol/sdk/server/requestBody.js';
import {
  JSONRPCMessageSchema,
  SUPPORTED_PROTOCOL_VERSIONS,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type JSONRPCResponse,
} from '@modelcontextprotocol/sdk/types.js';
import type { IncomingHttpHeaders } from 'node:http';
import type { Actor } from '../core/access.js';
import { executeOp } from '../core/operations.js';
import type { MaestroService } from '../core/service.js';
import type { HandlerContext } from '../http/route-table.js';
import { httpRoute } from '../http/routes.js';
import type { HttpExtension } from '../http/server.js';
import type { Logger } from '../log/logger.js';
import { Admission } from './admission.js';
import { McpExchange } from './exchange.js';
import { plainRequest, plainToolCall } from './plain-request.js';
import { buildMcpServer, callTool, type McpRole } from './server.js';
import { serveMcpSocket, type McpAnswer } from './socket.js';

export type { McpAnswer };

/** Where the MCP endpoint is: its routes in the table (src/http/routes.ts). */
export const MCP_PATH = httpRoute('mcp').path;

const roleOf = (actor: Actor): McpRole => (actor.kind === 'user' ? 'user' : actor.session.role);

/** A JSON-RPC error the transport answers itself (no request got to the server), as the SDK's transport words it. */
const transportError = (status: number, code: number, message: string) => ({ status, body: { jsonrpc: '2.0' as const, error: { code, message }, id: null } });

const NOT_ALLOWED = transportError(405, -32000, 'Method not allowed: this MCP endpoint is stateless; send JSON-RPC requests with POST').body;

/**
 * Streamable HTTP at `/mcp`, stateless (no `Mcp-Session-Id`, no GET stream): every POST is complete in
 * itself, proved by its own credential, which the server's door checks on every request before this runs.
 * So a session token that is revoked, or whose session has ended, is refused on the very next call.
 *
 * One MCP server per role (at most three per HTTP server), built on first use and kept: building one per
 * request, and converting each Node request to a web Request for the SDK's transport, cost more than the
 * call itself. Requests reach a server through an McpExchange, which ties each of them to the caller its
 * HTTP request proved to be: the shared server never holds an identity of its own.
 *
 * The transport rules are the SDK's Streamable HTTP transport's (JSON response mode), in the same words:
 * 406 unless the client accepts JSON and SSE, 400 for an unsupported MCP-Protocol-Version, for a body that
 * is no JSON-RPC message (-32700), for a batch too large or an initialize that is not alone (-32600); 202
 * with no body for notifications only; else 200 with the answer (an array for a batch).
 */
export class McpHttpEndpoint {
  /** The way into each role's server (the exchange holds its server, through the handlers it calls). */
  private readonly exchanges = new Map<McpRole, McpExchange>();
  /** How many MCP servers this endpoint has built: one per role at most, whatever the number of calls. */
  serversBuilt = 0;

  /** MCP requests are paced, a few per turn of the event loop, so REST requests get between them. */
  readonly admission: Admission;
  private readonly maxQueued: number;

  constructor(
    private readonly svc: MaestroService,
    private readonly logger?: Logger,
    limits: { perTurn?: number; concurrent?: number; maxQueued?: number } = {},
    /** Whether plain tool calls take the direct path (tests turn it off to compare both paths' answers). */
    private readonly direct = true,
  ) {
    this.admission = new Admission({ perTurn: limits.perTurn ?? MCP_PER_TURN, concurrent: limits.concurrent ?? MCP_CONCURRENT });
    this.maxQueued = limits.maxQueued ?? MAX_QUEUED;
  }

  /**
   * Answers one POST, as `caller`. `gone` says whether the client has hung up meanwhile: a request whose
   * client left while it waited for its turn is not run (nobody would read the answer), so callers that
   * time out and retry do not pile up work.
   */
  async answer(body: unknown, headers: IncomingHttpHeaders, caller: Actor, gone: () => boolean = () => false): Promise<McpAnswer | undefined> {
    const accept = headers.accept ?? '';
    if (!accept.includes('application/json') || !accept.includes('text/event-stream'))
      return transportError(406, -32000, 'Not Acceptable: Client must accept both application/json and text/event-stream');
    const version = headers['mcp-protocol-version'];
    if (typeof version === 'string' && !SUPPORTED_PROTOCOL_VERSIONS.includes(version))
      return transportError(
        400,
        -32000,
        `Bad Request: Unsupported protocol version: ${version} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
      );
    if (Array.isArray(body) && body.length > MAX_BATCH_SIZE)
      return transportError(400, -32600, `Invalid Request: Batch must not exceed ${MAX_BATCH_SIZE} messages`);
    const messages: JSONRPCMessage[] = [];
    for (const raw of Array.isArray(body) ? body : [body]) {
      const plain = plainRequest(raw);
      if (plain) {
        messages.push(plain);
        continue;
      }
      const parsed = JSONRPCMessageSchema.safeParse(raw);
      if (!parsed.success) return transportError(400, -32700, 'Parse error: Invalid JSON-RPC message');
      messages.push(parsed.data);
    }
    const requests = messages.filter((m): m is JSONRPCRequest => 'method' in m && 'id' in m);
    if (messages.length > 1 && requests.some((r) => r.method === 'initialize'))
      return transportError(400, -32600, 'Invalid Request: Only one initialization request is allowed');
    // Notifications (initialized, cancelled, progress) and stray responses mean nothing to a stateless
    // server: none of them can refer to a request of this caller still running. Accepted, as the SDK does.
    if (requests.length === 0) return { status: 202 };

    if (this.admission.queued >= this.maxQueued) return { ...transportError(503, -32000, 'Server busy: too many MCP requests waiting; retry shortly'), retryAfter: 1 };
    const role = roleOf(caller);
    const answers = await this.admission.run(async () => (gone() ? [] : Promise.all(requests.map((r) => this.request(r, role, caller)))));
    if (answers.length === 0) return undefined;
    return { status: 200, body: Array.isArray(body) && answers.length > 1 ? answers : answers[0] };
  }

  /**
   * One request as `caller`. A plain tools/call (see plain-request.ts) is run here, through the same
   * `callTool` as the role's MCP server runs it, without the SDK's per-request machinery (an abort
   * controller, a context object, four schema checks), which cost more than a task_get itself; every
   * other request goes to that server.
   */
  private async request(request: JSONRPCRequest, role: McpRole, caller: Actor): Promise<JSONRPCResponse> {
    const call = this.direct ? plainToolCall(request) : undefined;
    if (!call) return this.exchangeFor(role).request(request, caller);
    const result = await callTool(call.name, call.args, (opName, input) => executeOp(this.svc, caller, opName, input), this.logger);
    return { jsonrpc: '2.0', id: request.id, result };
  }

  /** `answer`, with a fault of the endpoint itself logged and answered 500 (JSON-RPC -32603) naming the request. */
  async answerSafely(body: unknown, headers: IncomingHttpHeaders, caller: Actor, gone: () => boolean, requestId: string | undefined): Promise<McpAnswer | undefined> {
    try {
      return await this.answer(body, headers, caller, gone);
    } catch (err) {
      this.logger?.error({ err, requestId }, 'MCP request failed');
      return transportError(500, -32603, `internal error (request ${requestId}); see the server log`);
    }
  }

  private exchangeFor(role: McpRole): McpExchange {
    let exchange = this.exchanges.get(role);
    if (!exchange) {
      const own = (exchange = new McpExchange());
      const server = buildMcpServer({
        role,
        logger: this.logger,
        dispatch: (opName, input, requestId) => executeOp(this.svc, own.callerOf(requestId), opName, input),
      });
      void server.connect(own); // an exchange starts at once: nothing to wait for
      this.exchanges.set(role, own);
      this.serversBuilt++;
    }
    return exchange;
  }
}

/** MCP POSTs allowed to wait for their turn; more are refused with 503 (each waiting one holds a socket and its body). */
export const MAX_QUEUED = 2_000;

/**
 * How many MCP POSTs start per turn of the event loop (see Admission); MAESTRO_MCP_PER_TURN overrides it.
 * Measured with 200 busy callers of task_get: 4 per turn kept REST at p50 2.4 ms / p99 16 ms with 1560 MCP
 * calls/s, 8 at 2.9 / 17 ms with 2110/s, 16 at 3.4 / 15 ms with 3115/s; unpaced, 32 / 70 ms with 4620/s.
 * 8 leaves room for calls costlier than a task_get.
 */
export const MCP_PER_TURN = positiveInteger(process.env.MAESTRO_MCP_PER_TURN) ?? 8;
/** How many may be under way at once, counting those waiting on I/O (a spawn): a bound, not a pace. */
export const MCP_CONCURRENT = 64;

function positiveInteger(value: string | undefined): number | undefined {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** The endpoint of each running server, by its service: tests look at what it built (in-process only). */
const ENDPOINTS = new WeakMap<MaestroService, McpHttpEndpoint>();
export const mcpEndpointOf = (svc: MaestroService): McpHttpEndpoint | undefined => ENDPOINTS.get(svc);

/** The three routes of the table (`mcp`, `mcp.get`, `mcp.delete`) whose handlers are set here, and the bridge's socket (`mcp`, socket.ts). */
export const mcpHttpExtension: HttpExtension = ({ svc, logger, routes, ws, auth }) => {
  const endpoint = new McpHttpEndpoint(svc, logger);
  ENDPOINTS.set(svc, endpoint);
  ws.register('mcp', (socket, req) => serveMcpSocket(socket, req, { answer: (...args) => endpoint.answerSafely(...args), authenticate: (r) => auth.authenticate(r.headers), logger }), {
    provesEachMessage: true,
  });
  routes.set('mcp', async ({ body }, ctx) => {
    const { req, res } = ctx.exchange();
    // 'close' before the answer is written means the client hung up.
    let closed = false;
    res.once('close', () => (closed = true));
    const answer = await endpoint.answerSafely(body, req.headers, ctx.actor(), () => closed, res.locals.requestId as string | undefined);
    if (!answer || closed) return; // the client went away while waiting: nobody to answer
    if (answer.retryAfter !== undefined) res.setHeader('Retry-After', String(answer.retryAfter));
    if (answer.body === undefined) {
      res.writeHead(answer.status).end();
      return;
    }
    // Written directly: express's res.json would also compute an ETag of every answer, which nobody uses here.
    const text = JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
  });

  const notAllowed = (_input: unknown, ctx: HandlerContext) => {
    ctx.setStatus(405);
    ctx.setHeader('Allow', 'POST');
    return NOT_ALLOWED;
  };
  routes.set('mcp.get', notAllowed);
  routes.set('mcp.delete', notAllowed);
};
