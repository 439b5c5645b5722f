import type { JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';

/*
 * Nearly every MCP POST is one plain request: `{ jsonrpc, id, method, params }`, and nearly every request a
 * `tools/call` with a name and arguments. Telling those apart with the SDK's zod schemas (the message union,
 * then tools/call's request schema twice and its result schema once, in the SDK's server) cost more server
 * CPU than the operation the call runs. These checks accept only a strict subset of what those schemas
 * accept, so a message they pass would have passed the SDK's too; anything else (notifications, responses,
 * `_meta`, task-augmented calls, odd ids) is left to the SDK, which answers it as it always did.
 */

type Json = Record<string, unknown>;

const isPlainObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;

/** Every key of `value` is one of `allowed`. */
function onlyKeys(value: Json, allowed: readonly string[]): boolean {
  for (const key in value) if (!allowed.includes(key)) return false;
  return true;
}

const REQUEST_KEYS = ['jsonrpc', 'id', 'method', 'params'] as const;

/**
 * `raw` as a JSON-RPC request, when it is one in the plainest form: a string or safe-integer id, a string
 * method, params absent or an object without `_meta` (whose shape the SDK's schema checks); else undefined.
 */
export function plainRequest(raw: unknown): JSONRPCRequest | undefined {
  if (!isPlainObject(raw) || raw.jsonrpc !== '2.0' || typeof raw.method !== 'string' || !onlyKeys(raw, REQUEST_KEYS)) return undefined;
  const { id, params } = raw;
  if (typeof id !== 'string' && !Number.isSafeInteger(id)) return undefined;
  if (params !== undefined && (!isPlainObject(params) || '_meta' in params)) return undefined;
  return raw as unknown as JSONRPCRequest;
}

const CALL_KEYS = ['name', 'arguments'] as const;

/** The tool and arguments of a plain `tools/call` (a string name, arguments absent or an object, nothing else); else undefined. */
export function plainToolCall(request: JSONRPCRequest): { name: string; args: Json } | undefined {
  if (request.method !== 'tools/call') return undefined;
  const params = request.params as Json | undefined;
  if (!params || typeof params.name !== 'string' || !onlyKeys(params, CALL_KEYS)) return undefined;
  const args = params.arguments;
  if (args !== undefined && !isPlainObject(args)) return undefined;
  return { name: params.name, args: args ?? {} };
}
