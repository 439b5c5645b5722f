import { rmSync } from 'node:fs';
import { MaestroError } from './errors.js';
import type { CoreContext } from './service-context.js';
import { projectTaskRows, Slices } from './slices.js';

/**
 * Removing a deleted project's rows, a chunk at a time (issue 13). In one transaction, a project of 100k
 * tasks held the server 1.7 s: each task costs ~17 µs of cascades, foreign-key checks, search index and
 * index updates. project-admin.ts marks the project first (`deleting_at`, migration 17), which hides it from
 * every caller; this then deletes what grows with its work in chunks (its tasks deepest subtasks first),
 * gives the turn away between slices, and deletes the project row last (its cascade takes what is left:
 * sessions, their queues and task links, leases). A server stopped meanwhile finishes at its next start
 * (`resume`).
 */
const CHUNK = 256;

/** What grows with a project's work besides its tasks (`removeTasks`); each statement deletes up to CHUNK rows of it. */
export const CHUNKS: readonly string[] = [
  // its sessions' timelines (a drained queue of 100k tasks has 100k entries), then its messages' recipients
  // (one message may have hundreds) before the messages, its dispatcher's log, its webhooks' deliveries
  `DELETE FROM timeline WHERE rowid IN (SELECT t.rowid FROM sessions s JOIN timeline t ON t.session_id = s.id WHERE s.project_id = ? LIMIT ${CHUNK})`,
  `DELETE FROM message_recipients WHERE rowid IN (SELECT r.rowid FROM messages m JOIN message_recipients r ON r.message_id = m.id WHERE m.project_id = ? LIMIT ${CHUNK})`,
  `DELETE FROM messages WHERE rowid IN (SELECT rowid FROM messages WHERE project_id = ? LIMIT ${CHUNK})`,
  `DELETE FROM dispatch_log WHERE rowid IN (SELECT rowid FROM dispatch_log WHERE project_id = ? LIMIT ${CHUNK})`,
  `DELETE FROM webhook_deliveries WHERE rowid IN (SELECT d.rowid FROM webhooks w JOIN webhook_deliveries d ON d.webhook_id = w.id WHERE w.project_id = ? LIMIT ${CHUNK})`,
];

export class ProjectRemoval {
  private closed = false;
  /** Removals under way (each to the folders that would not go): a second caller, a resume beside a delete, waits for the same one. */
  private readonly running = new Map<string, Promise<string[]>>();

  constructor(private readonly core: Pick<CoreContext, 'store' | 'paths' | 'projects' | 'launcher'>) {}

  /**
   * Deletes the rows of a project marked deleting, then the project, then its sessions' folders; resolves
   * with the folders that would not go.
   */
  remove(projectId: string, slices = new Slices()): Promise<string[]> {
    let run = this.running.get(projectId);
    if (!run) {
      run = this.run(projectId, slices).finally(() => this.running.delete(projectId));
      this.running.set(projectId, run);
    }
    return run;
  }

  /** After a restart: finishes the removals a stopped server left under way. */
  async resume(onLeftOver: (projectId: string, leftOver: string[]) => void): Promise<void> {
    for (const id of this.core.projects.beingDeleted()) {
      const leftOver = await this.remove(id);
      if (leftOver.length > 0) onLeftOver(id, leftOver);
    }
  }

  /** Starts no further chunk: a removal under way fails (`unavailable`) and is finished at the next start. */
  close(): void {
    this.closed = true;
  }

  private async run(projectId: string, slices: Slices): Promise<string[]> {
    const { store } = this.core;
    const mark = store.commitMark();
    this.assertOpen();
    for (const sql of CHUNKS) {
      const chunk = store.prepare(sql);
      while (store.tx(() => chunk.run(projectId).changes) > 0) {
        if (slices.due(CHUNK)) await this.pause(slices, mark);
      }
    }
    await this.removeTasks(projectId, slices, mark);
    this.assertOpen();
    const sessionIds = store.tx(() => {
      const ids = (store.prepare('SELECT id FROM sessions WHERE project_id = ? ORDER BY created_at, id').all(projectId) as Array<{ id: string }>).map((r) => r.id);
      store.prepare('DELETE FROM projects WHERE id = ?').run(projectId);
      return ids;
    });
    return this.removeFolders(sessionIds);
  }

