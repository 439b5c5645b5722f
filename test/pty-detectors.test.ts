/** Screen detectors against screens as tmux `capture-pane -p` returns them (padded to the pane height). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  claudeDetector,
  classifyScreen,
  detectorFor,
  exitReason,
  genericDetector,
  screenReason,
  screenTail,
  type AgentDetector,
  type ScreenReason,
  type ScreenVerdict,
} from '../src/pty/detectors/index.js';
import { DEFAULT_TIMING, judge, type AgentState } from '../src/pty/state.js';

/** A screen as tmux captures it: the given rows, then blank rows down to the pane height. */
const screen = (text: string, height = 32) => {
  const rows = text.replace(/^\n/, '').split('\n');
  return [...rows, ...Array(Math.max(0, height - rows.length)).fill('')].join('\n') + '\n';
};

const CLAUDE = {
  bashPermission: screen(`
╭──────────────────────────────────────────────────────────────────────────────╮
│ Bash command                                                                 │
│                                                                              │
│   npm test                                                                   │
│   Run the test suite                                                         │
│                                                                              │
│ Do you want to proceed?                                                      │
│ ❯ 1. Yes                                                                     │
│   2. Yes, and don't ask again for npm test commands in /work/app             │
│   3. No, and tell Claude what to do differently (esc)                        │
╰──────────────────────────────────────────────────────────────────────────────╯`),
  editPermission: screen(`
 Edit file
 src/app.ts
 ...
 Do you want to make this edit to app.ts?
 ❯ 1. Yes
   2. Yes, allow all edits during this session (shift+tab)
   3. No, and tell Claude what to do differently (esc)`),
  mcpToolPermission: screen(`
 Tool use

   maestro - report_progress(message: "tests pass") (MCP)
   Records progress on your current task

 Do you want to proceed?
 ❯ 1. Yes
   2. Yes, and don't ask again for maestro - report_progress commands in /work/app
   3. No, and tell Claude what to do differently (esc)`),
  trustFolder: screen(`
 Do you trust the files in this folder?

 /work/app

 Claude Code may read, write, or execute files contained in this directory.

 ❯ 1. Yes, proceed
   2. No, exit

 Enter to confirm · Esc to exit`),
  working: screen(`
> build the login form

⏺ I'll start by reading the existing form components.

⏺ Read(src/components/Form.tsx)
  ⎿  Read 120 lines

✻ Thinking… (12s · ↑ 1.2k tokens · esc to interrupt)

╭──────────────────────────────────────────────────────────────────────────────╮
│ >                                                                            │
╰──────────────────────────────────────────────────────────────────────────────╯
  ? for shortcuts`),
  idle: screen(`
⏺ The login form is built and the tests pass.

╭──────────────────────────────────────────────────────────────────────────────╮
│ >                                                                            │
╰──────────────────────────────────────────────────────────────────────────────╯
  ? for shortcuts`),
  idleNewStyle: screen(`
⏺ Done. Both subtasks are complete.

────────────────────────────────────────────────────────────────────────────────
> Try "refactor app.ts"
────────────────────────────────────────────────────────────────────────────────
  ⏵⏵ auto-accept edits on (shift+tab to cycle)`),
  streaming: screen(`
⏺ Writing the component now. First the imports, then the state hooks, then the
  submit handler`),
};

describe('claude detector', () => {
  it.each([
    ['bash permission', CLAUDE.bashPermission],
    ['edit permission', CLAUDE.editPermission],
    ['MCP tool permission', CLAUDE.mcpToolPermission],
    ['folder trust dialog', CLAUDE.trustFolder],
  ])('sees a prompt waiting for a person: %s', (_name, text) => {
    expect(classifyScreen(claudeDetector, text).verdict).toBe('needs_input');
  });

  it('sees work in progress by the interrupt hint, even with the input box below', () => {
    expect(classifyScreen(claudeDetector, CLAUDE.working)).toEqual({ verdict: 'busy', pattern: 'esc-to-interrupt', reason: null });
  });

  it('sees the agent at rest at its input box', () => {
    expect(classifyScreen(claudeDetector, CLAUDE.idle).verdict).toBe('idle');
    expect(classifyScreen(claudeDetector, CLAUDE.idleNewStyle).verdict).toBe('idle');
  });

  it('has no opinion on plain output (timing decides)', () => {
    expect(classifyScreen(claudeDetector, CLAUDE.streaming).verdict).toBeNull();
  });

  it('names the deciding pattern', () => {
    expect(classifyScreen(claudeDetector, CLAUDE.trustFolder).pattern).toBe('trust-folder');
    expect(classifyScreen(claudeDetector, CLAUDE.bashPermission).pattern).toBe('do-you-want');
  });
});

