import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * Where this install lives. Everything that starts `maestro` again (an agent's MCP config and hooks, a
 * background server, the MCP entry printed for clients) names the same file, found the same way.
 */

/** The repository root (where bin/maestro.js lives), from this module's place in src/ or dist/src/. */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'bin', 'maestro.js')) && existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(from, '..');
    dir = parent;
  }
}

/** This install's `maestro` entry point, absolute: `node <it> …` runs it. */
export const maestroBin = (): string => join(packageRoot(), 'bin', 'maestro.js');
