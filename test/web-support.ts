/**
 * Shared by the browser tests (test/web-*.test.ts): the built dashboard, a real Maestro server
 * serving it (optionally with the PTY supervisor and its terminal routes), and Debian's chromium
 * driven through playwright-core.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { MaestroService } from '../src/core/service.js';
import type { Project } from '../src/core/types.js';
import { startServer, type RunningServer } from '../src/http/server.js';
import { mcpHttpExtension } from '../src/mcp/http.js';
import { ptyHttpExtension } from '../src/pty/http.js';
import { Supervisor } from '../src/pty/supervisor.js';
import { Tmux } from '../src/pty/tmux.js';
import { ROOT, tempHome } from './helpers.js';
import { FAST_TIMING, silentLogger } from './pty-support.js';

export const WEB_ROOT = join(ROOT, 'dist', 'web');
export const AGENT_JS = join(ROOT, 'dist', 'test', 'agent', 'agent.js');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-gpu',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/**
 * Builds the dashboard into dist/web when it is missing or older than its sources (`npm test` builds
 * it first; this keeps `npx vitest run test/web` honest on its own). A lock directory keeps test
 * files running in parallel from building at the same time.
 */
export async function ensureWebBuilt(): Promise<void> {
  const index = join(WEB_ROOT, 'index.html');
  const fresh = () =>
    existsSync(index) && statSync(index).mtimeMs >= Math.max(newestMtime(join(ROOT, 'web')), newestMtime(join(ROOT, 'vite.config.ts')));
  if (fresh()) return;
  const lock = join(ROOT, 'dist', '.web-build.lock');
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}; remove it if no build is running`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (!fresh())
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
  } finally {
    rmdirSync(lock);
  }
}

export interface DashboardServer {
  url: string;
  port: number;
  home: string;
  workdir: string;
  svc: MaestroService;
  supervisor: Supervisor | null;
  project: Project;
  /** Stops the server (the home stays), as when it is restarted. */
  stop(): Promise<void>;
  /** Starts it again on the same home and port. */
  start(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * The server as `maestro serve` wires it (core service, REST + /ws events, MCP over HTTP and, with
 * `supervisor`, the PTY supervisor with its terminal routes) on a temp MAESTRO_HOME, serving the built
 * dashboard from dist/web, with one project whose working directory exists.
 *
 * (Not test/helpers.ts startTestServer: under vitest the server module resolves its default web root
 * next to the TypeScript sources, i.e. to web/ (the unbuilt sources), and startMaestro does not take
 * a web root nor mount the terminal routes yet.)
 */
export async function startDashboardServer(opts: { supervisor?: boolean } = {}): Promise<DashboardServer> {
  const home = tempHome('maestro-web-');
  const workdir = join(home, 'work');
  mkdirSync(workdir, { recursive: true });
  let svc = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:0' });
  const project = svc.projects.create({ name: 'webshop', workingDir: workdir });
  let supervisor: Supervisor | null = null;
  let server: RunningServer | null = null;
  let port = 0;

  const start = async () => {
    if (!svc.db.open) svc = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:0' });
    if (opts.supervisor) {
      supervisor = new Supervisor({ svc, logger: silentLogger(), timing: FAST_TIMING });
      svc.launcher = supervisor;
      await supervisor.start();
    }
    const extensions = [mcpHttpExtension, ...(supervisor ? [ptyHttpExtension(supervisor)] : [])];
    server = await startServer({ svc, port, logger: silentLogger(), webRoot: WEB_ROOT, extensions });
    port = server.port;
    ds.url = server.url;
    ds.port = port;
    ds.svc = svc;
    ds.supervisor = supervisor;
  };
  const stop = async () => {
    await supervisor?.close();
    supervisor = null;
    await server?.close();
    server = null;
    svc.close();
  };
  const ds: DashboardServer = {
    url: '',
    port: 0,
    home,
    workdir,
    svc,
    supervisor: null,
    project,
    stop,
    start,
    dispose: async () => {
      await stop();
      if (opts.supervisor) await new Tmux(join(home, 'tmux.sock'), join(home, 'tmux.conf')).killServer().catch(() => undefined);
      rmSync(home, { recursive: true, force: true });
    },
  };
  await start();
  return ds;
}

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Fails the test on any uncaught error in the page; returns the errors seen so far. */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

/** Waits until the dashboard's live socket is connected. */
export async function waitLive(page: Page, timeout = 10_000): Promise<void> {
  await page.locator('[data-testid=conn][data-state=live]').waitFor({ timeout });
}

/** Text of a mounted xterm (live terminal by session id, or `replay:<id>`), from its buffer. */
export function terminalText(page: Page, key: string): Promise<string> {
  return page.evaluate((k) => window.__maestroTerminals?.[k]?.() ?? '', key);
}

declare global {
  interface Window {
    __maestroTerminals?: Record<string, () => string>;
  }
}

/**
 * Every control a user can reach (buttons, links, inputs, selects, textareas, role=combobox/option)
 * that has no accessible name. A small stand-in for an axe run: label, aria-label(ledby), title, or
 * text content for buttons and links.
 */
export function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const visible = (el: Element) => {
      const r = (el as HTMLElement).getBoundingClientRect();
      const style = getComputedStyle(el);
      return r.width > 0 && r.height > 0 && style.visibility !== 'hidden' && style.display !== 'none';
    };
    const nameOf = (el: Element): string => {
      const aria = el.getAttribute('aria-label');
      if (aria?.trim()) return aria.trim();
      const by = el.getAttribute('aria-labelledby');
      if (by) {
        const text = by
          .split(/\s+/)
          .map((id) => document.getElementById(id)?.textContent ?? '')
          .join(' ')
          .trim();
        if (text) return text;
      }
      const labels = (el as HTMLInputElement).labels;
      if (labels && labels.length) {
        const text = [...labels].map((l) => l.textContent ?? '').join(' ').trim();
        if (text) return text;
      }
      const tag = el.tagName.toLowerCase();
      if (tag === 'button' || tag === 'a' || el.getAttribute('role') === 'option') {
        const text = (el.textContent ?? '').trim();
        if (text) return text;
      }
      return el.getAttribute('title')?.trim() ?? '';
    };
    const controls = document.querySelectorAll('button, a[href], input:not([type=hidden]), select, textarea, [role=combobox], [role=option]');
    return [...controls]
      .filter((el) => visible(el) && !el.closest('.xterm'))
      .filter((el) => !nameOf(el))
      .map((el) => el.outerHTML.slice(0, 140));
  });
}

/** How far the page scrolls sideways (0 when it fits the window). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}
