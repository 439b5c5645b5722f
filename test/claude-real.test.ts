/**
 * The real Claude Code CLI (npm `@anthropic-ai/claude-code`) under the real server and supervisor:
 * tmux, node-pty, `--settings` hooks, `--mcp-config` bridge, screen detector.
 *
 * Claude runs offline on purpose: its HTTPS proxy is a closed port on 127.0.0.1, so it can never
 * reach Anthropic (and these tests behave the same with or without a network), and it gets a
 * private HOME (its ~/.claude and ~/.claude.json in a temp dir), so nothing of the developer's own
 * Claude set-up is read or changed. What it shows then: a first start that cannot connect (it
 * exits 1), the folder trust dialog, its prompt with "Not logged in · Please run /login", /mcp and
 * /login.
 *
 * Skipped only when no `claude` binary is found: on PATH, then (a developer convenience) in
 * /tmp/claude-cli/node_modules/.bin. `.ci/run` installs it when it can.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, appendFileSync, constants, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Session, TimelineEvent } from '../src/core/types.js';
import type { HookDelivery } from '../src/pty/hooks/contract.js';
import { claudeDetector, classifyScreen, screenReason } from '../src/pty/detectors/index.js';
import type { Supervisor } from '../src/pty/supervisor.js';
import { ownerApi, ROOT, startTestServer, type TestServer } from './helpers.js';
import { FAST_TIMING, killTmuxServer, until } from './pty-support.js';

const DEV_CLAUDE_DIR = '/tmp/claude-cli/node_modules/.bin';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The `claude` binary: the first on PATH, else the developer's copy in /tmp/claude-cli; null when none. */
function findClaude(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), DEV_CLAUDE_DIR];
  for (const dir of dirs) {
    const path = join(dir, 'claude');
    if (executable(path)) return path;
  }
  return null;
}

const CLAUDE = findClaude();
const NO_CLAUDE = CLAUDE === null;
const SKIP_NOTE = NO_CLAUDE ? ` [skipped: no \`claude\` binary on PATH or in ${DEV_CLAUDE_DIR}; install @anthropic-ai/claude-code]` : '';
if (NO_CLAUDE) console.warn(`test/claude-real.test.ts:${SKIP_NOTE}`);

/** Claude's own configuration from the environment must not leak in (a key, or CLAUDE_CONFIG_DIR, would change every screen). */
const CLAUDE_ENV = /^(ANTHROPIC_|CLAUDE_|CLAUDECODE$|AWS_BEARER_TOKEN_BEDROCK$)/;
let savedEnv: Record<string, string> = {};
let claudeVersion = '(unknown)';
/** A port on 127.0.0.1 with nothing listening: Claude's HTTPS proxy, so every request it makes is refused. */
let deadPort = 0;