describe('generic detector', () => {
  it.each([
    ['a yes/no question', 'Installing 3 packages\nContinue? (y/n) '],
    ['a Y/n default', 'Overwrite config.json? [Y/n]'],
    ['press enter', 'Build finished.\nPress Enter to continue'],
    ['a password', '[sudo] password for dev: '],
    ['do you want', 'Do you want to delete 4 files?'],
    ['a numbered menu', 'Pick one:\n❯ 1. Yes\n  2. No'],
  ])('sees %s as needing input', (_name, text) => {
    expect(classifyScreen(genericDetector, screen(text)).verdict).toBe('needs_input');
  });

  it('does not hold on to a prompt that was answered', () => {
    expect(classifyScreen(genericDetector, screen('Continue? (y/n) y\ninstalling…\ndone')).verdict).not.toBe('needs_input');
  });

  it('sees a shell-like prompt as idle and plain output as nothing', () => {
    expect(classifyScreen(genericDetector, screen('all done\n$ ')).verdict).toBe('idle');
    expect(classifyScreen(genericDetector, screen('> ')).verdict).toBe('idle');
    expect(classifyScreen(genericDetector, screen('compiling 12 files')).verdict).toBeNull();
  });
});

describe('detector selection', () => {
  it('picks by the program the agent command runs', () => {
    expect(detectorFor('claude').name).toBe('claude');
    expect(detectorFor('/usr/local/bin/claude --model opus').name).toBe('claude');
    expect(detectorFor('FOO=1 exec claude').name).toBe('claude');
    expect(detectorFor('node dist/test/agent/agent.js').name).toBe('generic');
    expect(detectorFor('aider --yes').name).toBe('generic');
  });

  it('reads only the bottom of the screen, without the blank padding', () => {
    expect(screenTail(screen('a\nb\n\nc'), 2)).toBe('b\nc');
  });
});

// ---------------------------------------------------------------------------------------------
// Real screens of Claude Code 2.1.197 launched by Maestro (offline), copied from the shared
// captures into the repository so the suite runs on a clean clone. INDEX.txt there says what each
// screen is and what Maestro recorded at the time (06 and 07 were missed: reported idle).
// Beside them, v<version>-*.txt: the same screens of later versions, captured here (their own
// INDEX-<version>.txt says how); test/claude-real.test.ts drives the installed binary through them.

const FIXTURES = fileURLToPath(new URL('./fixtures/claude-screens/', import.meta.url));
/** Where the captures were shared (next to the repository on the dev machine; absent in CI). */
const SHARED = fileURLToPath(new URL('../../shared/claude-screens/', import.meta.url));
/** Files in the screens folder that are not screens: the indexes. */
const NOT_SCREENS = /^INDEX(-[\w.]+)?\.txt$/;

const screenFiles = (dir: string) => readdirSync(dir).filter((f) => !NOT_SCREENS.test(f)).sort();
const real = (file: string) => readFileSync(join(FIXTURES, file), 'utf8');

interface Expected {
  /** Claude detector: verdict, deciding pattern, reason. */
  verdict: ScreenVerdict;
  pattern: string | null;
  reason: ScreenReason | null;
  /** What the supervisor makes of it (judge), after 10s without output as when 06/07 were missed. */
  state: AgentState;
  /** screenReason: the pattern that gave the reason and the telling line (absent: no reason). */
  reasonPattern?: string;
  detail?: string;
  /** exitReason, as the supervisor would add it to "agent exited with code 1". */
  exit?: string;
  /** The generic detector on the same screen (an agent started through a wrapper lands there). */
  generic: ScreenVerdict;
}

const RETRY = (n: string) => ({
  verdict: 'busy',
  pattern: 'offline-retrying',
  reason: 'offline',
  state: 'running',
  reasonPattern: 'offline-retrying',
  detail: `Unable to connect to API (ConnectionRefused) · Retrying in ${n}`,
  exit: 'offline: Unable to connect to API (ConnectionRefused)',
  generic: 'busy',
}) satisfies Expected;

