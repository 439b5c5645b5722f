/**
 * `npm run screenshots`: screenshots of the dashboard's main pages, for review and the README.
 *
 * Starts a Maestro server on a throw-away MAESTRO_HOME, seeds a demo project (tasks with subtasks and
 * dependencies, sessions in every interesting state with timelines, a terminal recording), then drives
 * Debian's chromium through playwright-core and writes PNGs into `screenshots/` (git-ignored) at
 * 1280×800 and at a narrow 390×844. The browser signs in as `maestro open` does: the login link, with
 * the owner secret of that home in its fragment.
 *
 * Longer than our ~300-line rule on purpose: it is one straight script (seed, then one shot per page),
 * read top to bottom; split, its steps would only be passed back and forth.
 *
 *   node dist/scripts/screenshots.js [--out <dir>] [--chromium <path>] [--only <name,...>] [--keep]
 *
 * Needs the built dashboard (dist/web: `npm run build`).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startMaestro, type RunningMaestro } from '../src/app.js';
import type { MaestroService } from '../src/core/service.js';
import { createLogger } from '../src/log/logger.js';
import { Tmux } from '../src/pty/tmux.js';
import { readSecret } from '../src/security/secret.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const AGENT_JS = join(ROOT, 'dist', 'test', 'agent', 'agent.js');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-gpu',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

export interface DemoIds {
  projectId: string;
  tasks: Record<string, string>;
  sessions: Record<string, string>;
  /** A session running the scripted test agent in tmux, waiting for input (when tmux and the agent are there). */
  liveSession?: string;
}

type Priority = 'low' | 'medium' | 'high' | 'critical';

/** A project that looks like work in flight. Sessions are only records: no agent is started. */
export async function seedDemo(svc: MaestroService, workingDir: string): Promise<DemoIds> {
  const launcher = svc.launcher;
  svc.launcher = null;
  try {
    const project = svc.projects.create({ name: 'webshop', workingDir });
    svc.projects.create({ name: 'docs-site', workingDir });
    const p = project.id;
    const task = (title: string, extra: { priority?: Priority; parentId?: string; dependencies?: string[]; description?: string } = {}) =>
      svc.tasks.create({ projectId: p, title, ...extra }).id;

    const checkout = task('Ship the new checkout flow', {
      priority: 'high',
      description: 'Cart, payment and confirmation, behind the `checkout_v2` flag.',
    });
    const cart = task('Cart API endpoints', { parentId: checkout, priority: 'high' });
    const payment = task('Payment provider integration', { parentId: checkout, priority: 'critical', dependencies: [cart] });
    const email = task('Order confirmation email', { parentId: checkout, dependencies: [payment] });
    const e2e = task('End-to-end tests for checkout', { parentId: checkout, dependencies: [payment, email] });
    const rate = task('Rate-limit the login endpoint', {
      priority: 'critical',
      description: 'At most 5 attempts per minute per IP and per account.',
    });
    const cdn = task('Move product images to the CDN');
    const docs = task('Document the public REST API', { priority: 'low' });
    const flaky = task('Fix the flaky search test', { priority: 'high' });
    const dark = task('Dark mode for the admin panel', { priority: 'low' });
    const perf = task('Profile slow category pages');
    const index = task('Add missing index on products.category_id', { parentId: perf, priority: 'high' });

    const spawn = async (name: string, taskIds: string[], role: 'worker' | 'orchestrator' = 'worker', strategy: 'simple' | 'queue' = 'simple', parentSessionId: string | null = null) =>
      (await svc.spawn({ projectId: p, taskIds, role, strategy, name, agentCommand: 'claude', parentSessionId })).session.id;
    const running = (id: string) => svc.sessions.setStatus(id, 'running', { message: 'agent started' });

    const lead = await spawn('lead', [checkout], 'orchestrator');
    running(lead);
    svc.report(lead, 'progress', 'Split the checkout flow into 4 subtasks; spawning workers for cart and payment.', checkout);

    const search = await spawn('search-fix', [flaky], 'worker', 'simple', null);
    running(search);
    svc.report(search, 'progress', 'Reproduced: the test depends on index refresh timing.', flaky);
    svc.report(search, 'complete', 'Waits for the index refresh explicitly; 200 runs green.', flaky);

    const carts = await spawn('cart-api', [cart], 'worker', 'simple', lead);
    running(carts);
    svc.report(carts, 'progress', 'GET/POST/DELETE /cart/items done with tests.', cart);
    svc.report(carts, 'complete', 'Cart endpoints merged behind checkout_v2.', cart);

    const pay = await spawn('payments', [payment, email], 'worker', 'queue', lead);
    running(pay);
    svc.queue.start(pay);
    svc.report(pay, 'progress', 'Stripe client wired; webhook signature check in place.', payment);
    svc.report(pay, 'progress', 'Refund path implemented, 14 of 17 tests passing.', payment);

    const auth = await spawn('auth', [rate]);
    running(auth);
    svc.report(auth, 'progress', 'Token bucket per IP implemented in middleware.', rate);
    svc.report(auth, 'blocked', 'Redis is not reachable from the staging network; cannot test the shared limiter.', rate);

    const media = await spawn('media', [cdn]);
    running(media);
    svc.report(media, 'needs_input', 'Which bucket should images go to: prod-eu or prod-us? Both exist.', cdn);

    const idx = await spawn('db-index', [index]);
    running(idx);
    svc.report(idx, 'progress', 'EXPLAIN shows a seq scan on products; adding the index in a migration.', index);
    svc.sessions.setStatus(idx, 'idle', { message: 'agent is waiting at its prompt' });

    svc.tasks.update(dark, { status: 'cancelled' });
    svc.templates.create({
      name: 'reviewer',
      role: 'orchestrator',
      strategy: 'queue',
      agentCommand: 'claude',
      skills: ['code-review'],
      description: 'Reviews finished work and files follow-up tasks.',
    });
    svc.templates.create({ name: 'migrator', skills: ['migrations', 'testing'], description: 'Writes and checks database migrations.' });
    writeDemoSkills(svc.paths.skills, workingDir);
    writeDemoRecording(svc.paths.recording(pay));
    return {
      projectId: p,
      tasks: { checkout, cart, payment, email, e2e, rate, cdn, docs, flaky, dark, perf, index },
      sessions: { lead, search, carts, pay, auth, media, idx },
    };
  } finally {
    svc.launcher = launcher;
  }
}

