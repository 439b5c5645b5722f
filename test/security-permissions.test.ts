/**
 * Private files written off the event loop (writePrivateFileAsync, used for sessions' manifests): the
 * same modes and the same all-or-nothing content as the synchronous writePrivateFile.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writePrivateFile, writePrivateFileAsync } from '../src/security/permissions.js';
import { tempHome } from './helpers.js';

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);
const homes: string[] = [];
const home = () => {
  const dir = tempHome('maestro-perm-');
  homes.push(dir);
  return dir;
};
afterEach(() => homes.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('writePrivateFileAsync', () => {
  it('makes missing folders 0700 (parents too) and the file 0600', async () => {
    const root = home();
    const file = join(root, 'sessions', 'ses_1', 'manifest.json');
    await writePrivateFileAsync(file, '{"a":1}\n');
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n');
    expect([modeOf(join(root, 'sessions')), modeOf(join(root, 'sessions', 'ses_1')), modeOf(file)]).toEqual(['700', '700', '600']);
  });

  it('tightens a folder that was there before, as writePrivateFile does', async () => {
    const root = home();
    for (const [name, write] of [
      ['async', (f: string) => writePrivateFileAsync(f, 'x')],
      ['sync', async (f: string) => writePrivateFile(f, 'x')],
    ] as const) {
      const dir = join(root, name);
      mkdirSync(dir);
      chmodSync(dir, 0o755);
      await write(join(dir, 'file'));
      expect(modeOf(dir), name).toBe('700');
    }
  });

  it('many writes of one file at once, in a new folder and an old one: one of them stays, whole, and no temporary file is left', async () => {
    const root = home();
    const contents = Array.from({ length: 40 }, (_, i) => JSON.stringify({ write: i, pad: 'x'.repeat(20_000) }));
    for (const dir of [join(root, 'new'), root]) {
      const file = join(dir, 'manifest.json');
      await Promise.all(contents.map((c) => writePrivateFileAsync(file, c)));
      expect(contents).toContain(readFileSync(file, 'utf8'));
      expect(readdirSync(dir).filter((name) => name !== 'new')).toEqual(['manifest.json']);
      expect(modeOf(file)).toBe('600');
    }
  });

  it('fails naming the path when the folder cannot be made (a file is in the way), with the code and path of the fs error', async () => {
    const root = home();
    writePrivateFile(join(root, 'taken'), 'a file, not a folder');
    await expect(writePrivateFileAsync(join(root, 'taken', 'manifest.json'), '{}')).rejects.toThrow(/taken/);
    await expect(writePrivateFileAsync(join(root, 'taken', 'deeper', 'manifest.json'), '{}')).rejects.toMatchObject({
      code: 'ENOTDIR',
      path: expect.stringContaining(join(root, 'taken')),
    });
    // and the writer goes on with the next write
    await writePrivateFileAsync(join(root, 'fine', 'manifest.json'), 'ok');
    expect(readFileSync(join(root, 'fine', 'manifest.json'), 'utf8')).toBe('ok');
  });

  it('writes of one file from the event loop (writePrivateFile) and off it at the same time never share a temporary file', async () => {
    const root = home();
    const file = join(root, 'sessions', 'ses_mixed', 'manifest.json');
    const contents = Array.from({ length: 30 }, (_, i) => JSON.stringify({ write: i, pad: 'y'.repeat(10_000) }));
    const writes: Array<Promise<void>> = [];
    contents.forEach((c, i) => {
      if (i % 3 === 0) writePrivateFile(file, c);
      else writes.push(writePrivateFileAsync(file, c));
    });
    await Promise.all(writes);
    expect(contents).toContain(readFileSync(file, 'utf8'));
    expect(readdirSync(join(root, 'sessions', 'ses_mixed'))).toEqual(['manifest.json']);
  });

  it('many files in fresh folders at once, as spawns write manifests: each one whole, 0600 in a 0700 folder', async () => {
    const root = home();
    const files = Array.from({ length: 200 }, (_, i) => join(root, 'sessions', `ses_${i}`, 'manifest.json'));
    await Promise.all(files.map((f, i) => writePrivateFileAsync(f, `{"session":${i}}\n`)));
    files.forEach((f, i) => {
      expect(readFileSync(f, 'utf8')).toBe(`{"session":${i}}\n`);
      expect([modeOf(join(f, '..')), modeOf(f)]).toEqual(['700', '600']);
    });
  });
});