beforeAll(async () => {
  if (NO_CLAUDE) return;
  for (const file of [join(ROOT, 'dist', 'src', 'cli', 'main.js'), join(ROOT, 'dist', 'src', 'cli', 'hook-main.js')])
    if (!statSync(file, { throwIfNoEntry: false })) throw new Error(`${file} is missing: build first (npx tsc -p tsconfig.json)`);
  savedEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (CLAUDE_ENV.test(k) && v !== undefined) savedEnv[k] = v;
  for (const k of Object.keys(savedEnv)) delete process.env[k];
  deadPort = await new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
  const home = mkdtempSync(join(tmpdir(), 'maestro-claude-version-'));
  try {
    claudeVersion = execFileSync(CLAUDE!, ['--version'], { env: { ...process.env, ...offlineEnv(home) }, encoding: 'utf8', timeout: 30_000 }).trim();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  return () => {
    Object.assign(process.env, savedEnv);
  };
});

/** The session environment that keeps Claude offline and in its own HOME. */
function offlineEnv(home: string): Record<string, string> {
  const proxy = `http://127.0.0.1:${deadPort}`;
  return {
    HOME: home,
    HTTPS_PROXY: proxy,
    HTTP_PROXY: proxy,
    https_proxy: proxy,
    http_proxy: proxy,
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
    // Never let a test touch the installed binary (the updater would fail offline anyway).
    DISABLE_AUTOUPDATER: '1',
  };
}

interface World {
  server: TestServer;
  supervisor: Supervisor;
  workdir: string;
  projectId: string;
  /** Claude's HOME. */
  claudeHome: string;
  /** Every hook delivery the server received, in order. */
  hooks: { sessionId: string; delivery: HookDelivery }[];
}

let world: World | null = null;

afterEach(async () => {
  if (!world) return;
  const w = world;
  world = null;
  const dump = process.env.MAESTRO_CLAUDE_DUMP; // a file to append every session's story to (for a person studying the binary)
  if (dump) for (const s of w.server.svc.sessions.list()) appendFileSync(dump, `\n=== ${expect.getState().currentTestName}\n${await describeState(w, s.id)}\n`);
  await w.server.close();
  await killTmuxServer(w.server.home);
  // Claude outlives its terminal for a moment, writing into its HOME (transcript, logs): wait for it
  // (it runs with the session's files under the server's home on its command line), or it recreates
  // what is removed.
  await endProcesses(w.server.home);
  await rm(w.server.home, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
  await rm(w.claudeHome, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
});

/** The ids of processes whose command line mentions `marker`. */
function processesWith(marker: string): number[] {
  const out = execFileSync('ps', ['-ww', '-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.includes(marker))
    .map((line) => Number.parseInt(line, 10))
    .filter((pid) => Number.isInteger(pid) && pid !== process.pid);
}

/** Waits for the processes started for a test (named by `marker`) to end; kills those still there after 5 s. */
async function endProcesses(marker: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (processesWith(marker).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of processesWith(marker)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
  }
  await until(() => processesWith(marker).length === 0, 5000, `the processes of ${marker} to end`);
}

type ClaudeSetup = 'fresh' | 'onboarded' | 'trusted';

async function startWorld(setup: ClaudeSetup, opts: { timing?: 'fast' | 'default' } = {}): Promise<World> {
  const server = await startTestServer({
    supervisor: true,
    supervisorTiming: opts.timing === 'default' ? undefined : FAST_TIMING,
    agentCommand: CLAUDE!,
  });
  const workdir = join(server.home, 'work');
  mkdirSync(workdir, { recursive: true });
  const claudeHome = mkdtempSync(join(tmpdir(), 'maestro-claude-home-'));
  if (setup !== 'fresh') {
    // What Claude Code 2.x writes once its first-start screens (theme, login) are done; with it, a
    // start goes straight to the folder trust dialog. `trusted`: that dialog was answered too.
    const config: Record<string, unknown> = { hasCompletedOnboarding: true, theme: 'dark' };
    if (setup === 'trusted') {
      const project = { hasTrustDialogAccepted: true, projectOnboardingSeenCount: 1 };
      config.projects = Object.fromEntries([...new Set([workdir, realpathSync(workdir)])].map((dir) => [dir, project]));
    }
    writeFileSync(join(claudeHome, '.claude.json'), `${JSON.stringify(config, null, 2)}\n`);
  }
  const supervisor = server.supervisor!;
  const hooks: World['hooks'] = [];
  const ingest = supervisor.ingestHooks.bind(supervisor);
  // A spy on the real path (the HTTP route calls it): records what the real binary fired.
  supervisor.ingestHooks = (sessionId, deliveries) => {
    for (const delivery of deliveries) hooks.push({ sessionId, delivery });
    return ingest(sessionId, deliveries);
  };
  const w: World = {
    server,
    supervisor,
    workdir,
    projectId: server.svc.projects.create({ name: 'claude-real', workingDir: workdir }).id,
    claudeHome,
    hooks,
  };
  world = w;
  return w;
}

const api = <T = any>(w: World, method: string, path: string, body?: unknown) => ownerApi<T>(w.server, method, path, body);

const session = (w: World, id: string): Session => w.server.svc.sessions.get(id);
const timeline = (w: World, id: string): TimelineEvent[] => w.server.svc.sessions.timeline(id);

/** Spawns Claude through the API, as the owner would, with one task to work on. */
async function spawnClaude(w: World): Promise<Session> {
  const task = w.server.svc.tasks.create({ projectId: w.projectId, title: 'Write the README' });
  const res = await api<{ session: Session }>(w, 'POST', '/api/sessions', {
    project: w.projectId,
    taskIds: [task.id],
    name: 'real-claude',
    env: offlineEnv(w.claudeHome),
  });
  if (res.status !== 201) throw new Error(`spawn failed (${res.status}): ${JSON.stringify(res.body)}`);
  return res.body.session;
}

/** Screen, status, timeline and hooks of a session: what a failure message needs to be understood. */
async function describeState(w: World, id: string): Promise<string> {
  const screen = await w.supervisor.screen(id).catch((err: Error) => `(no screen: ${err.message})`);
  const s = session(w, id);
  const events = timeline(w, id).map((e) => `${e.createdAt.slice(11, 23)} ${e.kind}: ${e.message}${e.data ? ` ${JSON.stringify(e.data)}` : ''}`);
  const hooks = w.hooks.filter((h) => h.sessionId === id).map((h) => `${h.delivery.firedAt.slice(11, 23)} ${h.delivery.event} ${JSON.stringify(h.delivery.payload)}`);
  return [
    `claude: ${CLAUDE} (${claudeVersion})`,
    `session ${id}: status ${s.status}, stateReason ${s.stateReason}, exitCode ${s.exitCode}, agentSessionId ${s.agentSessionId}, transcriptPath ${s.transcriptPath}`,
    '--- screen ---',
    screen.replace(/\n{3,}/g, '\n\n').trimEnd(),
    '--- timeline ---',
    ...events,
    '--- hooks received ---',
    ...(hooks.length ? hooks : ['(none)']),
  ].join('\n');
}

/** Waits for `check`; on a timeout, the error says what the session's screen, timeline and hooks showed. */
async function eventually<T>(w: World, id: string, check: () => T | Promise<T>, timeoutMs: number, what: string): Promise<NonNullable<T>> {
  try {
    return await until(check, timeoutMs, what);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${await describeState(w, id)}`);
  }
}

/** Waits for the screen to match; returns it. */
const onScreen = (w: World, id: string, pattern: RegExp, timeoutMs = 30_000): Promise<string> =>
  eventually(
    w,
    id,
    async () => {
      const screen = await w.supervisor.screen(id);
      return pattern.test(screen) ? screen : null;
    },
    timeoutMs,
    `${pattern} on the screen`,
  );

/** What the Claude detector makes of a live screen: its verdict, deciding pattern and reason. */
const judged = (screen: string) => ({ ...classifyScreen(claudeDetector, screen), because: screenReason(claudeDetector, screen)?.pattern ?? null });

const inStatus = (w: World, id: string, status: Session['status'], reason: Session['stateReason'], timeoutMs = 30_000) =>
  eventually(
    w,
    id,
    () => {
      const s = session(w, id);
      return s.status === status && s.stateReason === reason;
    },
    timeoutMs,
    `status ${status} with stateReason ${reason}`,
  );

/** The agent has exited and the supervisor has settled its session. */
const exited = (w: World, id: string) => timeline(w, id).find((e) => e.kind === 'agent_state' && e.data?.state === 'exited');

/** Types into Claude's terminal through the owner's API (what the dashboard's terminal does). */
async function type(w: World, id: string, data: string): Promise<void> {
  const res = await api(w, 'POST', `/api/sessions/${id}/input`, { data });
  if (res.status !== 200) throw new Error(`input failed (${res.status}): ${JSON.stringify(res.body)}`);
}

/** Claude's reply to the first prompt when nobody is logged in, and its status line under the input box. */
const NOT_LOGGED_IN = /⎿\s*Not logged in · Please run \/login[\s\S]*\n\s*❯[^\n]*\n[\s\S]*Not logged in · [Rr]un \/login/;

/**
 * The folder trust dialog. Its cursor starts on "❯ 1. Yes, I trust this folder" in 2.1.1xx, and on
 * "❯ No, exit" (Yes second, no numbers) in 2.1.3xx, where Enter alone would quit.
 */
const TRUST_DIALOG = /Quick safety check: Is this a project you created or one you trust\?[\s\S]*Yes, I trust this folder[\s\S]*Enter to confirm/;
const ON_YES = /^[ \t]*❯[ \t]*(?:\d\.[ \t]*)?Yes, I trust this folder/m;

/** Answers the folder trust dialog with Yes: the cursor down to it, then Enter; again if a key got lost. */
async function trustFolder(w: World, id: string): Promise<void> {
  const screen = () => w.supervisor.screen(id);
  for (let attempt = 1; ; attempt++) {
    await onScreen(w, id, TRUST_DIALOG);
    for (let downs = 0; !ON_YES.test(await screen()) && downs < 3; downs++) {
      w.supervisor.write(id, '\x1b[B'); // Down
      await until(async () => ON_YES.test(await screen()), 2000).catch(() => {}); // looked at again above
    }
    if (ON_YES.test(await screen())) {
      w.supervisor.write(id, '\r');
      const gone = await until(async () => !TRUST_DIALOG.test(await screen()), 5000).then(() => true, () => false);
      if (gone) return;
    }
    if (attempt === 3) throw new Error(`could not answer the trust dialog with Yes\n${await describeState(w, id)}`);
  }
}

/**
 * Spawns Claude on an onboarded HOME and answers its folder trust dialog with Yes. Once, in CI on two
 * busy cores, 2.1.332 quit with code 1 while its dialog was up, 0.2 s after drawing it and before anything
 * was typed (nothing reached its terminal; no hook ran). A start the binary abandons by itself is retried
 * once, and said so; anything else fails as before.
 */
async function spawnTrusted(w: World): Promise<Session> {
  for (let attempt = 1; ; attempt++) {
    const s = await spawnClaude(w);
    try {
      await trustFolder(w, s.id);
      return s;
    } catch (err) {
      const quit = session(w, s.id);
      if (attempt >= 2 || quit.status !== 'failed' || quit.stateReason !== 'trust_prompt') throw err;
      console.warn(`claude ${s.id} quit by itself at its trust dialog (exit ${quit.exitCode}); starting it once more`);
    }
  }
}

/** Claude on an onboarded HOME whose folder is trusted, up to its first reply. */
async function atPrompt(w: World, id: string): Promise<string> {
  const screen = await onScreen(w, id, NOT_LOGGED_IN);
  // at rest at its input box, not logged in
  expect(judged(screen), screen).toMatchObject({ verdict: 'idle', reason: 'login_required', because: 'not-logged-in' });
  return screen;
}

/** Types a slash command, waits for its line in the input box, and submits it. */
async function slash(w: World, id: string, command: string): Promise<void> {
  await type(w, id, command);
  await onScreen(w, id, new RegExp(`^❯\\s*${command.replace('/', '\\/')}\\s*$`, 'm'));
  await type(w, id, '\r');
}

describe(`the real Claude Code CLI under the supervisor, offline${SKIP_NOTE}`, { timeout: 120_000 }, () => {
  it.skipIf(NO_CLAUDE)(`a first start in a fresh HOME cannot connect and exits 1: failed, offline${SKIP_NOTE}`, async () => {
    // The server's own detection timing, as in production: Claude draws its error and exits about
    // 0.1 s later, before the screen is read, so the reason must come from what was recorded.
    const w = await startWorld('fresh', { timing: 'default' });
    const s = await spawnClaude(w);
    const exit = await eventually(w, s.id, () => exited(w, s.id), 60_000, 'claude to exit');
    const story = await describeState(w, s.id);
    expect(session(w, s.id), story).toMatchObject({ status: 'failed', exitCode: 1, stateReason: 'offline' });
    expect(exit.message, story).toContain('agent exited with code 1: offline: Unable to connect to Anthropic services');
    expect(exit.message, story).toContain('(ECONNREFUSED)'); // its request went to the dead proxy on 127.0.0.1
    expect(exit.data, story).toMatchObject({ exitCode: 1, stateReason: 'offline' });
  });

  it.skipIf(NO_CLAUDE)(`an onboarded HOME starts at the folder trust dialog: needs_input, trust_prompt${SKIP_NOTE}`, async () => {
    const w = await startWorld('onboarded');
    const s = await spawnClaude(w);
    const screen = await onScreen(w, s.id, TRUST_DIALOG);
    expect(judged(screen), screen).toEqual({ verdict: 'needs_input', pattern: 'trust-folder', reason: 'trust_prompt', because: 'trust-folder' });
    await inStatus(w, s.id, 'needs_input', 'trust_prompt');
    const status = timeline(w, s.id).filter((e) => e.kind === 'status').at(-1)!;
    expect(status.message).toMatch(/^detected needs_input \(trust_prompt\): Quick safety check/);
    // Claude runs no hook before the folder is trusted.
    expect(w.hooks).toEqual([]);
  });

  it.skipIf(NO_CLAUDE)(`once trusted, Claude's hooks reach Maestro and /mcp lists maestro as connected${SKIP_NOTE}`, async () => {
    const w = await startWorld('onboarded');
    const s = await spawnTrusted(w);
    await atPrompt(w, s.id);
    const started = await eventually(
      w,
      s.id,
      () => timeline(w, s.id).find((e) => e.data?.hook === 'SessionStart'),
      20_000,
      'the SessionStart hook on the timeline',
    );
    const story = await describeState(w, s.id);
    expect(started.message, story).toBe('agent session started (startup)');
    // The prompt Maestro gave, as Claude's UserPromptSubmit hook reported it.
    const prompt = timeline(w, s.id).find((e) => e.kind === 'prompt');
    expect(prompt?.message, story).toMatch(new RegExp(`^You are Maestro session ${s.id} \\("real-claude"\\): a worker`));
    // Claude took the session id Maestro gave it (--session-id), and its hooks said where its transcript is.
    const info = session(w, s.id);
    expect(info.agentSessionId, story).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(w.hooks.every((h) => h.delivery.payload.session_id === info.agentSessionId), story).toBe(true);
    expect(info.transcriptPath, story).toBe(
      join(w.claudeHome, '.claude', 'projects', realpathSync(w.workdir).replace(/[^A-Za-z0-9]/g, '-'), `${info.agentSessionId}.jsonl`),
    );
    const events = w.hooks.map((h) => h.delivery.event);
    expect(events.slice(0, 2), story).toEqual(['SessionStart', 'UserPromptSubmit']);
    await eventually(w, s.id, () => readFileSync(info.transcriptPath!, 'utf8').includes(`You are Maestro session ${s.id}`), 10_000, 'the prompt in the transcript');

    // The --mcp-config bridge: Claude started `maestro mcp` and it answered. The list reads
    // "maestro · ✔ connected · 28 tools" (2.1.1xx) or "❯ ✔ maestro   28 tools" (2.1.3xx); the details
    // of the server (Enter) say "Status: ✔ connected" in both.
    await slash(w, s.id, '/mcp');
    const list = await onScreen(w, s.id, /MCP servers[\s\S]*(?:maestro\s*·\s*✔\s*connected\s*·\s*[1-9]\d*\s*tools|✔\s*maestro\s+[1-9]\d*\s*tools)/);
    // a dialog a person opened: it waits for them, and the "Not logged in" reply above it no longer explains the screen
    expect(judged(list), list).toEqual({ verdict: 'needs_input', pattern: 'enter-to-confirm', reason: null, because: null });
    await type(w, s.id, '\r');
    const details = await onScreen(w, s.id, /\bmaestro\b[\s\S]*Status:\s*✔\s*connected/i);
    expect(judged(details), details).toEqual({ verdict: 'needs_input', pattern: 'enter-to-confirm', reason: null, because: null });
  });

  it.skipIf(NO_CLAUDE)(`in a worktree of a trusted project Claude starts without its trust dialog: Maestro extended the trust${SKIP_NOTE}`, async () => {
    // The project directory is a git repository the person trusted; each session gets a worktree of its
    // own, a directory Claude has never seen. Maestro copies the project's trust to it before the launch.
    const w = await startWorld('trusted');
    const git = (...args: string[]) => execFileSync('git', args, { cwd: w.workdir, encoding: 'utf8', env: { ...process.env, GIT_DIR: undefined, GIT_WORK_TREE: undefined } });
    git('init', '-q', '-b', 'main');
    writeFileSync(join(w.workdir, 'README.md'), '# claude-real\n');
    git('add', '-A');
    git('-c', 'user.name=Maestro Test', '-c', 'user.email=test@maestro.invalid', '-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'initial');

    /** Spawns Claude in a worktree of `projectId` with `home` as its HOME; waits until it is at its prompt, never at the dialog. */
    const startsInWorktree = async (projectId: string, name: string, home: string) => {
      const task = w.server.svc.tasks.create({ projectId, title: 'Write the README' });
      const res = await api<{ session: Session }>(w, 'POST', '/api/sessions', { project: projectId, taskIds: [task.id], name, worktree: true, env: offlineEnv(home) });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const id = res.body.session.id;
      const worktreePath = session(w, id).worktreePath!;
      // Claude runs hooks only in a folder it trusts: SessionStart, from the worktree, means no dialog stopped it.
      const started = await eventually(w, id, () => timeline(w, id).find((e) => e.data?.hook === 'SessionStart'), 30_000, 'the SessionStart hook on the timeline');
      await atPrompt(w, id);
      const story = await describeState(w, id);
      expect(started.message, story).toBe('agent session started (startup)');
      expect(w.hooks.find((h) => h.sessionId === id && h.delivery.event === 'SessionStart')?.delivery.payload.cwd, story).toBe(realpathSync(worktreePath));
      expect(session(w, id).stateReason, story).not.toBe('trust_prompt');
      expect(timeline(w, id).filter((e) => e.data?.stateReason === 'trust_prompt' || /trust_prompt/.test(e.message)), story).toEqual([]);
      expect(await w.supervisor.screen(id), story).not.toMatch(TRUST_DIALOG);
      // The worktree's entry, read after Claude wrote its config: the trust fields only, marked as Maestro's.
      return { worktreePath, story, config: JSON.parse(readFileSync(join(home, '.claude.json'), 'utf8')) };
    };

    // 1. The project is the repository, trusted.
    const repo = await startsInWorktree(w.projectId, 'real-claude-wt', w.claudeHome);
    expect(repo.worktreePath).toBe(join(w.server.home, 'worktrees', 'claude-real', 'real-claude-wt'));
    expect(repo.config.projects[repo.worktreePath], repo.story).toEqual({ hasTrustDialogAccepted: true, maestroWorktreeOf: w.workdir });
    expect(repo.config.projects[w.workdir], repo.story).toMatchObject({ hasTrustDialogAccepted: true });

    // 2. The project is a subdirectory of the repository, and only it is trusted (a HOME of its own). Claude
    // 2.1.3xx takes the trust of a worktree's main checkout by itself (case 1 would start without the
    // entry), but not of a subdirectory: here the entry Maestro wrote is all that keeps the dialog away.
    const appDir = join(w.workdir, 'app');
    mkdirSync(appDir);
    const appProject = w.server.svc.projects.create({ name: 'claude-real-app', workingDir: appDir }).id;
    const appHome = join(w.claudeHome, 'app-home'); // removed with the test's Claude HOME
    mkdirSync(appHome);
    const trusted = { hasTrustDialogAccepted: true, allowedTools: ['Bash(git status)'] };
    writeFileSync(
      join(appHome, '.claude.json'),
      `${JSON.stringify({ hasCompletedOnboarding: true, theme: 'dark', projects: Object.fromEntries([...new Set([appDir, realpathSync(appDir)])].map((d) => [d, trusted])) }, null, 2)}\n`,
    );
    const sub = await startsInWorktree(appProject, 'real-claude-app', appHome);
    expect(sub.worktreePath).toBe(join(w.server.home, 'worktrees', 'claude-real-app', 'real-claude-app'));
    expect(sub.config.projects[sub.worktreePath], sub.story).toEqual({ ...trusted, maestroWorktreeOf: appDir });
    expect(sub.config.projects[w.workdir]?.hasTrustDialogAccepted, sub.story).not.toBe(true); // the repository itself was never trusted
  }, 180_000);

  it.skipIf(NO_CLAUDE)(`its first prompt failing "Not logged in" leaves it waiting for a login, not running${SKIP_NOTE}`, async () => {
    // Claude fires UserPromptSubmit for the prompt (running), then ends the turn at once: no model
    // was reached. The session must not stay running while Claude sits at "Please run /login".
    const w = await startWorld('trusted');
    const s = await spawnClaude(w);
    await atPrompt(w, s.id);
    await eventually(w, s.id, () => w.hooks.some((h) => h.delivery.event === 'UserPromptSubmit'), 20_000, 'the UserPromptSubmit hook');
    await eventually(
      w,
      s.id,
      () => {
        const { status, stateReason } = session(w, s.id);
        return (status === 'needs_input' || status === 'idle') && stateReason === 'login_required';
      },
      15_000,
      'needs_input or idle, with stateReason login_required',
    );
  });

  it.skipIf(NO_CLAUDE)(`/login shows the login method menu: needs_input, login_required${SKIP_NOTE}`, async () => {
    const w = await startWorld('trusted');
    const s = await spawnClaude(w);
    await atPrompt(w, s.id);
    await slash(w, s.id, '/login');
    const menu = await onScreen(w, s.id, /Select login method:[\s\S]*❯ 1\. Claude account with subscription[\s\S]*Esc to cancel/);
    expect(judged(menu), menu).toEqual({ verdict: 'needs_input', pattern: 'login-method', reason: 'login_required', because: 'login-method' });
    await inStatus(w, s.id, 'needs_input', 'login_required', 15_000);
  });
});
