import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, errorMessage } from '../api';
import { Empty, RelTime, Spinner } from '../components/ui';
import type { SessionLogs, TranscriptEntry } from '../types';

/*
 * The agent's conversation, from its transcript (GET /api/sessions/:id/logs): prompts, replies, tool
 * calls and their results, oldest first (newest at the bottom). While the session is live it is asked
 * for again every few seconds (the transcript grows without an event); a 404 means there is no
 * transcript yet, which is the empty state, not an error.
 */

/** Entries asked for: the last ones of the transcript. */
const LIMIT = 500;
const POLL_MS = 5000;

const ROLE_LABEL: Record<TranscriptEntry['role'], string> = { user: 'User', assistant: 'Agent', tool: 'Tool' };
const KIND_LABEL: Record<TranscriptEntry['kind'], string> = {
  prompt: 'prompt',
  text: 'reply',
  tool_use: 'tool call',
  tool_result: 'tool result',
  thinking: 'thinking',
};

/** At most `max` characters, with an ellipsis when cut. */
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

type Load =
  | { state: 'loading' }
  | { state: 'none'; message: string }
  | { state: 'ready'; logs: SessionLogs };

export function ConversationView(props: { sessionId: string; live: boolean }) {
  const { sessionId, live } = props;
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const seq = useRef(0);
  const alive = useRef(true);
  const listRef = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  const refresh = async () => {
    const mine = ++seq.current;
    setBusy(true);
    try {
      const logs = await api.sessionLogs(sessionId, LIMIT);
      if (!alive.current || mine !== seq.current) return;
      setLoad({ state: 'ready', logs });
      setError(null);
    } catch (err) {
      if (!alive.current || mine !== seq.current) return;
      if (err instanceof ApiError && err.status === 404) {
        setLoad({ state: 'none', message: err.message });
        setError(null);
      } else setError(errorMessage(err));
    } finally {
      if (alive.current && mine === seq.current) setBusy(false);
    }
  };

  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  // Loads now (and again when the session ends, for its last words), then every 5 s while it is live.
  useEffect(() => {
    void refresh();
    if (!live) return;
    const timer = setInterval(() => void refresh(), POLL_MS);
    return () => clearInterval(timer);
  }, [sessionId, live]);

  // Newest at the bottom: follow new entries unless the reader has scrolled up.
  const entries = load.state === 'ready' ? load.logs.entries : null;
  useLayoutEffect(() => {
    const el = listRef.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [entries]);
  const onScroll = () => {
    const el = listRef.current;
    if (el) stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
  };

  const refreshButton = (
    <button type="button" class="btn small ghost" onClick={() => void refresh()} disabled={busy} data-testid="conversation-refresh">
      {busy ? 'Refreshing…' : 'Refresh'}
    </button>
  );

  return (
    <div class="card conv-card" data-testid="conversation" data-state={load.state} aria-busy={busy}>
      <h2 class="card-title" id="conversation-heading">
        <span>
          Conversation{' '}
          <span class="subtle small">
            {load.state === 'ready'
              ? `${load.logs.truncated ? `last ${load.logs.entries.length} of ${load.logs.total}` : `${load.logs.total}`} entries · newest last${live ? ' · live' : ''}`
              : live
                ? 'live'
                : ''}
          </span>
        </span>
        {refreshButton}
      </h2>
      {error && (
        <p class="error-text conv-error" role="alert" data-testid="conversation-error">
          Could not load the conversation: {error}
        </p>
      )}
      {load.state === 'loading' ? (
        error ? null : <Spinner label="Loading conversation" />
      ) : load.state === 'none' ? (
        <Empty title="No transcript yet: the agent has not started a conversation, or it is not Claude Code" testid="conversation-empty">
          <p class="small">{load.message}</p>
        </Empty>
      ) : load.logs.entries.length === 0 ? (
        <Empty title="The transcript has no conversation yet" testid="conversation-empty" />
      ) : (
        <div class="conv-scroll" ref={listRef} onScroll={onScroll} tabIndex={0} role="region" aria-labelledby="conversation-heading">
          <ol class="conv-list" aria-label="Conversation entries" aria-live={live ? 'polite' : undefined} aria-relevant="additions">
            {load.logs.entries.map((e, i) => (
              <ConversationEntry key={load.logs.total - load.logs.entries.length + i} entry={e} />
            ))}
          </ol>
        </div>
      )}
    </div>
  );
}

function ConversationEntry({ entry: e }: { entry: TranscriptEntry }) {
  const text =
    e.kind === 'tool_use' ? clip(e.text, 240) : e.kind === 'tool_result' || e.kind === 'thinking' ? clip(e.text, 600) : e.text;
  const who = ROLE_LABEL[e.role] ?? e.role;
  const what = KIND_LABEL[e.kind] ?? e.kind;
  return (
    <li
      class={`conv conv-${e.role} conv-${e.kind}${e.isError ? ' conv-failed' : ''}`}
      data-testid="conversation-entry"
      data-kind={e.kind}
      data-role={e.role}
    >
      <div class="conv-head">
        <span class="kind conv-kind">{`${who} · ${what}`}</span>
        {e.tool && <span class="mono conv-tool">{e.tool}</span>}
        {e.isError && <span class="conv-failed-tag">failed</span>}
        {e.at && (
          <span class="tl-time">
            <RelTime iso={e.at} />
          </span>
        )}
      </div>
      <p class={`conv-text${e.kind === 'tool_use' || e.kind === 'tool_result' ? ' mono' : ''}`} title={text !== e.text ? e.text.slice(0, 4000) : undefined}>
        {text}
      </p>
    </li>
  );
}
