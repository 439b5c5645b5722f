/** `maestro mcp` as Claude Code runs it: stdout is the protocol channel and nothing else. */
import { describe, expect, it } from 'vitest';
import { closedPort } from './cli-support.js';
import { startTestServer, type TestServer } from './helpers.js';
import { as, callTool, connectStdio, mcpEnv, runMcpRaw, type Seed, seed, useSeededServer } from './mcp-support.js';

let server: TestServer;
let s: Seed;

useSeededServer((fixture) => {
  ({ server, s } = fixture);
});


describe('maestro mcp (stdio)', () => {
  it('writes nothing but JSON-RPC on stdout, even with the noisiest log level, and exits when stdin closes', async () => {
    const run = await runMcpRaw(
      mcpEnv(server, {
        MAESTRO_LOG_LEVEL: 'trace',
        MAESTRO_SESSION_ID: s.worker.id,
        MAESTRO_SESSION_TOKEN: s.tokens[s.worker.id]!,
      }),
      [
        { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } },
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        { jsonrpc: '2.0', id: 2, method: 'tools/list' },
        { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'report_progress', arguments: { message: 'started via stdio' } } },
        { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'session_spawn', arguments: {} } },
        { jsonrpc: '2.0', id: 5, method: 'resources/read', params: { uri: 'maestro://session/manifest' } },
      ],
    );
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n').filter((l) => l !== '');
    expect(lines.length).toBe(5);
    const messages = lines.map((l) => JSON.parse(l));
    for (const m of messages) expect(m.jsonrpc).toBe('2.0');
    const byId = new Map(messages.map((m) => [m.id, m]));
    expect(byId.get(1).result.serverInfo.name).toBe('maestro');
    expect(byId.get(2).result.tools.map((t: any) => t.name)).not.toContain('session_spawn');
    expect(byId.get(3).result.isError).toBeFalsy();
    expect(byId.get(4).result.isError).toBe(true);
    expect(byId.get(4).result.content[0].text).toMatch(/^forbidden: session_spawn is for orchestrator sessions/);
    expect(JSON.parse(byId.get(5).result.contents[0].text).session.id).toBe(s.worker.id);
    // The logs went to stderr.
    expect(run.stderr).toMatch(/"msg":"maestro mcp serving on stdio"/);
    expect(server.svc.sessions.lastReport(s.worker.id)?.message).toBe('started via stdio');
  });

  it('works with the SDK client while logging at trace level', async () => {
    const client = await connectStdio(server, as(s, s.orchestrator), { MAESTRO_LOG_LEVEL: 'trace' });
    try {
      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools).toContain('session_spawn');
      const created = await callTool(client, 'task_create', { title: 'from stdio' });
      expect(created.isError).toBe(false);
      expect(server.svc.tasks.get(created.data.id).title).toBe('from stdio');
    } finally {
      await client.close();
    }
  });

  it('acts as a person without MAESTRO_SESSION_ID, and as a session with only the id', async () => {
    const person = await connectStdio(server);
    const byId = await connectStdio(server, { session: s.worker });
    try {
      expect((await person.listTools()).tools.map((t) => t.name)).toContain('project_create');
      expect((await callTool(person, 'whoami')).data.kind).toBe('user');
      expect((await callTool(byId, 'whoami')).data.session.id).toBe(s.worker.id);
      expect((await byId.listTools()).tools.map((t) => t.name)).not.toContain('session_spawn');
    } finally {
      await Promise.all([person.close(), byId.close()]);
    }
  });

  it('exits non-zero with one clear line on stderr when the server is unreachable', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const run = await runMcpRaw(mcpEnv({ url, home: server.home }, { MAESTRO_SESSION_ID: s.worker.id, MAESTRO_LOG_LEVEL: 'silent' }));
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`cannot reach the Maestro server at ${url}`);
    expect(run.stderr).toContain('maestro serve');
  });

  it('exits non-zero when the session it is told to be does not exist or the token is wrong', async () => {
    const unknown = await runMcpRaw(mcpEnv(server, { MAESTRO_SESSION_ID: 'ses_nobody', MAESTRO_LOG_LEVEL: 'silent' }));
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/ses_nobody/);
    const wrongToken = await runMcpRaw(
      mcpEnv(server, { MAESTRO_SESSION_ID: s.worker.id, MAESTRO_SESSION_TOKEN: 'forged', MAESTRO_LOG_LEVEL: 'silent' }),
    );
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.stderr).toMatch(/unknown token/);
  });
});

describe('maestro mcp across a server restart', () => {
  it('answers isError while the server is down and works again once it is back, without reconnecting', async () => {
    let own = await startTestServer();
    try {
      const seeded = await seed(own.svc, own.home, 'restart');
      const client = await connectStdio(own, as(seeded, seeded.worker));
      try {
        expect((await callTool(client, 'whoami')).data.session.id).toBe(seeded.worker.id);
        await own.close();
        const down = await callTool(client, 'task_list');
        expect(down.isError).toBe(true);
        expect(down.text).toMatch(/^unavailable: cannot reach the Maestro server/);
        own = await startTestServer({ home: own.home, port: own.server.port });
        const back = await callTool(client, 'report_progress', { message: 'still here' });
        expect(back.isError).toBe(false);
        expect(own.svc.sessions.lastReport(seeded.worker.id)?.message).toBe('still here');
      } finally {
        await client.close();
      }
    } finally {
      await own.dispose();
    }
  });
});
