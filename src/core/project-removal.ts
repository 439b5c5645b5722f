import { rmSync } from 'node:fs';
import { MaestroError } from './errors.js';
import type { CoreContext } from './service-context.js';
import { Slices } from './slices.js';

/**
 * Removing a deleted project's rows, a chunk at a time (issue 13). In one transaction, a project of 100k
 * tasks held the server 1.7 s: each task costs ~17 µs of cascades, foreign-key checks, search index and
 * index updates. project-admin.ts marks the project first (`deleting_at`, migration 17), which hides it from
 * every caller, then this deletes what grows with its work in chunks, gives the turn away between slices,
 * and deletes the project row last (its cascade takes what is left: sessions, their queues and task links,
 * leases, its dispatcher). A server stopped meanwhile finishes at its next start (`resume`).
 */
const CHUNK = 256;

/** What grows with a project's work, biggest last; each statement deletes up to CHUNK rows of the project. */
export const CHUNKS: readonly string[] = [
  // its sessions' timelines (a drained queue of 100k tasks has 100k entries), then its messages' recipients
  // (one message may have hundreds) before the messages, its dispatcher's log, its webhooks' deliveries
  `DELETE FROM timeline WHERE rowid IN (SELECT t.rowid FROM sessions s JOIN timeline t ON t.session_id = s.id WHERE s.project_id = ? LIMIT ${CHUNK})`,
  `DELETE FROM message_recipients WHERE rowid IN (SELECT r.rowid FROM messages m JOIN message_recipients r ON r.message_id = m.id WHERE m.project_id = ? LIMIT ${CHUNK})`,
  `DELETE FROM messages WHERE rowid IN (SELECT rowid FROM messages WHERE project_id = ? LIMIT ${CHUNK})`,
  `DELETE FROM dispatch_log WHERE rowid IN (SELECT rowid FROM dispatch_log WHERE project_id = ? LIMIT ${CHUNK})`,
  `DELETE FROM webhook_deliveries WHERE rowid IN (SELECT d.rowid FROM webhooks w JOIN webhook_deliveries d ON d.webhook_id = w.id WHERE w.project_id = ? LIMIT ${CHUNK})`,
  // newest first: a task's subtasks (made after it) are gone before it, so the cascade of each stays small
  `DELETE FROM tasks WHERE rowid IN (SELECT rowid FROM tasks WHERE project_id = ? ORDER BY seq DESC LIMIT ${CHUNK})`,
];

/** What became of a project's removal: its sessions (their folders are gone too), and the folders that would not go. */
export interface Removed {
  sessionIds: string[];
  leftOver: string[];
}

export class ProjectRemoval {
  private closed = false;
  /** Removals under way: a second caller (a resume beside a delete) waits for the same one. */
  private readonly running = new Map<string, Promise<Removed>>();

  constructor(private readonly core: Pick<CoreContext, 'store' | 'paths' | 'projects' | 'launcher'>) {}

  /** Deletes the rows of a project marked deleting, then the project, then its sessions' folders. */
  remove(projectId: string, slices = new Slices()): Promise<Removed> {
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
      const { leftOver } = await this.remove(id);
      if (leftOver.length > 0) onLeftOver(id, leftOver);
    }
  }

  /** Starts no further chunk: a removal under way fails (`unavailable`) and is finished at the next start. */
  close(): void {
    this.closed = true;
  }

  private async run(projectId: string, slices: Slices): Promise<Removed> {
    const { store } = this.core;
    const mark = store.commitMark();
    for (const sql of CHUNKS) {
      const chunk = store.prepare(sql);
      // Until a chunk finds nothing: one may delete fewer than CHUNK though more are left (a task whose parent
      // in the same chunk took it along counts as the parent's cascade).
      let deleted: number;
      do {
        if (slices.due(CHUNK)) {
          // Its chunks committed before the next slice: with group commit, a batch the server carries into
          // the next turns while requests wait would otherwise keep growing with them, and every read
          // waiting for it (executeOp) would wait up to its limit (MAX_HOLD_MS): 41-57 ms at 100k tasks.
          await store.confirm(mark);
          await slices.next();
        }
        this.assertOpen();
        deleted = store.tx(() => chunk.run(projectId).changes);
      } while (deleted > 0);
    }
    this.assertOpen();
    const sessionIds = store.tx(() => {
      const ids = (store.prepare('SELECT id FROM sessions WHERE project_id = ? ORDER BY created_at, id').all(projectId) as Array<{ id: string }>).map((r) => r.id);
      store.prepare('DELETE FROM projects WHERE id = ?').run(projectId);
      return ids;
    });
    return { sessionIds, leftOver: await this.removeFolders(sessionIds) };
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