const NOT_LOGGED_IN = {
  verdict: 'idle',
  pattern: 'shortcuts-hint',
  reason: 'login_required',
  state: 'idle',
  reasonPattern: 'not-logged-in',
  detail: 'Not logged in · Please run /login',
  exit: 'login required: Not logged in · Please run /login',
  generic: null,
} satisfies Expected;

const GAVE_UP = {
  verdict: 'idle',
  pattern: 'offline-api-error',
  reason: 'offline',
  state: 'idle',
  reasonPattern: 'offline-api-error',
  detail: 'API Error: Unable to connect to API (ConnectionRefused)',
  exit: 'offline: API Error: Unable to connect to API (ConnectionRefused)',
  generic: null,
} satisfies Expected;

/** One row per screen file: a new capture without a row fails the suite. */
const REAL: Record<string, Expected> = {
  '01-fresh-home-unable-to-connect.txt': {
    verdict: 'idle',
    pattern: 'offline-startup',
    reason: 'offline',
    state: 'idle',
    reasonPattern: 'offline-startup',
    detail: 'Unable to connect to Anthropic services … Failed to connect to api.anthropic.com: ENOTFOUND',
    exit: 'offline: Unable to connect to Anthropic services (ENOTFOUND)',
    generic: null,
  },
  '02-onboarded-first-screen.txt': {
    verdict: 'needs_input',
    pattern: 'trust-folder',
    reason: 'trust_prompt',
    state: 'needs_input',
    reasonPattern: 'trust-folder',
    detail: 'Quick safety check: Is this a project you created or one you trust? (Like your own code, a well-known open source',
    exit: 'folder trust prompt: Quick safety check: Is this a project you created or one you trust? (Like your own code, a well-known open source',
    generic: 'needs_input',
  },
  '03-after-trust.txt': NOT_LOGGED_IN,
  '03-after-trust-full-scrollback.txt': NOT_LOGGED_IN,
  // /mcp dialogs: a person opened them and must close them; the leftover "Not logged in" reply sits
  // above a later prompt (❯ /mcp), so it no longer explains the screen
  '04-slash-mcp.txt': { verdict: 'needs_input', pattern: 'enter-to-confirm', reason: null, state: 'needs_input', generic: 'needs_input' },
  '05-mcp-maestro-detail.txt': { verdict: 'needs_input', pattern: 'enter-to-confirm', reason: null, state: 'needs_input', generic: 'needs_input' },
  '06-login-method.txt': {
    verdict: 'needs_input',
    pattern: 'login-method',
    reason: 'login_required',
    state: 'needs_input',
    reasonPattern: 'login-method',
    detail: 'Select login method:',
    exit: 'login required: Select login method',
    generic: 'needs_input',
  },
  '07-login-oauth-url.txt': {
    verdict: 'needs_input',
    pattern: 'login-paste-code',
    reason: 'login_required',
    state: 'needs_input',
    reasonPattern: 'login-paste-code',
    detail: "Browser didn't open? Use the url below to sign in (c to copy)",
    exit: "login required: Browser didn't open? Use the url below to sign in (c to copy)",
    generic: 'needs_input',
  },
  // "Do you want to use this API key?": a decision, not a login
  '08-apikey-first-screen.txt': { verdict: 'needs_input', pattern: 'do-you-want', reason: null, state: 'needs_input', generic: 'needs_input' },
  '09-apikey-accepted-5s.txt': RETRY('1s · attempt 2/10'),
  '10-apikey-accepted-20s.txt': RETRY('2s · attempt 5/10'),
  '11-apikey-after-retries.txt': RETRY('11s · attempt 8/10'),
  '12-apikey-gave-up.txt': GAVE_UP,
  '12b-apikey-full-scrollback.txt': GAVE_UP,

  // Claude Code 2.1.332 (INDEX-2.1.332.txt): the trust dialog starts on "No, exit"; at rest the line
  // under the input box reads "⏵⏵ auto mode on" (or "⏸ manual mode on"), often without "? for
  // shortcuts"; after a failed turn the input box shows a placeholder ("Once fixed, resend your
  // message", "Resend your message to try again"); /mcp lists "✔ maestro  28 tools" with "Enter to
  // view · Esc to close"; the offline messages are reworded.
  'v2.1.332-01-fresh-home-unable-to-connect.txt': {
    verdict: 'idle',
    pattern: 'offline-startup',
    reason: 'offline',
    state: 'idle',
    reasonPattern: 'offline-startup',
    detail: 'Unable to connect to Anthropic services … Failed to connect to api.anthropic.com: ENOTFOUND',
    exit: 'offline: Unable to connect to Anthropic services (ENOTFOUND)',
    generic: null,
  },
  'v2.1.332-01b-fresh-home-proxy-refused.txt': {
    verdict: 'idle',
    pattern: 'offline-startup',
    reason: 'offline',
    state: 'idle',
    reasonPattern: 'offline-startup',
    detail: 'Unable to connect to Anthropic services … Failed to connect to api.anthropic.com: ECONNREFUSED',
    exit: 'offline: Unable to connect to Anthropic services (ECONNREFUSED)',
    generic: null,
  },
  'v2.1.332-02-onboarded-trust-dialog-no-first.txt': {
    verdict: 'needs_input',
    pattern: 'trust-folder',
    reason: 'trust_prompt',
    state: 'needs_input',
    reasonPattern: 'trust-folder',
    detail: 'Quick safety check: Is this a project you created or one you trust? (Like your own code, a well-known open source',
    exit: 'folder trust prompt: Quick safety check: Is this a project you created or one you trust? (Like your own code, a well-known open source',
    generic: 'needs_input',
  },
  'v2.1.332-03-after-trust.txt': {
    verdict: 'idle',
    pattern: 'mode-hint',
    reason: 'login_required',
    state: 'idle',
    reasonPattern: 'not-logged-in',
    detail: 'Not logged in · Please run /login',
    exit: 'login required: Not logged in · Please run /login',
    generic: null,
  },
  'v2.1.332-04-slash-mcp.txt': { verdict: 'needs_input', pattern: 'enter-to-confirm', reason: null, state: 'needs_input', generic: 'needs_input' },
  'v2.1.332-05-mcp-maestro-detail.txt': { verdict: 'needs_input', pattern: 'enter-to-confirm', reason: null, state: 'needs_input', generic: 'needs_input' },
  'v2.1.332-06-login-method.txt': {
    verdict: 'needs_input',
    pattern: 'login-method',
    reason: 'login_required',
    state: 'needs_input',
    reasonPattern: 'login-method',
    detail: 'Select login method:',
    exit: 'login required: Select login method',
    generic: 'needs_input',
  },
  'v2.1.332-07-login-oauth-url.txt': {
    verdict: 'needs_input',
    pattern: 'login-paste-code',
    reason: 'login_required',
    state: 'needs_input',
    reasonPattern: 'login-paste-code',
    detail: "Browser didn't open? Use the URL below to sign in (c to copy)",
    exit: "login required: Browser didn't open? Use the URL below to sign in (c to copy)",
    generic: 'needs_input',
  },
  'v2.1.332-08-apikey-first-screen.txt': { verdict: 'needs_input', pattern: 'do-you-want', reason: null, state: 'needs_input', generic: 'needs_input' },
  'v2.1.332-09-apikey-retrying-enotfound.txt': {
    ...RETRY('1s · attempt 1/2'),
    detail: "Can't reach the API server — check your internet or DNS (ENOTFOUND) · retrying in 1s · attempt 1/2",
    exit: "offline: Can't reach the API server — check your internet or DNS (ENOTFOUND)",
  },
  'v2.1.332-10-apikey-retrying-proxy-refused.txt': {
    ...RETRY('1s · attempt 2/3'),
    detail: 'Connection refused — a firewall or proxy may be blocking it (ECONNREFUSED) · retrying in 1s · attempt 2/3',
    exit: 'offline: Connection refused — a firewall or proxy may be blocking it (ECONNREFUSED)',
  },
  'v2.1.332-12-apikey-gave-up-enotfound.txt': {
    ...GAVE_UP,
    detail: "API Error: Can't reach the API server — check your internet or DNS (ENOTFOUND)",
    exit: "offline: API Error: Can't reach the API server — check your internet or DNS (ENOTFOUND)",
  },
  'v2.1.332-12b-apikey-gave-up-proxy-refused.txt': {
    ...GAVE_UP,
    detail: 'API Error: Connection refused — a firewall or proxy may be blocking it (ECONNREFUSED)',
    exit: 'offline: API Error: Connection refused — a firewall or proxy may be blocking it (ECONNREFUSED)',
  },
};

