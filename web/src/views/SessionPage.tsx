import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, errorMessage } from '../api';
import { Empty, Link, ReasonTag, RelTime, Spinner, StatusBadge, shortId } from '../components/ui';
import { paths, type SessionTab } from '../router';
import { applySessionInfo, currentTaskOf, getState, loadTimeline, selectProject, setState, taskById, toast, useAppState, type State } from '../store';
import { FINISHED_SESSION_STATUSES, type Session, type SessionUsage, type TimelineEvent, type TimelineKind } from '../types';
import { ConversationView } from './Conversation';
import { lazyView } from './lazy';
import { MessagesTab } from './messages/MessagesTab';

const TerminalView = lazyView<{ sessionId: string; live: boolean }>(() => import('./Terminal').then((m) => m.TerminalView), 'Loading terminal');
const ReplayView = lazyView<{ sessionId: string }>(() => import('./Replay').then((m) => m.ReplayView), 'Loading player');
const ChangesTab = lazyView<{ session: Session }>(() => import('./changes/ChangesTab').then((m) => m.ChangesTab), 'Loading changes');

const KIND_ICON: Record<TimelineKind, string> = {
  progress: '▸',
  complete: '✓',
  blocked: '■',
  error: '!',
  needs_input: '?',
  status: '●',
  spawned: '★',
  queue: '≡',
  agent_state: '◐',
  prompt: '›',
  tool_use: '⚙',
  compaction: '⇣',
  worktree: '⎇',
};

