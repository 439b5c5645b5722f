import { useEffect, useRef, useState } from 'preact/hooks';
import { api, errorMessage } from '../../api';
import { getState, onLiveEvent } from '../../store';
import type { MaestroEvent, SessionDiff, SessionFiles, WorktreeInfo } from '../../types';

/*
 * What the Changes tab shows of a session's worktree: where it is (worktree.info), its changes
 * (session.diff) and its files (session.files), loaded together and again, about 500 ms after the
 * session changes (its record or its timeline), after another session of the project lands (the base
 * moved), after a merge queue entry of the project lands, and after a reconnect. `version` counts the
 * loads, so what depends on them (the merge check, an open file) reloads with them.
 */

export const REFRESH_DELAY_MS = 500;

export interface ChangesData {
  info: WorktreeInfo | null;
  diff: SessionDiff | null;
  files: SessionFiles | null;
  /** What failed to load, by part (a removed worktree has no files, but still its info). */
  errors: { info?: string; diff?: string; files?: string };
  loading: boolean;
  /** Bumped after every load. */
  version: number;
}

const EMPTY: ChangesData = { info: null, diff: null, files: null, errors: {}, loading: true, version: 0 };

/** Whether a live event may change what the tab of `sessionId` (in `projectId`) shows. */
export function touches(ev: MaestroEvent, sessionId: string, projectId: string): boolean {
  switch (ev.type) {
    case 'session.updated': {
      if (ev.session.id === sessionId) return true;
      const before = getState().sessions[ev.session.id];
      return ev.session.projectId === projectId && ev.session.mergedAt !== (before?.mergedAt ?? null);
    }
    case 'session.event':
      return ev.sessionId === sessionId;
    case 'merge_queue.updated':
      return ev.entry.projectId === projectId && (ev.entry.sessionId === sessionId || ev.entry.status === 'merged');
    default:
      return false;
  }
}

export function useChanges(sessionId: string, projectId: string, epoch: number): ChangesData & { refresh: () => void } {
  const [data, setData] = useState<ChangesData>(EMPTY);
  const seq = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const load = async () => {
    const mine = ++seq.current;
    setData((d) => ({ ...d, loading: true }));
    const [info, diff, files] = await Promise.allSettled([api.worktree(sessionId), api.diff(sessionId), api.files(sessionId)]);
    if (mine !== seq.current) return;
    const why = (r: PromiseSettledResult<unknown>) => (r.status === 'rejected' ? errorMessage(r.reason) : undefined);
    setData((d) => ({
      info: info.status === 'fulfilled' ? info.value : d.info,
      diff: diff.status === 'fulfilled' ? diff.value : null,
      files: files.status === 'fulfilled' ? files.value : null,
      errors: { info: why(info), diff: why(diff), files: why(files) },
      loading: false,
      version: d.version + 1,
    }));
  };

  /** A refresh soon: the calls meanwhile share it, and a steady stream of events cannot put it off. */
  const schedule = () => {
    timer.current ??= setTimeout(() => {
      timer.current = undefined;
      void load();
    }, REFRESH_DELAY_MS);
  };

  useEffect(() => {
    setData(EMPTY);
    void load();
    const off = onLiveEvent((ev) => {
      if (touches(ev, sessionId, projectId)) schedule();
    });
    return () => {
      off();
      seq.current++;
      clearTimeout(timer.current);
      timer.current = undefined;
    };
  }, [sessionId, projectId]);

  // After a reconnect the socket may have missed events.
  const firstEpoch = useRef(epoch);
  useEffect(() => {
    if (epoch !== firstEpoch.current) schedule();
  }, [epoch]);

  return { ...data, refresh: () => void load() };
}
