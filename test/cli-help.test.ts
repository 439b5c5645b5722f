/**
 * What a newcomer reads: no help text and no README line may send them to `npx maestro`, which runs the
 * registry's unrelated `maestro` package; the package itself is named so that it cannot be confused.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/program.js';
import { ROOT, runCli } from './helpers.js';

/** Every command of the CLI, with the full help a user sees for it (including text added after it). */
function helpOfEveryCommand(): Map<string, string> {
  const helps = new Map<string, string>();
  const visit = (cmd: Command, path: string[]) => {
    let text = '';
    cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
    cmd.outputHelp();
    helps.set(path.join(' '), text);
    for (const sub of cmd.commands) visit(sub, [...path, sub.name()]);
  };
  visit(buildProgram(), ['maestro']);
  return helps;
}

describe('the first hour', () => {
  it('no help text mentions npx', () => {
    const helps = helpOfEveryCommand();
    expect(helps.size).toBeGreaterThan(40);
    for (const name of ['maestro demo', 'maestro agent script', 'maestro mcp config', 'maestro mcp install']) expect(helps.has(name)).toBe(true);
    const offending = [...helps].filter(([, text]) => /\bnpx\b/.test(text.replace(/no\s+`?npx`?/g, '')));
    expect(offending.map(([name]) => name)).toEqual([]);
  });

  it('the README runs only this checkout: no npx maestro, and set-up links the checkout', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).not.toMatch(/npx\s+maestro/);
    expect(readme).not.toMatch(/"command":\s*"npx"/);
    expect(readme).toContain('npm install && npm link');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; bin: Record<string, string> };
    expect(pkg.name).not.toBe('maestro'); // taken on the registry by an unrelated tool
    expect(Object.keys(pkg.bin)).toEqual(['maestro']);
  });
});

describe('maestro agent list', () => {
  it('shows every agent kind, which is the default, and where its program is installed', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'maestro-agents-'));
    writeFileSync(join(bin, 'codex'), '#!/bin/sh\n');
    chmodSync(join(bin, 'codex'), 0o755);
    const r = await runCli(['agent', 'list', '--json'], { PATH: `${bin}:/usr/bin:/bin` });
    expect(r.code, r.stderr).toBe(0);
    const rows = r.json<Array<{ kind: string; program: string | null; path: string | null; hooks: boolean; default: boolean }>>();
    expect(rows.map((a) => a.kind)).toEqual(['claude', 'codex', 'gemini', 'generic']);
    expect(rows.find((a) => a.kind === 'codex')).toMatchObject({ program: 'codex', path: join(bin, 'codex'), hooks: false, default: false });
    expect(rows.find((a) => a.kind === 'claude')).toMatchObject({ hooks: true, default: true });
    expect(rows.find((a) => a.kind === 'gemini')!.path).toBeNull();
    expect(rows.find((a) => a.kind === 'generic')).toMatchObject({ program: null, path: null });
    const human = await runCli(['agent', 'list'], { PATH: `${bin}:/usr/bin:/bin` });
    expect(human.stdout).toMatch(/^claude \(default\)\s+Claude Code/m);
    expect(human.stdout).toContain(join(bin, 'codex'));
  });
});
