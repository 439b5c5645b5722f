import { isAbsolute } from 'node:path';
import { MaestroError, invalid, notFound } from './errors.js';
import { newId, nowIso } from './ids.js';
import type { Store } from './store.js';
import type { Project } from './types.js';
import { assertVersion } from './versions.js';

interface ProjectRow {
  id: string;
  name: string;
  working_dir: string;
  created_at: string;
  updated_at: string;
  version: number;
}

const toProject = (r: ProjectRow): Project => ({
  id: r.id,
  name: r.name,
  workingDir: r.working_dir,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  version: r.version,
});

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

  update(ref: string, patch: { name?: string; workingDir?: string; ifVersion?: number }): Project {
    if (patch.workingDir !== undefined && !isAbsolute(patch.workingDir))
      throw invalid('workingDir must be an absolute path', 'workingDir');
    return this.store.tx(() => {
      const current = this.resolve(ref);
      assertVersion('project', current.id, current.version, patch.ifVersion);
      if (patch.name !== undefined && patch.name !== current.name) this.assertNameFree(patch.name);
      this.store
        .prepare('UPDATE projects SET name = ?, working_dir = ?, updated_at = ? WHERE id = ?')
        .run(patch.name ?? current.name, patch.workingDir ?? current.workingDir, nowIso(), current.id);
      const project = this.get(current.id);
      this.store.emit({ type: 'project.updated', project });
      return project;
    });
  }

  get(id: string): Project {
    const row = this.store.prepare('SELECT * FROM projects WHERE id = ?').get(id) as ProjectRow | undefined;
    if (!row) throw notFound('project', id, 'project');
    return toProject(row);
  }

  /** Accepts an id or a name, so people can type `--project web`. */
  resolve(ref: string, field = 'project'): Project {
    const row = this.store
      .prepare('SELECT * FROM projects WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1')
      .get(ref, ref, ref) as ProjectRow | undefined;
    if (!row) throw notFound('project', ref, field);
    return toProject(row);
  }

  list(): Project[] {
    return (this.store.prepare('SELECT * FROM projects ORDER BY created_at, id').all() as ProjectRow[]).map(
      toProject,
    );
  }

  private assertNameFree(name: string): void {
    const clash = this.store.prepare('SELECT id FROM projects WHERE name = ?').get(name);
    if (clash) throw new MaestroError('conflict', `a project named '${name}' already exists`, 'name');
  }
}
