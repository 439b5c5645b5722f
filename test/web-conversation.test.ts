/**
 * The session page's Conversation tab in a real browser: the scripted agent (test/agent, built to
 * dist/test/agent/agent.js) runs under the PTY supervisor and writes a Claude Code-format transcript;
 * the tab shows it from GET /api/sessions/:id/logs, oldest first, and says so when there is none.
 */
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SessionInfo } from '../src/core/types.js';
import { waitFor } from './helpers.js';
import { AGENT_JS, api, openPage, page, server, unlabelledControls, useWebSuite } from './web-support.js';

beforeAll(() => {
  if (!existsSync(AGENT_JS)) throw new Error(`${AGENT_JS} is missing: build first (npx tsc -p tsconfig.json)`);
});
useWebSuite({ supervisor: true });

describe('conversation tab', { timeout: 90_000 }, () => {
  it("shows the agent's transcript: its first prompt, its replies and its Maestro tool calls, in order", async () => {
    const task = server.svc.tasks.create({ projectId: server.project.id, title: 'Sweep the porch' });
    const { session } = await server.svc.spawn({
      projectId: server.project.id,
      taskIds: [task.id],
      agentCommand: `${process.execPath} ${AGENT_JS}`,
      env: { AGENT_ASK: '0' },
    });
    await waitFor(async () => (await api<SessionInfo>('GET', `/api/sessions/${session.id}`)).session.status === 'completed', 40_000);

    await openPage(`${server.url}/sessions/${session.id}/conversation`);
    const conv = page.getByTestId('conversation');
    await conv.locator('[data-testid=conversation-entry]').first().waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('tab-conversation').getAttribute('aria-current')).toBe('page');
    expect(await conv.getByRole('list', { name: 'Conversation entries' }).count()).toBe(1);

    const entries = await conv.locator('[data-testid=conversation-entry]').evaluateAll((els) =>
      els.map((el) => ({ kind: el.getAttribute('data-kind'), role: el.getAttribute('data-role'), text: el.textContent ?? '' })),
    );
    // what the server has, in the same order (newest last)
    const logs = await api<{ entries: { kind: string; role: string }[] }>('GET', `/api/sessions/${session.id}/logs?limit=500`);
    expect(entries.map((e) => [e.kind, e.role])).toEqual(logs.entries.map((e) => [e.kind, e.role]));

    expect(entries[0]).toMatchObject({ kind: 'prompt', role: 'user' });
    expect(entries[0]!.text).toContain(`You are Maestro session ${session.id}`);
    const text = entries.findIndex((e) => e.kind === 'text' && e.role === 'assistant');
    const call = entries.findIndex((e) => e.kind === 'tool_use' && e.role === 'assistant' && /mcp__maestro__\w+/.test(e.text));
    const result = entries.findIndex((e, i) => i > call && e.kind === 'tool_result' && e.role === 'tool');
    expect(text).toBeGreaterThan(0);
    expect(call).toBeGreaterThan(0);
    expect(result).toBeGreaterThan(call);
    // the last words are at the bottom
    expect(entries.at(-1)!.text).toContain('All done.');

    // the Refresh button reloads it, and every control has a name
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('button', { name: 'Refresh' }).waitFor();
    expect(await conv.locator('[data-testid=conversation-entry]').count()).toBe(entries.length);
    expect(await unlabelledControls(page)).toEqual([]);
  });

  it('says so when the session has no transcript yet', async () => {
    const launcher = server.svc.launcher;
    server.svc.launcher = null;
    let sessionId: string;
    try {
      const task = server.svc.tasks.create({ projectId: server.project.id, title: 'Unstarted' });
      sessionId = (await server.svc.spawn({ projectId: server.project.id, taskIds: [task.id], name: 'silent' })).session.id;
    } finally {
      server.svc.launcher = launcher;
    }
    await openPage(`${server.url}/sessions/${sessionId}`);
    await page.getByTestId('tab-conversation').click();
    await page.waitForURL(/\/conversation$/);
    const empty = page.getByTestId('conversation-empty');
    await empty.waitFor({ timeout: 10_000 });
    const shown = (await empty.textContent()) ?? '';
    expect(shown).toContain('No transcript yet: the agent has not started a conversation, or it is not Claude Code');
    expect(shown).toContain(`session ${sessionId} has no transcript yet`);
    expect(await page.getByTestId('conversation-entry').count()).toBe(0);
    await page.getByRole('button', { name: 'Refresh' }).waitFor();
  });
});
