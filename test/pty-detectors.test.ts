/** Screen detectors against screens as tmux `capture-pane -p` returns them (padded to the pane height). */
import { describe, expect, it } from 'vitest';
import { claudeDetector, classifyScreen, detectorFor, genericDetector, screenTail } from '../src/pty/detectors/index.js';

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
    expect(classifyScreen(claudeDetector, CLAUDE.working)).toEqual({ verdict: 'busy', pattern: 'esc-to-interrupt' });
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
