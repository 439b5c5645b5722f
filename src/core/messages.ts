import { notFound } from './errors.js';
import { newId, nowIso } from './ids.js';
import type { Store } from './store.js';
import type { Message, MessageRecipient, MessageState, MessageVia } from './types.js';

/*
 * The messages' store (issue 12): a message and its recipients, each with how far it got. Who may send
 * what to whom is messages-routing.ts; pushing them to agents is messages-center.ts. Every change is
 * announced (`message.created`, `message.updated`) after its transaction commits.
 */

interface MessageRow {
  id: string;
  project_id: string;
  from_session_id: string | null;
  from_name: string;
  to_target: string;
  thread_id: string;
  reply_to: string | null;
  task_id: string | null;
  subject: string;
  body: string;
  created_at: string;
}

interface RecipientRow {
  message_id: string;
  position: number;
  session_id: string | null;
  name: string;
  delivered_at: string | null;
  delivered_via: MessageVia | null;
  read_at: string | null;
  acked_at: string | null;
  ack_note: string | null;
}

/** A recipient: a session (its id and name), or the user (null). */
export interface RecipientRef {
  sessionId: string | null;
  name: string;
}

export interface NewMessage {
  projectId: string;
  from: RecipientRef;
  to: string;
  recipients: RecipientRef[];
  replyTo: string | null;
  threadId: string | null;
  taskId: string | null;
  subject: string;
  body: string;
}

const ORDER: MessageState[] = ['sent', 'delivered', 'read', 'acknowledged'];

const stateOf = (r: RecipientRow): MessageState => (r.acked_at ? 'acknowledged' : r.read_at ? 'read' : r.delivered_at ? 'delivered' : 'sent');

const toRecipient = (r: RecipientRow): MessageRecipient => ({
  sessionId: r.session_id,
  name: r.name,
  state: stateOf(r),
  deliveredAt: r.delivered_at,
  deliveredVia: r.delivered_via,
  readAt: r.read_at,
  ackedAt: r.acked_at,
  ackNote: r.ack_note,
});

export const newMessageId = (): string => newId('msg');

/** Who is asking for an inbox or list: a session, or the user (null). */
export type Party = string | null;

const partyWhere = (column: string, party: Party): [string, unknown[]] => (party === null ? [`${column} IS NULL`, []] : [`${column} = ?`, [party]]);

export class MessageRepo {
  constructor(private readonly store: Store) {}