/** Two global skills and a project one (the project's `.maestro/skills`). */
function writeDemoSkills(globalDir: string, workingDir: string): void {
  const projectDir = join(workingDir, '.maestro', 'skills', 'migrations');
  mkdirSync(globalDir, { recursive: true });
  mkdirSync(projectDir, { recursive: true });
  writeFileSync(
    join(globalDir, 'testing.md'),
    '---\ndescription: How we write and run tests\n---\n# Testing\n\n- Unit tests next to the code, `*.test.ts`.\n- Run `npm test` before reporting a task complete.\n',
  );
  writeFileSync(join(globalDir, 'code-review.md'), '# Code review\n\nRead the diff twice: once for what it does, once for what it forgets.\n');
  writeFileSync(
    join(projectDir, 'SKILL.md'),
    '---\ndescription: Database migrations in the webshop\n---\n# Migrations\n\n1. `npm run migrate:new <name>`\n2. Write `up` and `down`.\n3. `npm run migrate` against a copy of staging first.\n',
  );
}

/** An asciicast v2 file that looks like an agent at work. */
export function writeDemoRecording(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const header = { version: 2, width: 100, height: 26, timestamp: Math.floor(Date.now() / 1000) - 600, title: 'payments' };
  const lines: string[] = [JSON.stringify(header)];
  let t = 0;
  const out = (text: string, gap = 0.25) => {
    t += gap;
    lines.push(JSON.stringify([Number(t.toFixed(3)), 'o', text]));
  };
  out('\x1b[1;35m● Claude Code\x1b[0m  \x1b[2m(maestro session payments)\x1b[0m\r\n\r\n', 0.1);
  out('\x1b[36m>\x1b[0m Reading manifest \x1b[2m~/.maestro/sessions/…/manifest.json\x1b[0m\r\n');
  out('\x1b[32m✓\x1b[0m 2 tasks in queue: \x1b[1mPayment provider integration\x1b[0m, Order confirmation email\r\n', 0.4);
  out('\x1b[36m>\x1b[0m queue_start → \x1b[1mPayment provider integration\x1b[0m\r\n', 0.5);
  out('\r\n\x1b[2m$ npm test -- payments\x1b[0m\r\n', 0.8);
  for (let i = 1; i <= 9; i++)
    out(`  \x1b[32m✓\x1b[0m payments › charge ${['succeeds', 'declines card', 'retries 502', 'idempotency key', 'webhook signature', 'refund full', 'refund partial', 'currency rounding', 'metadata'][i - 1]} \x1b[2m(${12 + i * 7} ms)\x1b[0m\r\n`, 0.18);
  out('  \x1b[31m✗\x1b[0m payments › refund after capture timeout\r\n', 0.2);
  out('\r\n\x1b[1mTests:\x1b[0m \x1b[32m14 passed\x1b[0m, \x1b[31m3 failed\x1b[0m, 17 total\r\n', 0.5);
  out('\r\n\x1b[36m>\x1b[0m report_progress \x1b[2m"Refund path implemented, 14 of 17 tests passing."\x1b[0m\r\n', 1.2);
  out('\x1b[36m>\x1b[0m Editing \x1b[4msrc/payments/refund.ts\x1b[0m …\r\n', 0.9);
  out('\x1b[33m~\x1b[0m +18 −4 lines\r\n', 1.5);
  out('\r\n\x1b[35m❯\x1b[0m ', 0.6);
  writeFileSync(path, `${lines.join('\n')}\n`);
}

