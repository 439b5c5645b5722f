import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const run = promisify(execFile);

describe('the dashboard program', () => {
  // The dashboard imports the server's types; a careless import must not drag Node or the database in.
  it('type-checks without Node typings or the database driver', { timeout: 60_000 }, async () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const { stdout } = await run(process.execPath, [tsc, '-p', join(ROOT, 'web', 'tsconfig.json'), '--listFiles'], { cwd: ROOT });
    const files = stdout.split('\n').filter(Boolean);
    expect(files.some((f) => f.includes('/web/src/main.tsx'))).toBe(true);
    expect(files.filter((f) => f.includes('/@types/node/'))).toEqual([]);
    expect(files.filter((f) => f.includes('better-sqlite3'))).toEqual([]);
  });
});
