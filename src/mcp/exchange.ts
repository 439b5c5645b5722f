import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, JSONRPCRequest, JSONRPCResponse, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { Actor } from '../core/access.js';

interface Pending {
  /** The id the client gave its request, restored on the answer. */
  clientId: RequestId;
  caller: Actor;
  answer: (message: JSONRPCResponse) => void;
}

/**
 * An in-process transport through which one long-lived MCP server answers the requests of many HTTP
 * callers, each request on behalf of the caller its HTTP request proved to be.
 *
 * Callers choose their JSON-RPC ids and two of them may use the same one at the same moment, while the
 * SDK's server keys its in-flight requests by id: so each request enters under an id of the exchange's own
 * (a counter, never reused) and its answer leaves under the client's. The caller of a request is found by
 * that internal id (`callerOf(extra.requestId)` in a handler), so identities cannot cross: it is set by the
 * HTTP layer from that request's credential, never from anything in the message.
 *
 * Messages the server would send unprompted (notifications, requests to the client) have no stream to go
 * to on a stateless endpoint and are dropped, as the SDK's stateless transport does without a GET stream.
 */
export class McpExchange implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private lastId = 0;
  private readonly pending = new Map<number, Pending>();

  async start(): Promise<void> {}

  async close(): Promise<void> {
    this.pending.clear();
    this.onclose?.();
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (!('id' in message) || !('result' in message || 'error' in message)) return;
    const pending = this.pending.get(message.id as number);
    if (!pending) return;
    this.pending.delete(message.id as number);
    pending.answer({ ...message, id: pending.clientId } as JSONRPCResponse);
  }

  /** Runs one JSON-RPC request through the server as `caller`; resolves with its answer (a result or an error). */
  request(message: JSONRPCRequest, caller: Actor): Promise<JSONRPCResponse> {
    const id = ++this.lastId;
    return new Promise((answer) => {
      this.pending.set(id, { clientId: message.id, caller, answer });
      this.onmessage?.({ ...message, id });
    });
  }

  /** The caller of the request the server knows by `requestId` (a handler's `extra.requestId`). */
  callerOf(requestId: RequestId): Actor {
    const caller = this.pending.get(requestId as number)?.caller;
    if (!caller) throw new Error(`no caller for MCP request ${String(requestId)}: it was not received through this exchange`);
    return caller;
  }

  /** Requests being answered now (for tests and diagnostics). */
  get inFlight(): number {
    return this.pending.size;
  }
}