// ---- the run ------------------------------------------------------------------------------------------

interface Shot {
  name: string;
  path: (ids: DemoIds) => string;
  /** Runs after the page has loaded, before the picture. */
  prepare?: (page: Page, ids: DemoIds) => Promise<void>;
  skip?: (ids: DemoIds) => boolean;
  /** Taken without the login cookie (the sign-in screen). */
  signedOut?: boolean;
}

const SHOTS: Shot[] = [
  { name: 'sign-in', path: () => '/', signedOut: true },
  { name: 'tasks', path: (ids) => `/projects/${ids.projectId}/tasks` },
  { name: 'board', path: (ids) => `/projects/${ids.projectId}/tasks?view=board` },
  { name: 'task-details', path: (ids) => `/projects/${ids.projectId}/tasks/${ids.tasks.payment}` },
  {
    name: 'tasks-filtered',
    path: (ids) => `/projects/${ids.projectId}/tasks?status=todo,blocked,needs_input`,
  },
  {
    name: 'new-task',
    path: (ids) => `/projects/${ids.projectId}/tasks`,
    prepare: async (page) => {
      await page.getByTestId('new-task').click();
      await page.getByLabel('Title').fill('Add Apple Pay to the checkout');
      await page.getByLabel('Description').fill('Behind the same flag; reuse the Stripe client.');
    },
  },
  { name: 'sessions', path: (ids) => `/projects/${ids.projectId}/sessions` },
  { name: 'session', path: (ids) => `/sessions/${ids.sessions.pay}` },
  {
    name: 'replay',
    path: (ids) => `/sessions/${ids.sessions.pay}/replay`,
    prepare: async (page) => {
      await page.getByTestId('replay-speed').selectOption('16');
      await page.waitForFunction(() => document.querySelector('[data-testid=replay-play]')?.getAttribute('aria-label') !== 'Pause', null, {
        timeout: 15_000,
      });
    },
  },
  {
    name: 'terminal',
    path: (ids) => `/sessions/${ids.liveSession}/terminal`,
    skip: (ids) => !ids.liveSession,
    prepare: async (page, ids) => {
      await page.waitForFunction(
        (id: string) => (window as unknown as { __maestroTerminals?: Record<string, () => string> }).__maestroTerminals?.[id]?.().includes('Which colour'),
        ids.liveSession ?? '',
        { timeout: 15_000 },
      );
    },
  },
  {
    name: 'spawn',
    path: (ids) => `/projects/${ids.projectId}/tasks/${ids.tasks.docs}`,
    prepare: async (page) => {
      await page.getByTestId('panel-spawn').click();
    },
  },
  {
    name: 'palette',
    path: (ids) => `/projects/${ids.projectId}/tasks`,
    prepare: async (page) => {
      await page.keyboard.press('Control+k');
      await page.getByTestId('palette-input').fill('pay');
    },
  },
  { name: 'projects', path: () => '/projects' },
  { name: 'library', path: () => '/library' },
  { name: 'skill', path: () => '/library/skills/migrations' },
  {
    name: 'new-template',
    path: () => '/library',
    prepare: async (page) => {
      await page.getByTestId('new-template').click();
      await page.getByLabel('Name', { exact: true }).fill('docs-writer');
    },
  },
];

