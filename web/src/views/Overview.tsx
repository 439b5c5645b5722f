import { useEffect, useState } from 'preact/hooks';
import { errorMessage } from '../api';
import { Empty, Link, ReasonTag, ReportText, Spinner, StatusBadge, TaskLink, useTicker } from '../components/ui';
import { NotifyToggle } from '../components/NotifyToggle';
import { navigate, paths } from '../router';
import { currentTaskOf, isFinished, loadAllSessions, overviewSessions, projectCounts, statusSinceOf, toast, useAppState } from '../store';
import type { Session } from '../types';
import { UserInbox } from './messages/Inbox';
import './overview.css';

/*
 * The all-projects overview (/overview, and "/" with more than one project): the sessions of every
 * project, the ones waiting for a person first (needs input, then blocked), then running, idle and
 * spawning; finished ones behind a toggle. Per-project chips count what needs attention. Live: the
 * store follows the event stream, and refetches the list where events do not carry enough.
 */
export function OverviewView() {
  const s = useAppState();
  const [showFinished, setShowFinished] = useState(false);

  // Every project's sessions, on arrival and after each reconnection (events may have been missed).
  useEffect(() => {
    loadAllSessions().catch((err: unknown) => toast('error', `Could not load the sessions: ${errorMessage(err)}`));
  }, [s.epoch]);

  const all = overviewSessions(s);
  const finished = all.filter(isFinished);
  const list = showFinished ? all : all.filter((x) => !isFinished(x));
  const counts = projectCounts(all);
  const attention = all.filter((x) => x.status === 'needs_input' || x.status === 'blocked').length;

  return (
    <section class="page overview-page" aria-labelledby="overview-heading" data-testid="overview">
      <header class="page-head">
        <div>
          <h1 id="overview-heading">All projects</h1>
          <p class="subtle">
            {all.length - finished.length} active sessions in {s.projects.length} projects
            {attention > 0 && (
              <>
                {' '}
                · <strong class="attention">{attention} need attention</strong>
              </>
            )}
          </p>
        </div>
        <div class="head-actions">
          <NotifyToggle />
        </div>
      </header>

      <ul class="overview-chips" aria-label="Projects">
        {s.projects.map((p) => {
          const c = counts[p.id] ?? { needsInput: 0, blocked: 0, running: 0 };
          return (
            <li>
              <Link href={paths.sessions(p.id)} class="project-chip" data-testid="project-chip" data-project-id={p.id}>
                <span class="project-chip-name">{p.name}</span>
                <span class={`chip-stat needs-input${c.needsInput ? ' on' : ''}`} data-testid="chip-needs-input" title="Sessions needing input">
                  {c.needsInput} needs input
                </span>
                <span class={`chip-stat blocked${c.blocked ? ' on' : ''}`} data-testid="chip-blocked" title="Blocked sessions">
                  {c.blocked} blocked
                </span>
                <span class={`chip-stat running${c.running ? ' on' : ''}`} data-testid="chip-running" title="Running sessions">
                  {c.running} running
                </span>
              </Link>
            </li>
          );
        })}
      </ul>

      <UserInbox />

      {!s.allSessionsLoaded && all.length === 0 ? (
        <Spinner label="Loading sessions" />
      ) : list.length === 0 ? (
        <Empty title={all.length ? 'No active session' : 'No sessions yet'} testid="overview-empty">
          <p>Sessions of every project show up here live, those waiting for you first.</p>
        </Empty>
      ) : (
        <div class="table-wrap">
          <table class="sessions-table overview-table" data-testid="overview-table">
            <thead>
              <tr>
                <th scope="col">Project</th>
                <th scope="col">Session</th>
                <th scope="col">Status</th>
                <th scope="col">Current task</th>
                <th scope="col">Question or last report</th>
                <th scope="col">For</th>
              </tr>
            </thead>
            <tbody>
              {list.map((x) => (
                <OverviewRow key={x.id} session={x} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {finished.length > 0 && (
        <p class="overview-finished">
          <button type="button" class="btn small ghost" data-testid="toggle-finished" aria-expanded={showFinished} onClick={() => setShowFinished(!showFinished)}>
            {showFinished ? 'Hide finished sessions' : `Show ${finished.length} finished session${finished.length === 1 ? '' : 's'}`}
          </button>
        </p>
      )}
    </section>
  );
}

function OverviewRow({ session: x }: { session: Session }) {
  const s = useAppState();
  const task = currentTaskOf(s, x);
  const report = s.lastReports[x.id];
  const project = s.projects.find((p) => p.id === x.projectId);
  const href = paths.session(x.id);
  return (
    <tr
      class="overview-row"
      data-testid="overview-row"
      data-session-id={x.id}
      data-project-id={x.projectId}
      data-status={x.status}
      onClick={(e) => {
        // The whole row opens the session; links inside it keep their own target.
        if ((e.target as HTMLElement).closest('a, button')) return;
        navigate(href);
      }}
    >
      <td data-label="Project" data-testid="overview-project">
        {project?.name ?? x.projectId}
      </td>
      <td data-label="Session">
        <Link href={href} class="strong-link" data-testid="overview-session-link">
          {x.name}
        </Link>
        <div class="subtle small">
          <span class={`role role-${x.role}`}>{x.role}</span>
        </div>
      </td>
      <td data-label="Status">
        <StatusBadge status={x.status} testid="overview-status" /> <ReasonTag reason={x.stateReason} />
      </td>
      <td data-label="Current task" data-testid="overview-task">
        <TaskLink task={task} />
      </td>
      <td data-label="Question or last report" class="report-cell" data-testid="overview-report">
        {report ? <ReportText report={report} /> : <span class="subtle">No report yet</span>}
      </td>
      <td data-label="For" class="nowrap">
        <Since iso={statusSinceOf(s, x)} />
      </td>
    </tr>
  );
}

/** "4 min", how long since `iso`, refreshed every 15 s; the exact time is in the title. */
function Since({ iso }: { iso: string }) {
  useTicker(15_000);
  return (
    <time dateTime={iso} title={`since ${new Date(iso).toLocaleString()}`} data-testid="overview-since">
      {duration(Date.now() - new Date(iso).getTime())}
    </time>
  );
}

export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}