const stateOf = (verdict: ScreenVerdict, pattern: string | null) =>
  judge({ verdict, pattern, quietMs: 10_000, freshOutput: false, treeBusy: false, timing: DEFAULT_TIMING })?.state;

describe('real Claude Code screens (test/fixtures/claude-screens)', () => {
  it('has an expectation for every screen file, and a file for every expectation', () => {
    expect(screenFiles(FIXTURES)).toEqual(Object.keys(REAL).sort());
  });

  it.each(screenFiles(FIXTURES))('%s: verdict, reason and pattern', (file) => {
    const want = REAL[file];
    expect(want, `no expectation for ${file}: add a row to REAL`).toBeDefined();
    const text = real(file);
    expect(classifyScreen(claudeDetector, text)).toEqual({ verdict: want.verdict, pattern: want.pattern, reason: want.reason });
    expect(stateOf(want.verdict, want.pattern)).toBe(want.state);
    const why = screenReason(claudeDetector, text);
    if (want.reason === null) {
      expect(why).toBeNull();
      expect(exitReason(claudeDetector, text)).toBeNull();
    } else {
      expect(why).toEqual({ reason: want.reason, pattern: want.reasonPattern, detail: want.detail });
      expect(why!.detail.length).toBeLessThanOrEqual(200);
      expect(exitReason(claudeDetector, text)).toBe(want.exit);
    }
  });

  it.each(screenFiles(FIXTURES))('%s: the generic detector', (file) => {
    const want = REAL[file];
    expect(want, `no expectation for ${file}: add a row to REAL`).toBeDefined();
    const text = real(file);
    const generic = classifyScreen(genericDetector, text);
    expect(generic.verdict).toBe(want.generic);
    // Where it matters: a screen waiting for a person is never taken for work or rest, working is
    // never taken for rest, and the generic detector gives no reasons (it does not know the program).
    if (want.verdict === 'needs_input') expect(generic.verdict).toBe('needs_input');
    if (want.verdict === 'busy') expect(generic.verdict).toBe('busy');
    expect(generic.verdict === 'idle' && want.verdict !== 'idle').toBe(false);
    expect(generic.reason).toBeNull();
    expect(screenReason(genericDetector, text)).toBeNull();
  });

  it.skipIf(!existsSync(SHARED))('has copied every shared capture unchanged (checked where ../shared exists)', () => {
    const shared = readdirSync(SHARED).sort();
    // the only other files are captures of later versions, with their own index
    expect(readdirSync(FIXTURES).filter((f) => !shared.includes(f)).every((f) => /^(v\d+\.\d+\.\d+-.+|INDEX-\d+\.\d+\.\d+)\.txt$/.test(f))).toBe(true);
    for (const f of shared) expect(real(f), f).toBe(readFileSync(join(SHARED, f), 'utf8'));
  });

  it('has an index entry for every capture of a later version', () => {
    for (const file of screenFiles(FIXTURES).filter((f) => f.startsWith('v'))) {
      const version = file.slice(1, file.indexOf('-'));
      expect(readFileSync(join(FIXTURES, `INDEX-${version}.txt`), 'utf8'), file).toContain(file.slice(file.indexOf('-') + 1));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Robustness: the real screens laid out differently, and small changes of wording.

/** Word-wraps every row at `width` columns, as Claude Code lays itself out in a narrower pane. */
const wordWrap = (text: string, width: number) =>
  text
    .split('\n')
    .flatMap((row) => {
      const out: string[] = [];
      let rest = row;
      while (rest.length > width) {
        const space = rest.lastIndexOf(' ', width);
        const cut = space > 0 ? space : width;
        out.push(rest.slice(0, cut));
        rest = rest.slice(space > 0 ? cut + 1 : cut);
      }
      out.push(rest);
      return out;
    })
    .join('\n');

/** Draws a box around the screen's rows (as dialogs of older versions did). */
const boxed = (text: string) => {
  const rows = text.replace(/\n+$/, '').split('\n');
  const width = Math.max(...rows.map((r) => r.length));
  return [`╭${'─'.repeat(width + 2)}╮`, ...rows.map((r) => `│ ${r.padEnd(width)} │`), `╰${'─'.repeat(width + 2)}╯`].join('\n');
};

/** A real screen with some text replaced; the text must be there (no silent no-op). */
const variant = (file: string, ...edits: [from: string, to: string][]) =>
  edits.reduce((text, [from, to]) => {
    if (!text.includes(from)) throw new Error(`${file} has no ${JSON.stringify(from)}`);
    return text.replace(from, to);
  }, real(file));

const withReason = Object.entries(REAL).filter(([, want]) => want.reason !== null);

describe('claude detector: robust to layout and wording', () => {
  it.each(withReason)('%s keeps its verdict and reason when word-wrapped at 48 columns', (file, want) => {
    const text = wordWrap(real(file), 48);
    expect(text).not.toBe(real(file));
    expect(classifyScreen(claudeDetector, text)).toEqual({ verdict: want.verdict, pattern: want.pattern, reason: want.reason });
    expect(screenReason(claudeDetector, text)?.pattern).toBe(want.reasonPattern);
  });

  it.each(withReason.filter(([, want]) => want.verdict === 'needs_input' || want.pattern?.startsWith('offline')))(
    '%s keeps its verdict and reason when wrapped inside a box',
    (file, want) => {
      const text = boxed(wordWrap(real(file), 44));
      expect(classifyScreen(claudeDetector, text)).toEqual({ verdict: want.verdict, pattern: want.pattern, reason: want.reason });
    },
  );

  it.each([
    [
      'trust dialog in other case and words',
      variant('02-onboarded-first-screen.txt', ['Quick safety check: Is this a project you created or one you trust?', 'QUICK SAFETY CHECK: is this a folder you trust?']),
      'needs_input',
      'trust-folder',
      'trust_prompt',
    ],
    [
      'trust dialog known only by its answer',
      variant('02-onboarded-first-screen.txt', ['Quick safety check: Is this a project you created or one you trust?', 'Is this your project?']),
      'needs_input',
      'trust-folder',
      'trust_prompt',
    ],
    [
      'login menu reworded',
      variant('06-login-method.txt', ['Select login method:', 'Choose your login method']),
      'needs_input',
      'login-method',
      'login_required',
    ],
    [
      'OAuth code prompt reworded',
      variant('07-login-oauth-url.txt', ["Browser didn't open? Use the url below to sign in (c to copy)", 'Sign in with the url below'], ['Paste code here if prompted >', 'Paste the authorization code here:']),
      'needs_input',
      'login-paste-code',
      'login_required',
    ],
    [
      'gave up, older wording',
      variant('12-apikey-gave-up.txt', ['API Error: Unable to connect to API (ConnectionRefused)', 'API Error (Connection error.)']),
      'idle',
      'offline-api-error',
      'offline',
    ],
    [
      'gave up on DNS',
      variant('12-apikey-gave-up.txt', ['API Error: Unable to connect to API (ConnectionRefused)', 'api error: getaddrinfo ENOTFOUND api.anthropic.com']),
      'idle',
      'offline-api-error',
      'offline',
    ],
    [
      'retrying, older wording',
      variant('09-apikey-accepted-5s.txt', ['Unable to connect to API (ConnectionRefused) · Retrying in 1s · attempt 2/10', 'API Error (Connection error.) · Retrying in 4 seconds… (attempt 3/10)']),
      'busy',
      'offline-retrying',
      'offline',
    ],
    [
      'an invalid key reply, no status line',
      variant('03-after-trust.txt', ['Not logged in · Please run /login', 'Invalid API key · Please run /login'], ['Not logged in · Run /login', '']),
      'idle',
      'shortcuts-hint',
      'login_required',
    ],
    [
      'not logged in, told by the status line alone',
      variant('04-slash-mcp.txt', ['Enter to confirm · Esc to cancel', '? for shortcuts                         Not logged in · Run /login']),
      'idle',
      'shortcuts-hint',
      'login_required',
    ],
  ] as const)('%s', (_name, text, verdict, pattern, reason) => {
    expect(classifyScreen(claudeDetector, text)).toEqual({ verdict, pattern, reason });
    expect(screenReason(claudeDetector, text)?.reason).toBe(reason);
  });

  it.each([
    [
      'an old API error with a later exchange below it',
      variant('12-apikey-gave-up.txt', ['✻ Crunched for 3m 7s', '✻ Crunched for 3m 7s\n❯ try again\n⏺ Done: the README is written.\n✻ Cooked for 12s']),
      'idle',
      'shortcuts-hint',
    ],
    [
      'an old "Not logged in" reply, logged in since',
      variant('03-after-trust.txt', ['✻ Cooked for 0s', '✻ Cooked for 0s\n\n❯ /login\n  ⎿  Login successful'], ['Not logged in · Run /login', '']),
      'idle',
      'shortcuts-hint',
    ],
    [
      'a retry that is not about the network',
      variant('09-apikey-accepted-5s.txt', ['Unable to connect to API (ConnectionRefused) · Retrying in 1s', 'API Error: 529 Overloaded · Retrying in 1s']),
      'busy',
      'esc-to-interrupt',
    ],
    [
      'the agent mentioning /login in its work',
      variant('12-apikey-gave-up.txt', ['API Error: Unable to connect to API (ConnectionRefused)', '⏺ The CLI now tells users to run /login when their session expired.']),
      'idle',
      'shortcuts-hint',
    ],
    [
      'the agent writing about a trust dialog, at rest',
      variant('12-apikey-gave-up.txt', ['API Error: Unable to connect to API (ConnectionRefused)', '⏺ Documented the trust dialog in the README.']),
      'idle',
      'shortcuts-hint',
    ],
  ] as const)('gives no reason for %s', (_name, text, verdict, pattern) => {
    expect(classifyScreen(claudeDetector, text)).toEqual({ verdict, pattern, reason: null });
    expect(screenReason(claudeDetector, text)).toBeNull();
    expect(exitReason(claudeDetector, text)).toBeNull();
  });
});

describe('reasons', () => {
  /** A tiny table to pin the rule: the reason must agree with the verdict, or come from a row without one. */
  const table: AgentDetector = {
    name: 'table',
    handles: () => false,
    tailLines: 10,
    patterns: [
      { name: 'menu', verdict: 'needs_input', pattern: /\[menu\]/ },
      { name: 'gave-up', verdict: 'idle', reason: 'offline', pattern: /gave up/ },
      { name: 'prompt', verdict: 'idle', pattern: /^\$ $/m },
      { name: 'logged-out', verdict: null, reason: 'login_required', pattern: /logged out/ },
    ],
  };

  it('takes the reason of the deciding row, else of a row that agrees with the verdict or has none', () => {
    expect(classifyScreen(table, 'gave up\n$ ')).toEqual({ verdict: 'idle', pattern: 'gave-up', reason: 'offline' });
    expect(classifyScreen(table, 'gave up\n[menu]')).toEqual({ verdict: 'needs_input', pattern: 'menu', reason: null });
    expect(classifyScreen(table, 'logged out\n[menu]')).toEqual({ verdict: 'needs_input', pattern: 'menu', reason: 'login_required' });
    expect(classifyScreen(table, 'logged out')).toEqual({ verdict: null, pattern: null, reason: 'login_required' });
    expect(screenReason(table, 'logged out\n[menu]')).toEqual({ reason: 'login_required', pattern: 'logged-out', detail: 'logged out' });
  });

  it('keeps the detail to one cleaned line of at most 200 characters', () => {
    const long = `│ gave up ${'because the network is down '.repeat(12)}│`;
    const why = screenReason(table, `${long}\n$ `);
    expect(why?.detail.length).toBeLessThanOrEqual(200);
    expect(why?.detail.startsWith('gave up because')).toBe(true);
    expect(why?.detail.endsWith('…')).toBe(true);
    expect(exitReason(table, `${long}\n$ `)!.length).toBeLessThanOrEqual(200);
  });

  it('has no reason for a screen that gives none', () => {
    expect(screenReason(claudeDetector, CLAUDE.bashPermission)).toBeNull();
    expect(exitReason(claudeDetector, CLAUDE.idle)).toBeNull();
    expect(exitReason(claudeDetector, '')).toBeNull();
  });
});
