import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { notFound } from './errors.js';
import type { Skill, SkillSummary } from './types.js';

/**
 * Skills are markdown files: `<dir>/<name>.md` or `<dir>/<name>/SKILL.md` (Claude Code's layout), read
 * from the global `$MAESTRO_HOME/skills` and a project's `.maestro/skills`; a project skill overrides a
 * global one of the same name.
 */
export class SkillLibrary {
  constructor(private readonly globalDir: string) {}

  list(projectDir?: string): SkillSummary[] {
    const byName = new Map<string, SkillSummary>();
    for (const s of scan(this.globalDir, 'global')) byName.set(s.name, s);
    if (projectDir) for (const s of scan(join(projectDir, '.maestro', 'skills'), 'project')) byName.set(s.name, s);
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** A skill by name; a missing one is `not_found` naming `field`: the input field the name came from. */
  get(name: string, projectDir?: string, field = 'name'): Skill {
    const summary = this.list(projectDir).find((s) => s.name === name);
    if (!summary) throw notFound('skill', name, field);
    return { ...summary, content: readFileSync(summary.path, 'utf8') };
  }
}

function scan(dir: string, source: SkillSummary['source']): SkillSummary[] {
  if (!existsSync(dir)) return [];
  const out: SkillSummary[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    let path: string | undefined;
    let name: string | undefined;
    if (entry.isFile() && entry.name.endsWith('.md')) {
      path = join(dir, entry.name);
      name = entry.name.slice(0, -3);
    } else if (entry.isDirectory() && existsSync(join(dir, entry.name, 'SKILL.md'))) {
      path = join(dir, entry.name, 'SKILL.md');
      name = entry.name;
    }
    if (!path || !name || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || !statSync(path).isFile()) continue;
    out.push({ name, source, path, description: describe(readFileSync(path, 'utf8')) });
  }
  return out;
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
