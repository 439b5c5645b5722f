import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MaestroError } from '../../core/errors.js';

/** Marks a directory as the demo's own, so a fresh demo may replace it (and nothing else). */
export const DEMO_MARKER = '.maestro-demo';

const FILES: Record<string, string> = {
  'README.md': '# greeter\n\nA tiny sample project that Maestro\'s demo agents work on.\n',
  'src/greet.js': "export function greet(name) {\n  return `Hello, ${name}!`;\n}\n",
  'package.json': JSON.stringify({ name: 'greeter', version: '0.0.0', type: 'module', private: true }, null, 2) + '\n',
  '.gitignore': `${DEMO_MARKER}\n`,
};

function git(dir: string, args: string[]): void {
  try {
    // The demo's commits must not depend on (or change) the user's git identity.
    execFileSync('git', ['-c', 'user.name=Maestro demo', '-c', 'user.email=demo@maestro.invalid', '-c', 'commit.gpgsign=false', ...args], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new MaestroError('conflict', 'the demo needs git on PATH to create its sample repository');
    throw new MaestroError('internal', `git ${args[0]} failed in ${dir}: ${e.stderr?.toString().trim() || e.message}`);
  }
}

/** Refuses a non-empty directory that a previous demo did not create. */
export function checkDemoDir(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0 && !existsSync(join(dir, DEMO_MARKER)))
    throw new MaestroError('conflict', `${dir} exists and was not made by \`maestro demo\`; move it away first`);
}

/**
 * A fresh git repository with one commit at `dir`. A previous demo's repository there is replaced; any
 * other non-empty directory is refused, never deleted.
 */
export function createDemoRepo(dir: string): void {
  checkDemoDir(dir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, DEMO_MARKER), 'Created by `maestro demo`; the next demo replaces this directory.\n');
  for (const [file, content] of Object.entries(FILES)) writeFileSync(join(dir, file), content);
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'greeter: initial commit']);
}