export function SessionPage(props: { sessionId: string; tab: SessionTab }) {
  const s = useAppState();
  const { sessionId } = props;
  const session = s.sessions[sessionId];
  const [missing, setMissing] = useState<string | null>(null);
  const [usage, setUsage] = useState<SessionUsage | null>(null);
  const running = session ? !FINISHED_SESSION_STATUSES.includes(session.status) : false;

  useEffect(() => {
    let cancelled = false;
    setMissing(null);
    api
      .sessionInfo(sessionId, 1)
      .then((info) => {
        if (cancelled) return;
        setUsage(info.usage);
        applySessionInfo(info);
        if (getState().projectId !== info.session.projectId) selectProject(info.session.projectId);
      })
      .catch((err) => {
        if (!cancelled) setMissing(err instanceof ApiError && err.status === 404 ? 'not_found' : errorMessage(err));
      });
    loadTimeline(sessionId).catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [sessionId, s.epoch]);

  // The transcript grows without an event: while the agent runs, its token count is asked for now and then.
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => {
      api
        .sessionInfo(sessionId, 1)
        .then((info) => setUsage(info.usage))
        .catch(() => undefined);
    }, 15_000);
    return () => clearInterval(timer);
  }, [sessionId, running]);

  if (!session) {
    if (missing)
      return (
        <section class="page">
          <Empty title={missing === 'not_found' ? `Session ${sessionId} does not exist` : `Could not load the session: ${missing}`} />
        </section>
      );
    return <Spinner label="Loading session" />;
  }

  const live = !FINISHED_SESSION_STATUSES.includes(session.status);
  const task = currentTaskOf(s, session);
  const tasks = Object.values(s.tasks).filter((t) => t.assignee === session.id || session.taskIds.includes(t.id));
  const queue = s.queues[sessionId];
  const children = Object.values(s.sessions).filter((x) => x.parentSessionId === sessionId);
  const parent = session.parentSessionId ? s.sessions[session.parentSessionId] : undefined;

  const stop = async () => {
    if (!confirm(`Stop session ${session.name}? Its agent will be ended.`)) return;
    try {
      const updated = await api.stopSession(sessionId);
      setState((st) => ({ sessions: { ...st.sessions, [updated.id]: updated } }));
      toast('info', `Session ${session.name} stopped`);
    } catch (err) {
      toast('error', `Could not stop the session: ${errorMessage(err)}`);
    }
  };

  const tabs = [
    { id: 'timeline' as const, label: 'Timeline' },
    { id: 'terminal' as const, label: 'Terminal' },
    { id: 'replay' as const, label: 'Replay' },
    { id: 'conversation' as const, label: 'Conversation' },
    { id: 'changes' as const, label: 'Changes' },
    { id: 'messages' as const, label: 'Messages' },
  ];

  return (
    <section class="page session-page" aria-labelledby="session-heading" data-testid="session-page" data-session-id={sessionId}>
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link href={paths.sessions(session.projectId)}>Sessions</Link> <span aria-hidden="true">/</span>{' '}
        <span class="mono">{shortId(session.id)}</span>
      </nav>
      <header class="page-head">
        <div>
          <h1 id="session-heading">
            {session.name} <StatusBadge status={session.status} testid="session-status" />{' '}
            <ReasonTag reason={session.stateReason} testid="session-reason" />
          </h1>
          <p class="subtle">
            <span class={`role role-${session.role}`}>{session.role}</span> · {session.strategy}
            {task && (
              <>
                {' '}
                · on <Link href={paths.task(task.projectId, task.id)}>{task.title}</Link>
              </>
            )}{' '}
            · started <RelTime iso={session.createdAt} />
          </p>
          {usage && <UsageLine usage={usage} />}
        </div>
        <div class="head-actions">
          {live && (
            <button type="button" class="btn danger" onClick={() => void stop()} data-testid="session-stop">
              Stop
            </button>
          )}
        </div>
      </header>

      <nav class="tabs" aria-label="Session views">
        {tabs.map((t) => (
          <Link
            href={paths.session(sessionId, t.id)}
            class={`tab${props.tab === t.id ? ' active' : ''}`}
            aria-current={props.tab === t.id ? 'page' : undefined}
            data-testid={`tab-${t.id}`}
          >
            {t.label}
          </Link>
        ))}
      </nav>

      {props.tab === 'terminal' && <TerminalView key={sessionId} sessionId={sessionId} live={live} />}
      {props.tab === 'replay' && <ReplayView key={sessionId} sessionId={sessionId} />}
      {props.tab === 'conversation' && <ConversationView key={sessionId} sessionId={sessionId} live={live} />}
      {props.tab === 'changes' && <ChangesTab key={sessionId} session={session} />}
      {props.tab === 'messages' && <MessagesTab key={sessionId} session={session} />}
      {props.tab === 'timeline' && (
        <div class="session-grid">
          <Timeline events={s.timelines[sessionId]} state={s} />
          <aside class="side-cards">
            <div class="card">
              <h2 class="card-title">Tasks</h2>
              {tasks.length === 0 ? (
                <p class="subtle">No task.</p>
              ) : (
                <ul class="mini-list">
                  {tasks.map((t) => (
                    <li>
                      <StatusBadge status={t.status} /> <Link href={paths.task(t.projectId, t.id)}>{t.title}</Link>
                    </li>
                  ))}
                </ul>
              )}
            </div>
            {queue && (
              <div class="card">
                <h2 class="card-title">Queue</h2>
                <ol class="queue-list">
                  {queue.map((q) => (
                    <li class={`q-${q.state}`}>
                      <span class="q-state">{q.state === 'done' ? '✓' : q.state === 'in_progress' ? '▸' : '·'}</span>
                      <span>{q.title}</span>
                      {q.skipCount > 0 && <span class="subtle small"> skipped {q.skipCount}×</span>}
                    </li>
                  ))}
                </ol>
              </div>
            )}
            <div class="card">
              <h2 class="card-title">Details</h2>
              <dl class="facts">
                <dt>Id</dt>
                <dd class="mono">{session.id}</dd>
                {parent && (
                  <>
                    <dt>Spawned by</dt>
                    <dd>
                      <Link href={paths.session(parent.id)}>{parent.name}</Link>
                    </dd>
                  </>
                )}
                {session.branch && (
                  <>
                    <dt>Branch</dt>
                    <dd>
                      <Link href={paths.session(session.id, 'changes')} class="mono">
                        {session.branch}
                      </Link>
                      {session.mergedAt && <span class="subtle small"> · merged</span>}
                    </dd>
                  </>
                )}
                {session.agentCommand && (
                  <>
                    <dt>Agent</dt>
                    <dd class="mono">{session.agentCommand}</dd>
                  </>
                )}
                {session.exitCode !== null && (
                  <>
                    <dt>Exit code</dt>
                    <dd class="mono">{session.exitCode}</dd>
                  </>
                )}
                {session.skills.length > 0 && (
                  <>
                    <dt>Skills</dt>
                    <dd>{session.skills.join(', ')}</dd>
                  </>
                )}
                <dt>Updated</dt>
                <dd>
                  <RelTime iso={session.updatedAt} />
                </dd>
              </dl>
              {children.length > 0 && (
                <>
                  <h3>Spawned sessions</h3>
                  <ul class="mini-list">
                    {children.map((c) => (
                      <li>
                        <StatusBadge status={c.status} /> <Link href={paths.session(c.id)}>{c.name}</Link>
                      </li>
                    ))}
                  </ul>
                </>
              )}
            </div>
          </aside>
        </div>
      )}
    </section>
  );
}

