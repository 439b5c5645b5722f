/**
 * The skill library keeps what it read between calls (every spawn lists the skills): whatever changed on
 * disk since must still show at the next call, however the change was made and however soon.
 */
import { mkdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SkillLibrary } from '../src/core/skills.js';
import { tempHome } from './helpers.js';

const homes: string[] = [];
afterEach(() => homes.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A global skills folder and a project with its own, and a library reading both. */
function setup() {
  const root = tempHome('maestro-skills-');
  homes.push(root);
  const globalDir = join(root, 'skills');
  const project = join(root, 'project');
  const projectSkills = join(project, '.maestro', 'skills');
  mkdirSync(globalDir, { recursive: true });
  mkdirSync(projectSkills, { recursive: true });
  return { globalDir, project, projectSkills, library: new SkillLibrary(globalDir) };
}

const described = (library: SkillLibrary, project?: string) =>
  Object.fromEntries(library.list(project).map((s) => [s.name, `${s.source}: ${s.description}`]));

/** Sets a file's (or folder's) access and modification times an hour back: a stamp old enough to be trusted. */
const ageOf = (path: string, mtime = new Date(Date.now() - 3_600_000)) => utimesSync(path, mtime, mtime);

describe('SkillLibrary', () => {
  it('lists both layouts and both sources, a project skill overriding a global one, and reads a skill', () => {
    const { globalDir, project, projectSkills, library } = setup();
    writeFileSync(join(globalDir, 'testing.md'), '# Testing\nWrite tests first.\n');
    writeFileSync(join(globalDir, 'deploy.md'), '# Deploy\nGlobal deploy.\n');
    mkdirSync(join(projectSkills, 'deploy'));
    writeFileSync(join(projectSkills, 'deploy', 'SKILL.md'), '---\ndescription: Project deploy\n---\n# D\n');
    writeFileSync(join(globalDir, 'notes.txt'), 'not a skill');
    writeFileSync(join(globalDir, '.hidden.md'), 'not a skill name');
    mkdirSync(join(globalDir, 'empty-folder'));

    expect(described(library, project)).toEqual({ deploy: 'project: Project deploy', testing: 'global: Write tests first.' });
    expect(described(library)).toEqual({ deploy: 'global: Global deploy.', testing: 'global: Write tests first.' });
    expect(library.list(project).map((s) => s.name)).toEqual(['deploy', 'testing']);
    expect(library.get('deploy', project)).toMatchObject({ source: 'project', content: '---\ndescription: Project deploy\n---\n# D\n' });
    expect(() => library.get('nope', project, 'skills')).toThrow(/nope/);
    expect(() => library.assertKnown(['testing', 'nope'], project, 'skills')).toThrow(expect.objectContaining({ code: 'not_found', field: 'skills' }));
    expect(() => library.assertKnown(['testing', 'deploy'], project, 'skills')).not.toThrow();
  });

  it('shows a skill added, removed or renamed at the next call, and a SKILL.md added to a folder it listed before', () => {
    const { globalDir, library } = setup();
    writeFileSync(join(globalDir, 'a.md'), 'A\n');
    mkdirSync(join(globalDir, 'later'));
    ageOf(join(globalDir, 'a.md'));
    ageOf(globalDir);
    expect(described(library)).toEqual({ a: 'global: A' });
    expect(described(library)).toEqual({ a: 'global: A' }); // now from what it kept

    writeFileSync(join(globalDir, 'b.md'), 'B\n');
    expect(described(library)).toEqual({ a: 'global: A', b: 'global: B' });
    writeFileSync(join(globalDir, 'later', 'SKILL.md'), 'Later\n'); // the skills folder itself does not change
    expect(described(library)).toEqual({ a: 'global: A', b: 'global: B', later: 'global: Later' });
    rmSync(join(globalDir, 'a.md'));
    expect(described(library)).toEqual({ b: 'global: B', later: 'global: Later' });
    renameSync(join(globalDir, 'b.md'), join(globalDir, 'c.md'));
    expect(described(library)).toEqual({ c: 'global: B', later: 'global: Later' });
    rmSync(join(globalDir, 'later', 'SKILL.md'));
    expect(described(library)).toEqual({ c: 'global: B' });
    rmSync(globalDir, { recursive: true });
    expect(described(library)).toEqual({});
    mkdirSync(globalDir);
    writeFileSync(join(globalDir, 'd.md'), 'D\n');
    expect(described(library)).toEqual({ d: 'global: D' });
  });

  it('shows an edit made at once, with the same size, in the same clock tick as the read before', () => {
    const { globalDir, library } = setup();
    const file = join(globalDir, 'fast.md');
    // Many rounds: a round whose edit lands in the same tick as the write before leaves the same mtime.
    for (let round = 0; round < 50; round++) {
      writeFileSync(file, `Version ${round % 2}\n`);
      expect(library.get('fast').description).toBe(`Version ${round % 2}`);
      expect(described(library)).toEqual({ fast: `global: Version ${round % 2}` });
    }
  });

  it('shows an edit of an old file whose mtime was set back as it was (same size, same mtime)', () => {
    const { globalDir, project, projectSkills, library } = setup();
    const old = new Date(Date.now() - 3_600_000);
    for (const [file, name] of [
      [join(globalDir, 'old.md'), 'old'],
      [join(projectSkills, 'nested', 'SKILL.md'), 'nested'],
    ] as const) {
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, 'First text\n');
      ageOf(file, old);
      expect(library.get(name, project).description).toBe('First text');
      expect(library.get(name, project).description).toBe('First text');
      writeFileSync(file, 'Other text\n');
      ageOf(file, old); // as `touch -d` or `cp -p` would: only the change time tells
      // utimes takes seconds as a double, so the mtime read back can be a microsecond off: compared in ms, as set.
      expect(Math.round(statSync(file).mtimeMs)).toBe(old.getTime());
      expect(library.get(name, project).description).toBe('Other text');
    }
  });

  it('shows a file replaced by a rename (as editors save), same size and mtime, in a folder whose mtime was set back', () => {
    const { globalDir, library } = setup();
    const file = join(globalDir, 'saved.md');
    const old = new Date(Date.now() - 3_600_000);
    writeFileSync(file, 'Before save\n');
    ageOf(file, old);
    ageOf(globalDir, old);
    expect(library.get('saved').description).toBe('Before save');
    writeFileSync(`${file}.tmp`, 'After saves\n');
    ageOf(`${file}.tmp`, old);
    renameSync(`${file}.tmp`, file);
    ageOf(globalDir, old);
    expect(library.get('saved').description).toBe('After saves');
  });
});
