/**
 * Deep subtask chains end to end (issue 13). A tree answer nests a level per subtask: a chain of 10,000
 * overflowed the stack serialising it and answered a bare 500. One answer holds TASK_TREE_DEPTH_MAX levels
 * and says what to do past that (the streamed tree, or a subtree); the streamed tree and the CLI take any
 * depth. Deleting such a project is in project-delete-slices.test.ts.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TASK_TREE_DEPTH_MAX } from '../src/core/tasks.js';
import type { TaskNode } from '../src/core/types.js';
import { cliFor } from './cli-support.js';
import { ownerAuth, startTestServer, type TestServer } from './helpers.js';
import { callTool, connectHttp } from './mcp-support.js';

/** How many tasks deep a chain of single subtasks goes, walked down its first child. */
function chainLength(roots: TaskNode[]): number {
  let n = 0;
  for (let node = roots[0]; node; node = node.children[0]) n++;
  return n;
}

describe('a chain of nested subtasks deeper than one tree answer holds', () => {
  const DEPTH = 3000; // JSON.stringify alone overflowed between 2,000 and 3,000 levels
  let server: TestServer;
  let mcp: Client;
  let ids: string[];
  const get = async (path: string) => {
    const res = await fetch(`${server.url}${path}`, { headers: ownerAuth(server.home) });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    server = await startTestServer();
    const project = server.svc.projects.create({ name: 'deep', workingDir: server.home });
    const text = Array.from({ length: DEPTH }, (_, i) => JSON.stringify({ key: `k${i}`, title: `level ${i}`, ...(i > 0 ? { parent: `k${i - 1}` } : {}) }));
    const res = await fetch(`${server.url}/api/tasks/import`, {
      method: 'POST',
      headers: { ...ownerAuth(server.home), 'content-type': 'application/json' },
      body: JSON.stringify({ project: project.id, text: text.join('\n') }),
    });
    expect(res.status).toBe(200);
    ids = server.svc.tasks.list({ projectId: project.id }).map((t) => t.id); // level 0 first
    mcp = await connectHttp(server);
  });
  afterAll(async () => {
    await mcp.close();
    await server.dispose();
  });

  it('REST: a 400 naming rootId that says how deep it is and where to read it, not a 500', async () => {
    const whole = await get(`/api/tasks/tree?project=deep&limit=${DEPTH}`);
    expect(whole).toEqual({
      status: 400,
      body: {
        error: {
          code: 'invalid_input',
          field: 'rootId',
          message: `the project nests ${DEPTH} levels deep, more than the ${TASK_TREE_DEPTH_MAX} one answer holds: read it streamed (maestro task tree, GET /api/tasks/tree/stream), or ask for a subtree further down (rootId)`,
        },
      },
    });
    const under = await get(`/api/tasks/tree?project=deep&rootId=${ids[1]}&limit=${DEPTH}`);
    expect(under.status).toBe(400);
    expect(under.body.error.message).toMatch(new RegExp(`^the subtree under ${ids[1]} nests ${DEPTH - 1} levels deep`));
  });

  it('REST and MCP: a subtree of exactly the most levels is answered whole', async () => {
    const start = ids[DEPTH - TASK_TREE_DEPTH_MAX]!;
    const rest = await get(`/api/tasks/tree?project=deep&rootId=${start}`);
    expect(rest, JSON.stringify(rest.body).slice(0, 300)).toMatchObject({ status: 200 });
    expect(chainLength(rest.body)).toBe(TASK_TREE_DEPTH_MAX);
    const tool = await callTool(mcp, 'task_tree', { project: 'deep', rootId: start });
    expect(tool.isError).toBe(false);
    expect(chainLength(tool.structured.items)).toBe(TASK_TREE_DEPTH_MAX); // checked by the SDK client against the output schema
    expect(tool.data).toEqual(tool.structured.items);
    // one level more is refused, the same way
    const over = await callTool(mcp, 'task_tree', { project: 'deep', rootId: ids[DEPTH - TASK_TREE_DEPTH_MAX - 1] });
    expect(over.isError).toBe(true);
    expect(over.text).toMatch(/rootId/);
    expect(over.text).toMatch(`nests ${TASK_TREE_DEPTH_MAX + 1} levels deep`);
  });

  it('the streamed tree and `maestro task tree` take the whole chain', async () => {
    const res = await fetch(`${server.url}/api/tasks/tree/stream?project=deep`, { headers: ownerAuth(server.home) });
    expect(res.status).toBe(200);
    const lines = (await res.text()).trim().split('\n');
    expect(lines).toHaveLength(DEPTH);
    const cli = cliFor(() => server.url, () => server.home);
    const printed = await cli(['task', 'tree', '--project', 'deep']);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(`level ${DEPTH - 1}`);
    const json = await cli(['task', 'tree', '--project', 'deep', '--json']);
    expect(json.code).toBe(0);
    expect(json.stdout).toMatch(`"title":"level ${DEPTH - 1}"`);
  });
});