  /**
   * The project's tasks, deepest subtasks first, up to CHUNK of one depth per statement, so that no delete
   * cascades down a tree: SQLite runs each level of a cascade as a trigger inside the one above, and stops
   * at 1,000 levels ("too many levels of trigger recursion": a project with a chain of 10,000 nested
   * subtasks could not be deleted at all, after 6.6 s), and chunks cascading 256 levels cost 0.7 ms a task.
   */
  private async removeTasks(projectId: string, slices: Slices, mark: number): Promise<void> {
    const { store } = this.core;
    const rows = await projectTaskRows<{ id: string; parent_id: string | null }>(store, projectId, 'id, parent_id', slices);
    const chunks = await deepestFirst(rows, slices);
    const remove = store.prepare('DELETE FROM tasks WHERE id IN (SELECT value FROM json_each(?))');
    let at = 0;
    while (at < chunks.length) {
      store.tx(() => {
        do remove.run(JSON.stringify(chunks[at++]));
        while (at < chunks.length && !slices.due(CHUNK));
      });
      await this.pause(slices, mark);
    }
  }

  /**
   * Gives the turn away, once what the slice deleted is committed: with group commit, a batch the server
   * carries into the next turns while requests wait would otherwise grow with the next slices, and every
   * read waiting for it (executeOp) with it. Then checks the service is still open.
   */
  private async pause(slices: Slices, mark: number): Promise<void> {
    await this.core.store.confirm(mark);
    await slices.next();
    this.assertOpen();
  }

  /** Each session's folder (manifest, MCP config, recording), once any agent still at its prompt is stopped. */
  private async removeFolders(sessionIds: string[]): Promise<string[]> {
    const leftOver: string[] = [];
    for (const id of sessionIds) {
      // best effort: the project is gone already, an agent that will not stop must not keep its folder
      await this.core.launcher?.stop(id).catch(() => undefined);
      const dir = this.core.paths.session(id);
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch (err) {
        leftOver.push(`${dir} (${err instanceof Error ? err.message : String(err)})`);
      }
    }
    return leftOver;
  }

  private assertOpen(): void {
    if (this.closed)
      throw new MaestroError('unavailable', 'the server is stopping; the project is deleted already for every caller, and its last rows go at the next start');
  }
}

/**
 * The tasks' ids in chunks of up to CHUNK tasks of one depth, the deepest first: a chunk holds no subtask
 * of another of its tasks, and the subtasks of each are in the chunks before it. A task whose parent is not
 * among them (none should be) counts as top-level.
 */
async function deepestFirst(rows: Array<{ id: string; parent_id: string | null }>, slices: Slices): Promise<string[][]> {
  const ids = new Set<string>();
  for (const { id } of rows) ids.add(id);
  const children = new Map<string, string[]>();
  let level: string[] = [];
  for (const { id, parent_id: parent } of rows) {
    if (parent === null || !ids.has(parent)) level.push(id);
    else {
      const siblings = children.get(parent);
      if (siblings) siblings.push(id);
      else children.set(parent, [id]);
    }
    if (slices.due()) await slices.next();
  }
  const chunks: string[][] = [];
  while (level.length > 0) {
    const below: string[] = [];
    for (let i = 0; i < level.length; i += CHUNK) chunks.push(level.slice(i, i + CHUNK));
    for (const id of level) {
      for (const child of children.get(id) ?? []) below.push(child);
      if (slices.due()) await slices.next();
    }
    level = below;
  }
  return chunks.reverse();
}
