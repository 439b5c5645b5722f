import { isAbsolute, join, relative, sep } from 'node:path';
import { slug } from './slug.js';
import type { Project } from './types.js';

/*
 * Which project a directory belongs to, so that a command run inside a project (or one of its sessions'
 * worktrees) needs no --project. Pure path logic over the project list: the CLI asks the server for the
 * projects and decides here, without loading the core.
 */

/** The folders a project's work happens in: its directory, and where its sessions' worktrees go. */
export function projectFolders(project: Pick<Project, 'name' | 'workingDir' | 'worktreeRoot'>, home: string): string[] {
  return [project.workingDir, project.worktreeRoot ?? join(home, 'worktrees', slug(project.name))];
}

/** Whether `dir` is `folder` or inside it. */
export function isWithin(dir: string, folder: string): boolean {
  const rel = relative(folder, dir);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

/**
 * The project whose folder holds `dir` most closely (the deepest folder wins, so a project nested inside
 * another's directory is found), or null when none does or two projects claim the same folder. `real`
 * resolves symbolic links on both sides (a project registered as /tmp/x is found from /private/tmp/x).
 */
export function projectAt<P extends Pick<Project, 'name' | 'workingDir' | 'worktreeRoot'>>(
  projects: readonly P[],
  dir: string,
  home: string,
  real: (path: string) => string = (p) => p,
): P | null {
  const here = real(dir);
  let best: { project: P; depth: number; tie: boolean } | null = null;
  for (const project of projects) {
    for (const folder of projectFolders(project, home)) {
      const root = real(folder);
      if (!isWithin(here, root)) continue;
      const depth = root.split(sep).filter(Boolean).length;
      if (!best || depth > best.depth) best = { project, depth, tie: false };
      else if (depth === best.depth && best.project !== project) best.tie = true;
    }
  }
  return best && !best.tie ? best.project : null;
}