  create(m: NewMessage): Message {
    return this.store.tx(() => {
      const id = newMessageId();
      const now = nowIso();
      this.store
        .prepare(
          `INSERT INTO messages (id, project_id, from_session_id, from_name, to_target, thread_id, reply_to, task_id, subject, body, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, m.projectId, m.from.sessionId, m.from.name, m.to, m.threadId ?? id, m.replyTo, m.taskId, m.subject, m.body, now);
      const insert = this.store.prepare('INSERT INTO message_recipients (message_id, position, session_id, name) VALUES (?, ?, ?, ?)');
      m.recipients.forEach((r, i) => insert.run(id, i, r.sessionId, r.name));
      const message = this.get(id);
      this.store.emit({ type: 'message.created', message });
      return message;
    });
  }

  get(id: string, field = 'messageId'): Message {
    const row = this.store.prepare('SELECT * FROM messages WHERE id = ?').get(id) as MessageRow | undefined;
    if (!row) throw notFound('message', id, field);
    return this.toMessage(row);
  }

  /** Whether `party` is one of the message's recipients. */
  isRecipient(messageId: string, party: Party): boolean {
    const [where, params] = partyWhere('session_id', party);
    return this.store.prepare(`SELECT 1 FROM message_recipients WHERE message_id = ? AND ${where}`).get(messageId, ...params) !== undefined;
  }

  /**
   * The inbox of `party`: the unread messages (oldest first) and, with `all`, the read ones after them
   * (newest first); at most `limit`. `projectId` narrows the user's inbox to one project.
   */
  inbox(party: Party, opts: { all: boolean; limit: number; projectId?: string }): { messages: Message[]; unread: string[] } {
    const [where, params] = partyWhere('r.session_id', party);
    const project = opts.projectId ? ' AND m.project_id = ?' : '';
    const pp = opts.projectId ? [opts.projectId] : [];
    const base = `SELECT DISTINCT m.* FROM messages m JOIN message_recipients r ON r.message_id = m.id WHERE ${where}${project}`;
    const unread = this.store.prepare(`${base} AND r.read_at IS NULL ORDER BY m.created_at, m.rowid LIMIT ?`).all(...params, ...pp, opts.limit) as MessageRow[];
    const read =
      opts.all && unread.length < opts.limit
        ? (this.store
            .prepare(`${base} AND r.read_at IS NOT NULL ORDER BY m.created_at DESC, m.rowid DESC LIMIT ?`)
            .all(...params, ...pp, opts.limit - unread.length) as MessageRow[])
        : [];
    return { messages: [...unread, ...read].map((r) => this.toMessage(r)), unread: unread.map((r) => r.id) };
  }

  /** Messages `party` has not had delivered yet (oldest first): what a push brings. */
  undelivered(sessionId: string): Message[] {
    const rows = this.store
      .prepare(
        `SELECT DISTINCT m.* FROM messages m JOIN message_recipients r ON r.message_id = m.id
         WHERE r.session_id = ? AND r.delivered_at IS NULL AND r.read_at IS NULL ORDER BY m.created_at, m.rowid`,
      )
      .all(sessionId) as MessageRow[];
    return rows.map((r) => this.toMessage(r));
  }

  /** Messages `party` sent or received (or all of a project's), newest first. */
  list(opts: { projectId?: string; party?: Party; limit: number }): Message[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (opts.projectId !== undefined) {
      where.push('m.project_id = ?');
      params.push(opts.projectId);
    }
    if (opts.party !== undefined) {
      const [sent, p1] = partyWhere('m.from_session_id', opts.party);
      const [got, p2] = partyWhere('r.session_id', opts.party);
      where.push(`(${sent} OR EXISTS (SELECT 1 FROM message_recipients r WHERE r.message_id = m.id AND ${got}))`);
      params.push(...p1, ...p2);
    }
    const sql = `SELECT m.* FROM messages m${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY m.created_at DESC, m.rowid DESC LIMIT ?`;
    return (this.store.prepare(sql).all(...params, opts.limit) as MessageRow[]).map((r) => this.toMessage(r));
  }

  /**
   * Moves `party`'s copy of these messages on: delivered (by `via`), read, acknowledged (each step
   * implies the ones before; a step already taken keeps its first time). Announces the messages that changed.
   */
  advance(messageIds: string[], party: Party, to: { via: MessageVia; read?: boolean; ack?: boolean; note?: string | null }): Message[] {
    if (messageIds.length === 0) return [];
    return this.store.tx(() => {
      const now = nowIso();
      const [where, params] = partyWhere('session_id', party);
      const changed: Message[] = [];
      for (const id of messageIds) {
        const r = this.store
          .prepare(
            `UPDATE message_recipients SET
               delivered_at = COALESCE(delivered_at, ?),
               delivered_via = COALESCE(delivered_via, ?),
               read_at = CASE WHEN ? THEN COALESCE(read_at, ?) ELSE read_at END,
               acked_at = CASE WHEN ? THEN COALESCE(acked_at, ?) ELSE acked_at END,
               ack_note = CASE WHEN ? AND acked_at IS NULL THEN ? ELSE ack_note END
             WHERE message_id = ? AND ${where}
               AND (delivered_at IS NULL OR (? AND read_at IS NULL) OR (? AND acked_at IS NULL))`,
          )
          .run(
            now,
            to.via,
            to.read || to.ack ? 1 : 0,
            now,
            to.ack ? 1 : 0,
            now,
            to.ack ? 1 : 0,
            to.note ?? null,
            id,
            ...params,
            to.read || to.ack ? 1 : 0,
            to.ack ? 1 : 0,
          );
        if (r.changes === 0) continue;
        const message = this.get(id);
        changed.push(message);
        this.store.emit({ type: 'message.updated', message });
      }
      return changed;
    });
  }

  private toMessage(row: MessageRow): Message {
    const recipients = (this.store.prepare('SELECT * FROM message_recipients WHERE message_id = ? ORDER BY position').all(row.id) as RecipientRow[]).map(
      toRecipient,
    );
    const state = recipients.reduce<MessageState>((least, r) => (ORDER.indexOf(r.state) < ORDER.indexOf(least) ? r.state : least), 'acknowledged');
    return {
      id: row.id,
      projectId: row.project_id,
      from: { sessionId: row.from_session_id, name: row.from_name },
      to: row.to_target,
      threadId: row.thread_id,
      replyTo: row.reply_to,
      taskId: row.task_id,
      subject: row.subject,
      body: row.body,
      createdAt: row.created_at,
      recipients,
      state: recipients.length ? state : 'sent',
    };
  }
}