function Timeline(props: { events: TimelineEvent[] | undefined; state: State }) {
  if (!props.events) return <Spinner label="Loading timeline" />;
  if (props.events.length === 0) return <Empty title="Nothing happened yet" />;
  const events = [...props.events].reverse();
  return (
    <div class="card timeline-card">
      <h2 class="card-title">
        Timeline <span class="subtle small">newest first · live</span>
      </h2>
      <ol class="timeline" data-testid="timeline" aria-live="polite" aria-relevant="additions">
        {events.map((e) => {
          // A task the page has not loaded is fetched by id for its title.
          const task = e.taskId ? taskById(props.state, e.taskId) : undefined;
          return (
            <li key={e.id} class={`tl tl-${e.kind}`} data-testid="timeline-event" data-kind={e.kind}>
              <span class="tl-icon" aria-hidden="true">
                {KIND_ICON[e.kind] ?? '•'}
              </span>
              <div class="tl-body">
                <div class="tl-head">
                  <span class={`kind kind-${e.kind}`}>{e.kind.replace('_', ' ')}</span>
                  {task && e.taskId && (
                    <Link href={paths.task(task.projectId, e.taskId)} class="tl-task">
                      {task.title}
                    </Link>
                  )}
                  <span class="tl-time">
                    <RelTime iso={e.createdAt} />
                  </span>
                </div>
                <p class="tl-msg">{e.message}</p>
              </div>
            </li>
          );
        })}
      </ol>
    </div>
  );
}

const tokens = (n: number) => n.toLocaleString('en-US');
const dollars = (n: number) => `$${n < 1 ? n.toFixed(4) : n.toFixed(2)}`;

/** "Tokens 1,204 in / 388 out / 30,200 cache · $0.0412", from the agent's transcript. */
function UsageLine(props: { usage: SessionUsage }) {
  const u = props.usage;
  const models = Object.keys(u.byModel).join(', ') || 'no model yet';
  const detail = `${u.messages} responses (${models}); cache: ${tokens(u.cacheCreationTokens)} written, ${tokens(u.cacheReadTokens)} read${
    u.taskId ? '; all for its one task' : ''
  }${u.warnings.length ? `\n${u.warnings.join('\n')}` : ''}`;
  return (
    <p class="subtle small usage-line" data-testid="session-usage" title={detail}>
      Tokens {tokens(u.inputTokens)} in / {tokens(u.outputTokens)} out / {tokens(u.cacheCreationTokens + u.cacheReadTokens)} cache · {dollars(u.costUsd)}
      {u.warnings.length > 0 && <span aria-label="price warnings"> ⚠</span>}
    </p>
  );
}
