/**
 * Terminal and replay in a real browser: a session spawned from the page runs the scripted agent
 * (test/agent, built to dist/test/agent/agent.js) in tmux under the PTY supervisor; the page's xterm
 * shows its output over /ws/terminal/:id, sends keystrokes and its size back; recordings replay with
 * play, pause, seek and speed.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Session, Task } from '../src/core/types.js';
import { waitFor } from './helpers.js';
import { AGENT_JS, api, openPage, page, server, terminalText, useWebSuite } from './web-support.js';

beforeAll(() => {
  if (!existsSync(AGENT_JS)) throw new Error(`${AGENT_JS} is missing: build first (npx tsc -p tsconfig.json)`);
});
useWebSuite({ supervisor: true });

/** A session that is only a record (no agent started), to hang a recording on. */
async function recordOnlySession(name: string): Promise<Session> {
  const launcher = server.svc.launcher;
  server.svc.launcher = null;
  try {
    const task = server.svc.tasks.create({ projectId: server.project.id, title: `${name} task` });
    return (await server.svc.spawn({ projectId: server.project.id, taskIds: [task.id], name })).session;
  } finally {
    server.svc.launcher = launcher;
  }
}

describe('live terminal', { timeout: 90_000 }, () => {
  it("spawns the scripted agent from the page, shows its output, takes typed input and follows the window's size", async () => {
    const task = server.svc.tasks.create({ projectId: server.project.id, title: 'Paint the fence' });
    await openPage(`${server.url}/projects/${server.project.id}/tasks/${task.id}`);

    await page.getByTestId('panel-spawn').click();
    const dialog = page.getByTestId('spawn-dialog');
    await dialog.getByLabel('Agent command (optional)').fill(`${process.execPath} ${AGENT_JS}`);
    await dialog.getByTestId('spawn-submit').click();
    await page.waitForURL(/\/sessions\/ses_[^/]+$/);
    const sessionId = page.url().split('/').pop()!;

    await page.getByTestId('tab-terminal').click();
    await page.waitForURL(/\/terminal$/);
    await page.locator('[data-testid=terminal-state][data-state=connected]').waitFor({ timeout: 10_000 });
    const text = () => terminalText(page, sessionId);
    await waitFor(async () => (await text()).includes(`Maestro scripted agent: session ${sessionId}`), 20_000);
    await waitFor(async () => (await text()).includes('? Which colour should "Paint the fence" use?'), 20_000);
    await page.locator(`[data-testid=session-status][data-status=needs_input]`).waitFor({ timeout: 5000 });
    // and says why, live: a person is awaited
    expect(await page.getByTestId('session-reason').getAttribute('data-reason')).toBe('needs_input');
    expect(await page.getByTestId('session-reason').textContent()).toBe('waiting for you');

    // the agent's terminal has the size of the page's xterm
    const size = async () => (await page.getByLabel('Terminal size').textContent())!.split('×').map(Number);
    const [cols, rows] = await size();
    await waitFor(() => {
      const s = server.supervisor!.size(sessionId);
      return s && s.cols === cols && s.rows === rows;
    }, 5000);
    await page.setViewportSize({ width: 900, height: 700 });
    await waitFor(async () => (await size())[0]! < cols!, 5000);
    const [cols2, rows2] = await size();
    await waitFor(() => {
      const s = server.supervisor!.size(sessionId);
      return s && s.cols === cols2 && s.rows === rows2;
    }, 5000);

    // type the answer into the terminal
    await page.getByTestId('terminal').click();
    await page.keyboard.type('blue');
    await page.keyboard.press('Enter');
    await waitFor(async () => (await text()).includes('● Received: blue'), 20_000);
    await waitFor(async () => (await text()).includes('✓ Done: Paint the fence'), 20_000);
    await waitFor(async () => (await api<Task>('GET', `/api/tasks/${task.id}`)).status === 'done', 10_000);

    // the agent exits: the page says so, and keeps its last screen
    await page.locator('[data-testid=terminal-state][data-state=exited]').waitFor({ timeout: 20_000 });
    expect(await text()).toContain('All done.');
    await page.locator('[data-testid=session-status][data-status=completed]').waitFor({ timeout: 10_000 });

    // and its recording replays what happened
    await page.getByTestId('tab-replay').click();
    await page.getByTestId('replay-speed').selectOption('16');
    await waitFor(async () => (await page.getByTestId('replay-play').getAttribute('aria-label')) === 'Replay from the start', 20_000);
    const replayed = await terminalText(page, `replay:${sessionId}`);
    expect(replayed).toContain('? Which colour should "Paint the fence" use?');
    expect(replayed).toContain('● Received: blue');
    expect(replayed).toContain('All done.');
  });
});

