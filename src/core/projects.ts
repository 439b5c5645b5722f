import { isAbsolute } from 'node:path';
import { MaestroError, invalid, notFound } from './errors.js';
import { newId, nowIso } from './ids.js';
import type { Store } from './store.js';
import type { DependencyUntil } from './schemas.js';
import type { Project } from './types.js';
import { assertVersion } from './versions.js';

interface ProjectRow {
  id: string;
  name: string;
  working_dir: string;
  base_branch: string | null;
  worktrees: number;
  worktree_root: string | null;
  test_cmd: string | null;
  dependency_until: DependencyUntil;
  lease_guard: number;
  created_at: string;
  updated_at: string;
  version: number;
}

const toProject = (r: ProjectRow): Project => ({
  id: r.id,
  name: r.name,
  workingDir: r.working_dir,
  baseBranch: r.base_branch,
  worktrees: r.worktrees === 1,
  worktreeRoot: r.worktree_root,
  testCmd: r.test_cmd,
  dependencyUntil: r.dependency_until,
  leaseGuard: r.lease_guard !== 0,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  version: r.version,
});

/** What project.update may change; undefined keeps a field, null clears a nullable one. */
export interface ProjectPatch {
  name?: string;
  workingDir?: string;
  baseBranch?: string | null;
  worktrees?: boolean;
  worktreeRoot?: string | null;
  testCmd?: string | null;
  dependencyUntil?: DependencyUntil;
  leaseGuard?: boolean;
  ifVersion?: number;
}

/** A project being deleted (deleting_at, migration 17) is gone for every caller, though its rows are still going. */
export const SHOWN = 'deleting_at IS NULL';
/** The same rule for rows that name their project (`project_id`): those of a project being deleted are gone too. */
export const IN_SHOWN_PROJECT = 'project_id NOT IN (SELECT id FROM projects WHERE deleting_at IS NOT NULL)';

export class ProjectRepo {
  constructor(private readonly store: Store) {}

  create(input: { name: string; workingDir: string }): Project {
    if (!isAbsolute(input.workingDir)) throw invalid('workingDir must be an absolute path', 'workingDir');
    return this.store.tx(() => {
      this.assertNameFree(input.name);
      const now = nowIso();
      const id = newId('prj');
      this.store
        .prepare('INSERT INTO projects (id, name, working_dir, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
        .run(id, input.name, input.workingDir, now, now);
      const project = this.get(id);
      this.store.emit({ type: 'project.created', project });
      return project;
    });
  }

  update(ref: string, patch: ProjectPatch): Project {
    if (patch.workingDir !== undefined && !isAbsolute(patch.workingDir))
      throw invalid('workingDir must be an absolute path', 'workingDir');
    if (patch.worktreeRoot != null && !isAbsolute(patch.worktreeRoot))
      throw invalid('worktreeRoot must be an absolute path', 'worktreeRoot');
    return this.store.tx(() => {
      const current = this.resolve(ref);
      assertVersion('project', current.id, current.version, patch.ifVersion);
      if (patch.name !== undefined && patch.name !== current.name) this.assertNameFree(patch.name);
      const keep = <T>(value: T | undefined, now: T): T => (value === undefined ? now : value);
      this.store
        .prepare(
          `UPDATE projects SET name = ?, working_dir = ?, base_branch = ?, worktrees = ?, worktree_root = ?, test_cmd = ?,
             dependency_until = ?, lease_guard = ?, updated_at = ? WHERE id = ?`,
        )
        .run(
          patch.name ?? current.name,
          patch.workingDir ?? current.workingDir,
          keep(patch.baseBranch, current.baseBranch),
          keep(patch.worktrees, current.worktrees) ? 1 : 0,
          keep(patch.worktreeRoot, current.worktreeRoot),
          keep(patch.testCmd, current.testCmd),
          patch.dependencyUntil ?? current.dependencyUntil,
          keep(patch.leaseGuard, current.leaseGuard) ? 1 : 0,
          nowIso(),
          current.id,
        );
      const project = this.get(current.id);
      this.store.emit({ type: 'project.updated', project });
      return project;
    });
  }

  get(id: string): Project {
    const row = this.store.prepare(`SELECT * FROM projects WHERE id = ? AND ${SHOWN}`).get(id) as ProjectRow | undefined;
    if (!row) throw notFound('project', id, 'project');
    return toProject(row);
  }

  /**
   * Accepts an id or a name, so people can type `--project web`; an id wins over a name that spells it. Two
   * lookups, each on its own unique index: one query with `id = ? OR name = ?` cost SQLite far more (every
   * request naming a project pays for it).
   */
  resolve(ref: string, field = 'project'): Project {
    const row = (this.store.prepare(`SELECT * FROM projects WHERE id = ? AND ${SHOWN}`).get(ref) ??
      this.store.prepare(`SELECT * FROM projects WHERE name = ? AND ${SHOWN}`).get(ref)) as ProjectRow | undefined;
    if (!row) throw notFound('project', ref, field);
    return toProject(row);
  }

  list(): Project[] {
    return (this.store.prepare(`SELECT * FROM projects WHERE ${SHOWN} ORDER BY created_at, id`).all() as ProjectRow[]).map(
      toProject,
    );
  }

  /** Projects marked deleted whose rows are still being removed (project-removal.ts). */
  beingDeleted(): string[] {
    return (this.store.prepare('SELECT id FROM projects WHERE deleting_at IS NOT NULL ORDER BY deleting_at, id').all() as Array<{ id: string }>).map((r) => r.id);
  }

  /** Hides the project from every caller from now on: project-removal.ts then deletes its rows. */
  markDeleting(id: string): void {
    this.store.prepare('UPDATE projects SET deleting_at = ? WHERE id = ?').run(nowIso(), id);
  }

  private assertNameFree(name: string): void {
    const clash = this.store.prepare('SELECT deleting_at FROM projects WHERE name = ?').get(name) as { deleting_at: string | null } | undefined;
    if (!clash) return;
    throw new MaestroError(
      'conflict',
      clash.deleting_at === null
        ? `a project named '${name}' already exists`
        : `a project named '${name}' is being deleted; its name is free once that is done (try again in a moment)`,
      'name',
    );
  }
}
