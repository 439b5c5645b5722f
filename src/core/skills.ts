import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { notFound } from './errors.js';
import type { Skill, SkillSummary } from './types.js';

/**
 * Skills are markdown files: `<dir>/<name>.md` or `<dir>/<name>/SKILL.md` (Claude Code's layout), read
 * from the global `$MAESTRO_HOME/skills` and a project's `.maestro/skills`; a project skill overrides a
 * global one of the same name.
 *
 * Every spawn lists them (its manifest names them), so what a scan found is kept per folder: a folder is
 * listed again only when it changed, and a skill file read again only when it changed. A stat per file
 * remains: an edit does not touch its folder.
 */
export class SkillLibrary {
  private readonly folders = new Map<string, SkillFolder>();

  constructor(private readonly globalDir: string) {}

  list(projectDir?: string): SkillSummary[] {
    return this.skills(projectDir).map(({ content: _content, ...summary }) => summary);
  }

  /** A skill by name; a missing one is `not_found` naming `field`: the input field the name came from. */
  get(name: string, projectDir?: string, field = 'name'): Skill {
    const skill = this.skills(projectDir).find((s) => s.name === name);
    if (!skill) throw notFound('skill', name, field);
    return { ...skill };
  }

  /** Fails as `get` does on the first of `names` that is no skill, listing the skills once for all of them. */
  assertKnown(names: readonly string[], projectDir: string | undefined, field: string): void {
    if (names.length === 0) return;
    const known = new Set(this.skills(projectDir).map((s) => s.name));
    for (const name of names) if (!known.has(name)) throw notFound('skill', name, field);
  }

  private skills(projectDir?: string): Skill[] {
    const byName = new Map<string, Skill>();
    for (const s of this.folder(this.globalDir, 'global').scan()) byName.set(s.name, s);
    if (projectDir) for (const s of this.folder(join(projectDir, '.maestro', 'skills'), 'project').scan()) byName.set(s.name, s);
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  private folder(dir: string, source: SkillSummary['source']): SkillFolder {
    let folder = this.folders.get(dir);
    if (!folder) this.folders.set(dir, (folder = new SkillFolder(dir, source)));
    return folder;
  }
}

/**
 * How a file or folder stood when it was read. The inode catches a file replaced by a rename, ctime a
 * change whose mtime was set back (`touch -d`, `cp -p`): nobody can set ctime.
 */
interface Stamp {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

/**
 * A change within the file system's timestamp granularity of the moment it was read can leave the same
 * stamp (the kernel stamps with a clock that ticks every few ms; some file systems keep whole seconds). A
 * stamp that recent is not trusted: the file is read again at the next call, until its stamp is older
 * than this. Git's index handles "racily clean" files the same way.
 */
const RACY_MS = 2_000;

const stampOf = (st: Stats): Stamp => ({ ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs });
const sameStamp = (a: Stamp, b: Stamp): boolean => a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
/** Whether `stamp` was taken long enough after the last change it shows that a change since would show. */
const trusted = (stamp: Stamp, readAtMs: number): boolean => readAtMs - Math.max(stamp.mtimeMs, stamp.ctimeMs) > RACY_MS;

/** A skill file where a skill may be, as the folder's listing named it. */
interface Candidate {
  name: string;
  path: string;
}

interface CachedSkill {
  stamp: Stamp;
  trusted: boolean;
  skill: Skill;
}

/** One skills folder and what was found in it. */
class SkillFolder {
  /** The folder's candidates as of `stamp` (none: not listed yet, or the folder was not there). */
  private listing: { stamp: Stamp; trusted: boolean; candidates: Candidate[] } | undefined;
  private readonly files = new Map<string, CachedSkill>();

  constructor(
    private readonly dir: string,
    private readonly source: SkillSummary['source'],
  ) {}

  scan(): Skill[] {
    const now = Date.now();
    const candidates = this.candidates(now);
    const out: Skill[] = [];
    const seen = new Set<string>();
    for (const { name, path } of candidates) {
      const skill = this.read(name, path, now);
      if (skill) {
        out.push(skill);
        seen.add(path);
      }
    }
    for (const path of this.files.keys()) if (!seen.has(path)) this.files.delete(path); // gone: forget it
    return out;
  }

  /** The folder's skill files by name, listed again only when the folder changed (an entry added, removed or renamed). */
  private candidates(now: number): Candidate[] {
    const st = statSync(this.dir, { throwIfNoEntry: false });
    if (!st?.isDirectory()) {
      this.listing = undefined;
      return [];
    }
    const stamp = stampOf(st);
    if (this.listing?.trusted && sameStamp(this.listing.stamp, stamp)) return this.listing.candidates;
    const candidates: Candidate[] = [];
    for (const entry of readdirSync(this.dir, { withFileTypes: true })) {
      // A folder is a candidate whether or not its SKILL.md is there yet: adding one does not change this folder.
      if (entry.isFile() && entry.name.endsWith('.md')) candidates.push({ name: entry.name.slice(0, -3), path: join(this.dir, entry.name) });
      else if (entry.isDirectory()) candidates.push({ name: entry.name, path: join(this.dir, entry.name, 'SKILL.md') });
    }
    this.listing = { stamp, trusted: trusted(stamp, now), candidates: candidates.filter((c) => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(c.name)) };
    return this.listing.candidates;
  }

  /** The skill in `path`, read again only when the file changed; undefined when no file is there. */
  private read(name: string, path: string, now: number): Skill | undefined {
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st?.isFile()) return undefined;
    const stamp = stampOf(st);
    const cached = this.files.get(path);
    if (cached?.trusted && sameStamp(cached.stamp, stamp)) return cached.skill;
    const content = readFileSync(path, 'utf8');
    const skill: Skill = { name, source: this.source, path, description: describe(content), content };
    // The stamp is the one from before the read: a change during the read leaves a newer stamp, so it is read again.
    this.files.set(path, { stamp, trusted: trusted(stamp, now), skill });
    return skill;
  }
}

/** The front matter's `description:`, else the first line of prose. */
export function describe(markdown: string): string {
  const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(markdown);
  const fromFront = front?.[1]?.match(/^description:\s*(.+)$/m)?.[1];
  if (fromFront) return fromFront.trim().replace(/^["']|["']$/g, '');
  const body = front ? markdown.slice(front[0].length) : markdown;
  const line = body
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l.length > 0 && !l.startsWith('#'));
  return (line ?? '').slice(0, 300);
}
