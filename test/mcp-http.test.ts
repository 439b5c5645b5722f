/** The Streamable HTTP endpoint itself: identity, refusals and what a stateless endpoint answers. */
import { describe, expect, it } from 'vitest';
import { readSecret } from '../src/security/secret.js';
import type { TestServer } from './helpers.js';
import { as, callTool, connectHttp, ok, type Seed, useSeededServer } from './mcp-support.js';

let server: TestServer;
let s: Seed;

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
};

const post = (headers: Record<string, string>, body: unknown = INITIALIZE) =>
  fetch(`${server.url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
  });

useSeededServer((fixture) => {
  ({ server, s } = fixture);
});

describe('MCP over Streamable HTTP', () => {
  it('answers a bad or unknown token with 401 JSON {error:{code,message,field}}', async () => {
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer not-a-real-token' },
      { authorization: 'Basic dXNlcjpwYXNz' },
      { 'x-maestro-session': 'ses_nobody' },
    ];
    for (const headers of attempts) {
      const res = await post(headers);
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = await res.json();
      expect(body.error.code).toBe('unauthorized');
      expect(typeof body.error.message).toBe('string');
      expect(['authorization', 'x-maestro-session']).toContain(body.error.field);
    }
    await expect(connectHttp(server, { token: 'not-a-real-token' })).rejects.toThrow(/unknown token/);
  });

  it('answers GET and DELETE with 405 JSON: the endpoint is stateless', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(`${server.url}/mcp`, {
        method,
        headers: { accept: 'text/event-stream', authorization: `Bearer ${readSecret(server.home)}` },
      });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      const body = await res.json();
      expect(body).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });
      expect(body.error.message).toMatch(/POST/);
    }
  });

  it("refuses a session's token once the session has ended", async () => {
    const { session } = await server.svc.spawn({ projectId: s.projectId, taskIds: [], name: 'short-lived' });
    const token = server.svc.sessions.token(session.id);
    expect((await post({ authorization: `Bearer ${token}` })).status).toBe(200);
    await server.svc.stopSession(session.id);
    const res = await post({ authorization: `Bearer ${token}` });
    expect(res.status).toBe(401);
    expect((await res.json()).error.message).toMatch(/has ended \(stopped\)/);
  });

  it('speaks plain JSON-RPC over POST to any MCP client', async () => {
    const res = await post({ authorization: `Bearer ${s.tokens[s.worker.id]}` });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.result.serverInfo).toMatchObject({ name: 'maestro' });
    expect(body.result.capabilities).toHaveProperty('tools');
    expect(body.result.capabilities).toHaveProperty('resources');
    expect(body.result.instructions).toMatch(/worker session/);
  });

  it('serves many concurrent calls from one client, each as its caller', async () => {
    const worker = await connectHttp(server, as(s, s.worker));
    const orchestrator = await connectHttp(server, as(s, s.orchestrator));
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          i % 2 ? ok(worker, 'whoami') : ok(orchestrator, 'task_create', { title: `parallel ${i}` }),
        ),
      );
      expect(results.filter((r) => r.kind === 'session').every((r) => r.session.id === s.worker.id)).toBe(true);
      expect(server.svc.tasks.list().filter((t) => t.title.startsWith('parallel '))).toHaveLength(10);
      // The identity is the token's, whatever the arguments claim.
      const spoof = await callTool(worker, 'report_progress', { message: 'hi', sessionId: s.orchestrator.id });
      expect(spoof.isError).toBe(true);
    } finally {
      await Promise.all([worker.close(), orchestrator.close()]);
    }
  });
});
