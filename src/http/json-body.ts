import express from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';

/*
 * JSON request bodies, read as express.json() (body-parser) reads them and refused with the same errors,
 * without its per-request machinery (content-type parsing, iconv decoders, async resources) for what
 * every client sends: `application/json` in UTF-8, not compressed. Any other form (another charset, a
 * Content-Encoding, a content type written otherwise) is still handed to body-parser itself.
 */

/** A refused body, shaped like body-parser's errors (`status`, `type`) so both are answered by one rule. */
export interface BodyRefusal extends Error {
  status: number;
  type: string;
  expose: boolean;
}

const refusal = (status: number, type: string, message: string): BodyRefusal =>
  Object.assign(new Error(message), { status, type, expose: true });
const tooLarge = () => refusal(413, 'entity.too.large', 'request entity too large');

/** Reads a request's JSON body: the value, or undefined when there is none (no body, not JSON, already read). */
export type JsonBodyReader = (req: IncomingMessage, res: ServerResponse) => Promise<unknown>;

/** The forms this module reads itself; body-parser reads every other one exactly as before. */
const PLAIN_JSON = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8']);

export function jsonBodyReader(limit: number): JsonBodyReader {
  const bodyParser = express.json({ limit });
  const viaBodyParser = (req: IncomingMessage, res: ServerResponse) =>
    new Promise<unknown>((resolve, reject) =>
      bodyParser(req as express.Request, res as express.Response, (err?: unknown) => (err ? reject(err) : resolve((req as { body?: unknown }).body))),
    );
  return (req, res) => {
    if (isFinished(req) || !hasBody(req)) return Promise.resolve(undefined);
    const type = req.headers['content-type'];
    if (type === undefined) return Promise.resolve(undefined); // not JSON: body-parser leaves it unread too
    if (req.headers['content-encoding'] !== undefined || !PLAIN_JSON.has(type.toLowerCase())) return viaBodyParser(req, res);
    return readPlainJson(req, limit);
  };
}

/** body-parser's test (on-finished): a request already read, or whose client can send no more, has no body left to read. */
function isFinished(req: IncomingMessage): boolean {
  const socket = req.socket as IncomingMessage['socket'] | null;
  return Boolean((req as { upgrade?: boolean }).upgrade || !socket || !socket.readable || (req.complete && !req.readable));
}

/** type-is's test: a request has a body when it says how long it is or that it is chunked. */
const hasBody = (req: IncomingMessage): boolean =>
  req.headers['transfer-encoding'] !== undefined || !Number.isNaN(Number(req.headers['content-length']));

function readPlainJson(req: IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) refuseAfterBody(tooLarge());
      else chunks.push(chunk);
    };
    const onEnd = () => {
      try {
        resolve(parseStrictJson((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8')));
      } catch (err) {
        reject(err);
      }
    };
    // A refusal is answered once the client has sent the whole request (or gone), as body-parser does:
    // answering mid-upload would leave a client that does not read before it finishes sending stuck.
    const refuseAfterBody = (err: BodyRefusal) => {
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      if (req.complete && !req.readable) reject(err);
      else {
        req.once('end', () => reject(err));
        req.once('close', () => reject(err));
        req.resume();
      }
    };
    // A client that goes away mid-body gets no answer (there is nobody to read it); the read just stops.
    req.once('error', () => req.removeListener('end', onEnd));
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number.parseInt(declared, 10) > limit) {
      refuseAfterBody(tooLarge());
      return;
    }
    req.on('data', onData);
    req.once('end', onEnd);
  });
}

const FIRST_NON_WHITESPACE = /^[\x20\x09\x0a\x0d]*([^\x20\x09\x0a\x0d]|$)/;

/**
 * body-parser's strict JSON: an empty body is `{}`, anything but an object or array at the top is refused,
 * and a byte-order mark is dropped (its UTF-8 decoder drops it).
 */
export function parseStrictJson(text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.length === 0) return {};
  const first = body[0] === '{' || body[0] === '[' ? body[0] : FIRST_NON_WHITESPACE.exec(body)?.[1];
  if (first !== '{' && first !== '[') throw refusal(400, 'entity.parse.failed', 'the JSON body must be an object or an array');
  try {
    return JSON.parse(body);
  } catch (err) {
    throw refusal(400, 'entity.parse.failed', (err as Error).message);
  }
}