const VIEWPORTS: Array<{ suffix: string; width: number; height: number; dark?: boolean; shots?: string[] }> = [
  { suffix: '', width: 1280, height: 800 },
  { suffix: '-narrow', width: 390, height: 844 },
  { suffix: '-dark', width: 1280, height: 800, dark: true, shots: ['sign-in', 'tasks', 'board', 'sessions', 'session'] },
];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function shoot(browser: Browser, url: string, secret: string, ids: DemoIds, outDir: string, only: string[] | null): Promise<string[]> {
  const written: string[] = [];
  for (const vp of VIEWPORTS) {
    const context = await browser.newContext({
      viewport: { width: vp.width, height: vp.height },
      deviceScaleFactor: 1,
      colorScheme: vp.dark ? 'dark' : 'light',
      reducedMotion: 'reduce',
    });
    const page = await context.newPage();
    page.on('pageerror', (err) => process.stderr.write(`page error: ${err.message}\n`));
    page.on('console', (m) => process.env.SHOTS_DEBUG && process.stderr.write(`console: ${m.text()}\n`));
    let signedIn = false;
    for (const shot of SHOTS) {
      if ((only && !only.includes(shot.name)) || (vp.shots && !vp.shots.includes(shot.name)) || shot.skip?.(ids)) continue;
      if (process.env.SHOTS_DEBUG) process.stderr.write(`shot ${shot.name}${vp.suffix}\n`);
      if (shot.signedOut) {
        if (signedIn) await context.clearCookies();
        signedIn = false;
        await page.goto(url + shot.path(ids));
        await page.getByTestId('sign-in').waitFor({ timeout: 10_000 });
      } else {
        // The login link: the page trades the token for its cookie and takes it out of the address.
        if (!signedIn) await page.goto(`${url}${shot.path(ids)}#token=${encodeURIComponent(secret)}`);
        else await page.goto(url + shot.path(ids));
        signedIn = true;
        await page.getByTestId('conn').and(page.locator('[data-state=live]')).waitFor({ timeout: 10_000 });
      }
      await page.locator('.spinner').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
      if (shot.prepare) await shot.prepare(page, ids);
      await page.waitForTimeout(350);
      const file = join(outDir, `${shot.name}${vp.suffix}.png`);
      await page.screenshot({ path: file, fullPage: false });
      written.push(file);
    }
    await context.close();
  }
  return written;
}

async function main(): Promise<void> {
  const outDir = resolve(arg('--out') ?? join(ROOT, 'screenshots'));
  const executablePath = arg('--chromium') ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const only = arg('--only')?.split(',') ?? null;
  if (!existsSync(join(ROOT, 'dist', 'web', 'index.html'))) throw new Error('dist/web is missing: build the dashboard first (npm run build)');
  if (!existsSync(executablePath)) throw new Error(`no chromium at ${executablePath} (apt-get install -y chromium, or pass --chromium <path>)`);
  mkdirSync(outDir, { recursive: true });

  const home = mkdtempSync(join(tmpdir(), 'maestro-shots-'));
  const workdir = join(home, 'work');
  mkdirSync(workdir, { recursive: true });
  const logger = createLogger('maestro-shots', process.env.MAESTRO_LOG_LEVEL ?? 'warn');
  const tmux = Tmux.available();
  let maestro: RunningMaestro | null = null;
  let browser: Browser | null = null;
  try {
    // The server as `maestro serve` runs it: REST + events, MCP, the supervisor and its terminal routes, dist/web.
    maestro = await startMaestro({ home, port: 0, logger, supervisor: true });
    const ids = await seedDemo(maestro.svc, workdir);
    if (tmux && existsSync(AGENT_JS)) ids.liveSession = await startLiveAgent(maestro.svc, ids.projectId);
    else process.stderr.write('screenshots: no tmux or no dist/test/agent/agent.js: skipping the live terminal\n');
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    const secret = readSecret(home);
    if (!secret) throw new Error(`the server made no owner secret in ${home}`);
    const files = await shoot(browser, maestro.url, secret, ids, outDir, only);
    process.stdout.write(`${files.length} screenshots in ${outDir}\n${files.map((f) => `  ${f}`).join('\n')}\n`);
  } finally {
    await browser?.close();
    await maestro?.close();
    if (tmux) await new Tmux(join(home, 'tmux.sock'), join(home, 'tmux.conf')).killServer().catch(() => undefined);
    if (process.argv.includes('--keep')) process.stdout.write(`kept ${home}\n`);
    else rmSync(home, { recursive: true, force: true });
  }
}

/** The scripted test agent on a task: it reports progress, asks a question and waits at its prompt. */
async function startLiveAgent(svc: MaestroService, projectId: string): Promise<string> {
  const task = svc.tasks.create({ projectId, title: 'Pick the accent colour for the checkout button', priority: 'medium' });
  const { session } = await svc.spawn({
    projectId,
    taskIds: [task.id],
    name: 'ui-worker',
    agentCommand: `${process.execPath} ${AGENT_JS}`,
    env: { AGENT_STEP_MS: '150' },
  });
  const deadline = Date.now() + 20_000;
  while (svc.sessions.get(session.id).status !== 'needs_input') {
    if (Date.now() > deadline) throw new Error(`the scripted agent of ${session.id} did not ask its question in time`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return session.id;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`screenshots: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  });
}