describe('terminal scrollback', { timeout: 60_000 }, () => {
  it('opens with what scrolled off the screen above it, and the screen where the agent draws', async () => {
    const task = server.svc.tasks.create({ projectId: server.project.id, title: 'Count to 200' });
    const { session } = await server.svc.spawn({
      projectId: server.project.id,
      taskIds: [task.id],
      agentCommand: 'for i in $(seq 1 200); do echo line-$i; done; while read l; do echo "got:$l"; done',
    });
    await waitFor(async () => (await server.supervisor!.screen(session.id)).includes('line-200'), 10_000);
    await openPage(`${server.url}/sessions/${session.id}/terminal`);
    await page.locator('[data-testid=terminal-state][data-state=connected]').waitFor({ timeout: 10_000 });
    const text = () => terminalText(page, session.id);
    await waitFor(async () => (await text()).includes('line-200'), 10_000);

    // typed on the row after line-200, as in the agent's terminal: the screen lines up with tmux's
    await page.getByTestId('terminal').click();
    await page.keyboard.type('abc');
    await page.keyboard.press('Enter');
    await waitFor(async () => (await text()).includes('got:abc'), 10_000);
    expect((await text()).split('\n')).toEqual([...Array.from({ length: 200 }, (_, i) => `line-${i + 1}`), 'abc', 'got:abc']);
  });
});

describe('replay', { timeout: 60_000 }, () => {
  it('plays a recording with play, pause, seek and speed, and a progress indicator', async () => {
    const session = await recordOnlySession('recorded');
    const cast = [
      { version: 2, width: 80, height: 24, timestamp: Math.floor(Date.now() / 1000) },
      [0.1, 'o', 'hello '],
      [0.5, 'o', '\u001b[32mworld\u001b[0m\r\n'],
      [0.6, 'm', 'a marker'],
      [1.0, 'r', '100x30'],
      [2.0, 'o', 'step two\r\n'],
      [3.0, 'o', 'the end\r\n'],
    ];
    const file = server.svc.paths.recording(session.id);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, cast.map((l) => JSON.stringify(l)).join('\n') + '\n');

    await openPage(`${server.url}/sessions/${session.id}/replay`);
    const text = () => terminalText(page, `replay:${session.id}`);
    const time = page.getByTestId('replay-time');
    const pos = async () => Number(await time.getAttribute('data-pos'));
    const play = page.getByTestId('replay-play');

    // it starts playing at 1×: the first output comes, the end is still ahead
    await waitFor(async () => (await text()).includes('hello world'), 5000);
    expect(await time.getAttribute('data-duration')).toBe('3.00');
    expect(await play.getAttribute('aria-label')).toBe('Pause');
    expect(await text()).not.toContain('the end');

    // pause: the position stops moving
    await play.click();
    await waitFor(async () => (await play.getAttribute('aria-label')) === 'Play', 2000);
    await page.waitForTimeout(100);
    const paused = await pos();
    await page.waitForTimeout(600);
    expect(await pos()).toBe(paused);
    expect(await text()).not.toContain('the end');

    // seek to the end with the progress bar
    await page.getByLabel('Playback position').evaluate((el: HTMLInputElement) => {
      el.value = '3';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await waitFor(async () => (await text()).includes('the end'), 2000);
    expect(await pos()).toBe(3);
    expect(await page.getByLabel('Playback position').getAttribute('aria-valuetext')).toBe('0:03 of 0:03');

    // seek back: the screen is redrawn up to there
    await page.getByLabel('Playback position').evaluate((el: HTMLInputElement) => {
      el.value = '0.7';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await waitFor(async () => !(await text()).includes('the end') && (await text()).includes('hello world'), 2000);

    // at 16× the remaining 2.3 s take a fraction of a second
    await page.getByLabel('Playback speed').selectOption('16');
    const started = Date.now();
    await play.click();
    await waitFor(async () => (await text()).includes('the end'), 3000);
    expect(Date.now() - started).toBeLessThan(1500);
    await waitFor(async () => (await play.getAttribute('aria-label')) === 'Replay from the start', 2000);

    // play again starts over
    await play.click();
    await waitFor(async () => (await pos()) < 3, 2000);
  });

  it('says so when a session has no recording', async () => {
    const session = await recordOnlySession('unrecorded');
    await openPage(`${server.url}/sessions/${session.id}/replay`);
    await page.getByTestId('replay-empty').waitFor();
    expect(await page.getByTestId('replay-empty').textContent()).toMatch(/no terminal recording/i);
  });
});
