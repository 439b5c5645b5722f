import { describe, expect, it } from 'vitest';
import { charsOverlap, normalizePattern, patternProblem, patternsOverlap } from '../src/core/lease-glob.js';

/** Overlap is symmetric: every case is checked both ways. */
const overlap = (a: string, b: string) => {
  const ab = patternsOverlap(normalizePattern(a), normalizePattern(b));
  const ba = patternsOverlap(normalizePattern(b), normalizePattern(a));
  expect(ab, `${a} vs ${b} is not symmetric`).toBe(ba);
  return ab;
};

describe('lease patterns: overlap is the intersection of the paths they match', () => {
  it.each([
    ['src/**', 'src/a.ts'],
    ['**/*.ts', 'lib/x.ts'],
    ['**/*.ts', 'x.ts'],
    ['src/*.ts', 'src/a.ts'],
    ['src/*.ts', 'src/a*'],
    ['src/a?.ts', 'src/ab.ts'],
    ['src/**/test/*.ts', 'src/a/b/test/c.ts'],
    ['src/**/test/*.ts', 'src/test/c.ts'],
    ['**', 'anything/at/all'],
    ['src/', 'src/deep/file.ts'], // a trailing slash: the directory's contents
    ['src/core/', 'src/**/x.ts'],
    ['**/a/**', 'b/**/c'], // b/a/c
    ['a/**/b', 'a/**/b'],
    ['*.md', '?????.md'],
    ['a*b', '*ab*'],
    ['src/**', '**/x.md'],
  ])('%s overlaps %s', (a, b) => {
    expect(overlap(a, b)).toBe(true);
  });

  it.each([
    ['src/*.ts', 'src/*.md'],
    ['src/*.ts', 'src/a/b.ts'], // * stays within one directory
    ['src/**', 'lib/a.ts'],
    ['src/a.ts', 'src/b.ts'],
    ['src/a.ts', 'src/a.tsx'],
    ['**/*.ts', 'lib/x.md'],
    ['src/?.ts', 'src/ab.ts'],
    ['a/**/b', 'a/**/c'],
    ['lib/x.ts', 'lib/x.ts.bak'],
    ['docs/*', 'src/*'],
    ['src/**/test/*.ts', 'src/a/b/c.ts'],
    ['README.md', '**/*.ts'], // a file is not a directory of .ts files
    ['src', 'src/a.ts'], // a plain path names that path only (src/ is its contents)
  ])('%s does not overlap %s', (a, b) => {
    expect(overlap(a, b)).toBe(false);
  });

  it('segment globs: the character DP', () => {
    expect(charsOverlap('a*c', 'ab*')).toBe(true); // abc
    expect(charsOverlap('a*c', '*b')).toBe(false);
    expect(charsOverlap('??', '*')).toBe(true);
    expect(charsOverlap('??', 'abc')).toBe(false);
    expect(charsOverlap('*x*', '*y*')).toBe(true); // xy
  });

  it('stays fast on adversarial patterns (memoised DP, not backtracking)', () => {
    const a = `${'**/'.repeat(40)}${'*a'.repeat(40)}b`;
    const b = `${'**/'.repeat(40)}${'a*'.repeat(40)}c`;
    const t = Date.now();
    expect(overlap(a, b)).toBe(false);
    expect(Date.now() - t).toBeLessThan(2000);
  });

  it('normalises spellings and refuses paths leaving the project', () => {
    expect(normalizePattern('./src//a.ts')).toBe('src/a.ts');
    expect(normalizePattern('src/')).toBe('src/**');
    expect(normalizePattern('**/**/x')).toBe('**/x');
    expect(patternProblem('/etc/passwd')).toMatch(/absolute/);
    expect(patternProblem('C:/x')).toMatch(/absolute/);
    expect(patternProblem('../x')).toMatch(/'\.\.'/);
    expect(patternProblem('src/../../x')).toMatch(/'\.\.'/);
    expect(patternProblem('.')).toMatch(/project directory itself/);
    expect(patternProblem('src\\a.ts')).toMatch(/backslash/);
    expect(patternProblem('src/a..b.ts')).toBeNull();
  });
});
