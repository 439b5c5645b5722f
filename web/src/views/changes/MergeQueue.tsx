import { useEffect, useState } from 'preact/hooks';
import { api, errorMessage } from '../../api';
import { Link, RelTime, shortId } from '../../components/ui';
import { paths } from '../../router';
import { onLiveEvent, useAppState } from '../../store';
import type { MergeQueueEntry, MergeQueueState, MergeStrategy } from '../../types';

/*
 * The project's merge queue (merge_queue.list), kept current by `merge_queue.updated` events: each
 * entry's session, status, why it failed or was cancelled, and the commit it landed as. This session
 * can be added (merge_queue.add, with the strategy chosen above) and a waiting entry taken out.
 */

const STATE_LABEL: Record<MergeQueueState, string> = {
  queued: 'Queued',
  running: 'Merging',
  merged: 'Merged',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

const upsert = (list: MergeQueueEntry[], entry: MergeQueueEntry): MergeQueueEntry[] =>
  [...list.filter((e) => e.id !== entry.id), entry].sort((a, b) => a.position - b.position || a.createdAt.localeCompare(b.createdAt));

/** The later state of an entry: the list's, or the one an event brought while it loaded. */
const newer = (a: MergeQueueEntry, b: MergeQueueEntry | undefined): MergeQueueEntry => (b && b.updatedAt > a.updatedAt ? b : a);

export function MergeQueue(props: { projectId: string; sessionId: string; strategy: MergeStrategy }) {
  const { projectId, sessionId } = props;
  const s = useAppState();
  const [entries, setEntries] = useState<MergeQueueEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let cancelled = false;
    // Events that come while the list loads are kept: the list only adds what they did not bring.
    const off = onLiveEvent((ev) => {
      if (ev.type === 'merge_queue.updated' && ev.entry.projectId === projectId) setEntries((l) => upsert(l ?? [], ev.entry));
    });
    api
      .mergeQueue(projectId)
      .then((list) => !cancelled && setEntries((seen) => list.reduce((acc, e) => upsert(acc, newer(e, seen?.find((x) => x.id === e.id))), seen ?? [])))
      .catch((err) => !cancelled && setError(errorMessage(err)));
    return () => {
      cancelled = true;
      off();
    };
  }, [projectId, s.epoch]);

  const act = async (action: () => Promise<MergeQueueEntry[]>) => {
    setBusy(true);
    setError(null);
    try {
      const changed = await action();
      setEntries((l) => changed.reduce(upsert, l ?? []));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const waiting = entries?.some((e) => e.sessionId === sessionId && (e.status === 'queued' || e.status === 'running')) ?? false;

  return (
    <div class="card merge-queue" data-testid="merge-queue">
      <h2 class="card-title">
        <span>
          Merge queue <span class="subtle small">this project · live</span>
        </span>
        <button
          type="button"
          class="btn small"
          disabled={busy || waiting}
          onClick={() => void act(() => api.enqueueMerge({ sessionIds: [sessionId], strategy: props.strategy }))}
          data-testid="merge-queue-add"
        >
          {waiting ? 'In the merge queue' : 'Add to merge queue'}
        </button>
      </h2>
      {error && (
        <p class="error-text" role="alert" data-testid="merge-queue-error">
          {error}
        </p>
      )}
      {entries === null ? (
        !error && <p class="subtle small">Loading…</p>
      ) : entries.length === 0 ? (
        <p class="subtle small" data-testid="merge-queue-empty">
          Nothing queued. Sessions added here are merged one by one, in dependency order, each tested before it lands.
        </p>
      ) : (
        <ol class="mq-list" aria-live="polite">
          {entries.map((e) => {
            const session = s.sessions[e.sessionId];
            return (
              <li key={e.id} class={`mq mq-${e.status}${e.sessionId === sessionId ? ' mine' : ''}`} data-testid="merge-queue-entry" data-status={e.status} data-session-id={e.sessionId}>
                <span class={`mq-state mq-state-${e.status}`}>{STATE_LABEL[e.status] ?? e.status}</span>
                <Link href={paths.session(e.sessionId, 'changes')}>{session?.name ?? shortId(e.sessionId)}</Link>
                <span class="subtle small">
                  {e.strategy} into {e.into ?? 'the base branch'}
                </span>
                {e.commit && <span class="mono small">{e.commit.slice(0, 10)}</span>}
                {e.reason && <span class="mq-reason small">{e.reason}</span>}
                <span class="tl-time">
                  <RelTime iso={e.updatedAt} />
                </span>
                {e.status === 'queued' && (
                  <button type="button" class="btn small ghost" disabled={busy} onClick={() => void act(async () => [await api.dequeueMerge(e.id)])} aria-label={`Take ${session?.name ?? e.sessionId} out of the merge queue`}>
                    Remove
                  </button>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </div>
  );
}
