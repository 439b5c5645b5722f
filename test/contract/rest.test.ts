/**
 * The operation contract over REST: a real server in-process on an ephemeral 127.0.0.1 port, called with
 * the CLI's own MaestroClient (the owner secret, or a session's token).
 */
import { afterAll, beforeAll } from 'vitest';
import { MaestroClient } from '../../src/http/client.js';
import { readSecret } from '../../src/security/secret.js';
import { startTestServer, type TestServer } from '../helpers.js';
import { runOpCases } from './cases.js';
import { OWNER } from './support.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.dispose();
});

/** Case name -> the product bug it hits over this transport (see the report of the contract suite). */
const KNOWN_ISSUES: Record<string, string> = {};

runOpCases({
  name: 'REST',
  knownIssues: KNOWN_ISSUES,
  tokenOf: (id) => server.svc.sessions.token(id),
  call: (op, input, as = OWNER) => {
    const client = new MaestroClient(
      as.kind === 'owner'
        ? { baseUrl: server.url, secret: readSecret(server.home) ?? undefined, timeoutMs: 10_000 }
        : { baseUrl: server.url, token: as.token, timeoutMs: 10_000 },
    );
    return client.call(op, input);
  },
});
