import { useEffect, useState } from 'preact/hooks';
import { api, errorMessage } from '../../api';
import { onLiveEvent, useAppState } from '../../store';
import type { Message } from '../../types';

/*
 * The messages the dashboard shows (issue 12): one session's (its Messages tab) and the user's inbox (the
 * overview). Each view fetches its list, then follows `message.created` / `message.updated` events, so
 * delivery, read and acknowledgement states change on screen as the recipients move.
 */

/** The list with `m` in it (replacing the copy with its id), newest first. */
export function upsert(list: Message[], m: Message): Message[] {
  const rest = list.filter((x) => x.id !== m.id);
  return [m, ...rest].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
}

const involves = (m: Message, sessionId: string): boolean => m.from.sessionId === sessionId || m.recipients.some((r) => r.sessionId === sessionId);
const toUser = (m: Message): boolean => m.recipients.some((r) => r.sessionId === null);

export interface Loaded<T> {
  data: T | null;
  error: string | null;
}

/**
 * A list of messages fetched by `load`, then kept live: `message.created` / `message.updated` events for
 * the messages `matches` accepts go in (those arriving while the list loads are applied on top of it).
 * `seen` hears of each such event first.
 */
function useLiveMessages(
  load: () => Promise<Message[]>,
  matches: (m: Message) => boolean,
  deps: unknown[],
  seen: (type: 'message.created' | 'message.updated', m: Message) => void = () => undefined,
): Loaded<Message[]> & { put: (m: Message) => void } {
  const { epoch } = useAppState();
  const [data, setData] = useState<Message[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    const early: Message[] = [];
    const off = onLiveEvent((ev) => {
      if (ev.type !== 'message.created' && ev.type !== 'message.updated') return;
      if (!matches(ev.message)) return;
      seen(ev.type, ev.message);
      setData((list) => {
        if (list !== null) return upsert(list, ev.message);
        early.push(ev.message);
        return list;
      });
    });
    load()
      .then((list) => {
        if (cancelled) return;
        setError(null);
        setData(early.reduce(upsert, [...list].sort((a, b) => b.createdAt.localeCompare(a.createdAt))));
      })
      .catch((err: unknown) => !cancelled && setError(errorMessage(err)));
    return () => {
      cancelled = true;
      off();
    };
  }, [...deps, epoch]);
  return { data, error, put: (m) => setData((list) => upsert(list ?? [], m)) };
}

/** A session's messages, sent and received, newest first; live. */
export function useSessionMessages(sessionId: string): Loaded<Message[]> & { put: (m: Message) => void } {
  return useLiveMessages(() => api.sessionMessages(sessionId), (m) => involves(m, sessionId), [sessionId]);
}

/** The user's copy of a message: read, acknowledged (null: not sent to the user). */
export const userCopy = (m: Message) => m.recipients.find((r) => r.sessionId === null) ?? null;

/**
 * Messages of the user's inbox that count as new: unread when the inbox was fetched (the fetch marks
 * them read on the server) or arrived while the page was open, until acknowledged. Kept for the life of
 * the page, so they stay new when the overview is left and opened again (or refetched on a reconnect).
 */
const freshIds = new Set<string>();

/**
 * The user's inbox: messages sent to the user, every project, newest first; live. `fresh`: the new ones
 * (see freshIds) not acknowledged yet.
 */
export function useUserInbox(): Loaded<Message[]> & { fresh: Set<string>; put: (m: Message) => void } {
  const live = useLiveMessages(
    () =>
      api.userInbox().then((inbox) => {
        // Unread first: the first `unread` were not read before this call (which marked them read); kept
        // even when this view is gone, since the server will not say so again.
        for (const m of inbox.messages.slice(0, inbox.unread)) freshIds.add(m.id);
        return inbox.messages;
      }),
    toUser,
    [],
    (type, m) => type === 'message.created' && freshIds.add(m.id),
  );
  const fresh = new Set((live.data ?? []).filter((m) => freshIds.has(m.id) && !userCopy(m)?.ackedAt).map((m) => m.id));
  return { ...live, fresh };
}

/** Threads: messages grouped by threadId, the thread with the newest message first, each oldest first. */
export function threads(list: Message[]): Message[][] {
  const byThread = new Map<string, Message[]>();
  for (const m of list) {
    const t = byThread.get(m.threadId) ?? [];
    t.push(m);
    byThread.set(m.threadId, t);
  }
  const out = [...byThread.values()].map((t) => t.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id)));
  return out.sort((a, b) => b.at(-1)!.createdAt.localeCompare(a.at(-1)!.createdAt));
}
