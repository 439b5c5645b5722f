/**
 * Shared by the browser tests (test/web-*.test.ts): the built dashboard, a real Maestro server
 * serving it (the composition root, optionally with the PTY supervisor and its terminal routes),
 * Debian's chromium driven through playwright-core, and the suite hooks that tie them together.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import type { MaestroService } from '../src/core/service.js';
import type { Project } from '../src/core/types.js';
import type { Supervisor } from '../src/pty/supervisor.js';
import { readSecret } from '../src/security/secret.js';
import { CHROMIUM_ARGS } from '../scripts/screenshots.js';
import { ROOT, startTestServer, type TestServer } from './helpers.js';
import { FAST_TIMING, killTmuxServer } from './pty-support.js';

export const WEB_ROOT = join(ROOT, 'dist', 'web');
export const AGENT_JS = join(ROOT, 'dist', 'test', 'agent', 'agent.js');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

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
  readonly url: string;
  readonly port: number;
  readonly home: string;
  readonly svc: MaestroService;
  readonly supervisor: Supervisor | null;
  /** The owner secret (`$MAESTRO_HOME/secret`): what the login link carries and the test's API calls send. */
  readonly secret: string;
  /** An existing directory, the working directory of `project`. */
  workdir: string;
  project: Project;
  /** Stops the server and starts it again on the same home and port after `downMs` (as TestServer.restart). */
  restart(downMs?: number): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * The server as `maestro serve` runs it (test/helpers.ts startTestServer: the composition root, with
 * the PTY supervisor and fast state detection when `supervisor`), serving the built dashboard from
 * dist/web, on a temp MAESTRO_HOME with one project whose working directory exists (`empty`: with no
 * project at all, as a new user's first server; reading `project` then throws until a test sets it).
 */
export async function startDashboardServer(opts: SuiteOptions = {}): Promise<DashboardServer> {
  let server: TestServer = await startTestServer(opts.supervisor ? { supervisor: true, supervisorTiming: FAST_TIMING } : {});
  const workdir = join(server.home, 'work');
  mkdirSync(workdir, { recursive: true });
  let project: Project | undefined = opts.empty ? undefined : server.svc.projects.create({ name: 'webshop', workingDir: workdir });
  return {
    get url() {
      return server.url;
    },
    get port() {
      return server.server.port;
    },
    get home() {
      return server.home;
    },
    get svc() {
      return server.svc;
    },
    get supervisor() {
      return server.supervisor;
    },
    get secret() {
      const secret = readSecret(server.home);
      if (!secret) throw new Error(`no owner secret in ${server.home}`);
      return secret;
    },
    workdir,
    get project() {
      if (!project) throw new Error('this suite started an empty server (useWebSuite({ empty: true })): it has no project');
      return project;
    },
    set project(p: Project) {
      project = p;
    },
    restart: async (downMs = 0) => {
      server = await server.restart(downMs);
    },
    dispose: async () => {
      await server.close();
      if (opts.supervisor) await killTmuxServer(server.home).catch(() => undefined);
      rmSync(server.home, { recursive: true, force: true });
    },
  };
}

/** How `useWebSuite` / `startDashboardServer` set up the server. */
export interface SuiteOptions {
  /** With the PTY supervisor and its terminal routes. */
  supervisor?: boolean;
  /** No project at all (the default server has one, `webshop`). */
  empty?: boolean;
}

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

// ---- the suite ------------------------------------------------------------------------------------------

/*
 * What the running test drives. Live bindings: `useWebSuite`'s hooks and `openPage` set them, and the
 * test files read them through their imports (ES modules see the current value).
 */
export let browser: Browser;
export let server: DashboardServer;
export let context: BrowserContext | undefined;
export let page: Page;
export let pageErrors: string[] = [];

/**
 * Registers the hooks of a browser test file: builds the dashboard if needed, starts chromium and a
 * dashboard server for the file, and after each test closes its page and fails it on any error the
 * page threw.
 */
export function useWebSuite(opts: SuiteOptions = {}): void {
  beforeAll(async () => {
    await ensureWebBuilt();
    [browser, server] = await Promise.all([launchChromium(), startDashboardServer(opts)]);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  beforeEach(() => {
    pageErrors = [];
  });

  afterEach(async () => {
    await context?.close();
    context = undefined;
    expect(pageErrors).toEqual([]);
  });
}

/** `url` as the login link `maestro open` gives: the owner secret in the fragment (`#token=…`). */
export function loginLink(url: string, token = server.secret): string {
  const u = new URL(url);
  u.hash = `token=${encodeURIComponent(token)}`;
  return u.toString();
}

/**
 * A fresh browser context and page at `url`, signed in through the login link (the page trades the
 * token for its cookie and takes it out of the address), once the dashboard's live socket is connected.
 * `signedIn: false` opens `url` as it is, with no cookie.
 */
export async function openPage(
  url: string,
  viewport = { width: 1280, height: 800 },
  opts: { signedIn?: boolean; prepare?: (context: BrowserContext) => Promise<void> } = {},
): Promise<void> {
  context = await browser.newContext({ viewport });
  // Before the first page loads: permissions, init scripts (`prepare`).
  await opts.prepare?.(context);
  page = await context.newPage();
  pageErrors = watchPageErrors(page);
  if (opts.signedIn === false) {
    await page.goto(url);
    return;
  }
  await page.goto(loginLink(url));
  await waitLive(page);
}

/** Headers of the test's own requests: the owner's credential (as the CLI sends it). */
export const ownerHeaders = (): Record<string, string> => ({ authorization: `Bearer ${server.secret}` });

/** The server's REST API, from the test (not the page), as the owner: JSON in, JSON out, any HTTP error throws. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(server.url + path, {
    method,
    headers: body === undefined ? ownerHeaders() : { ...ownerHeaders(), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
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
