import { useState } from 'preact/hooks';
import { Empty, Link, ReasonTag, RelTime, ReportText, Spinner, StatusBadge, TaskLink } from '../components/ui';
import { PlusIcon } from '../components/icons';
import { paths } from '../router';
import { currentTaskOf, openDialog, projectSessions, useAppState } from '../store';
import { FINISHED_SESSION_STATUSES, type Session } from '../types';

export function SessionsView(props: { projectId: string }) {
  const s = useAppState();
  const all = projectSessions(s, props.projectId);
  const [showFinished, setShowFinished] = useState(true);
  const active = all.filter((x) => !FINISHED_SESSION_STATUSES.includes(x.status));
  const list = showFinished ? all : active;
  const loaded = s.sessionsLoaded[props.projectId];
  const attention = all.filter((x) => x.status === 'needs_input' || x.status === 'blocked').length;

  return (
    <section class="page" aria-labelledby="sessions-heading">
      <header class="page-head">
        <div>
          <h1 id="sessions-heading">Sessions</h1>
          <p class="subtle">
            {active.length} active · {all.length} total
            {attention > 0 && (
              <>
                {' '}
                · <strong class="attention">{attention} need attention</strong>
              </>
            )}
          </p>
        </div>
        <div class="head-actions">
          <label class="check-label">
            <input type="checkbox" checked={showFinished} onChange={(e) => setShowFinished(e.currentTarget.checked)} />
            Show finished
          </label>
          <button type="button" class="btn primary" data-testid="spawn-session" onClick={() => openDialog({ kind: 'spawn', taskIds: [] })}>
            <PlusIcon /> Spawn session
          </button>
        </div>
      </header>
      {!loaded && all.length === 0 ? (
        <Spinner label="Loading sessions" />
      ) : list.length === 0 ? (
        <Empty title={all.length ? 'No active session' : 'No sessions yet'} testid="sessions-empty">
          <p>Spawn an agent session for one or more tasks; it will show up here live.</p>
        </Empty>
      ) : (
        <div class="table-wrap">
          <table class="sessions-table" data-testid="sessions-table">
            <thead>
              <tr>
                <th scope="col">Session</th>
                <th scope="col">Status</th>
                <th scope="col">Role · strategy</th>
                <th scope="col">Current task</th>
                <th scope="col">Last report</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((x) => (
                <SessionRow key={x.id} session={x} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function SessionRow({ session: x }: { session: Session }) {
  const s = useAppState();
  const task = currentTaskOf(s, x);
  const report = s.lastReports[x.id];
  const queue = s.queueCounts[x.id];
  const live = !FINISHED_SESSION_STATUSES.includes(x.status);
  return (
    <tr data-testid="session-row" data-session-id={x.id} data-status={x.status}>
      <td data-label="Session">
        <Link href={paths.session(x.id)} class="strong-link" data-testid="session-link">
          {x.name}
        </Link>
        <div class="subtle small">
          started <RelTime iso={x.createdAt} />
        </div>
      </td>
      <td data-label="Status">
        <StatusBadge status={x.status} testid="session-status" /> <ReasonTag reason={x.stateReason} />
      </td>
      <td data-label="Role">
        <span class={`role role-${x.role}`}>{x.role}</span> · {x.strategy}
        {queue && (
          <div class="subtle small" data-testid="queue-progress">
            queue {queue.done}/{queue.total} done
          </div>
        )}
      </td>
      <td data-label="Current task">
        <TaskLink task={task} />
      </td>
      <td data-label="Last report" class="report-cell">
        {report ? (
          <div>
            <ReportText report={report} />
            <div class="subtle small">
              <RelTime iso={report.createdAt} />
            </div>
          </div>
        ) : (
          <span class="subtle">No report yet</span>
        )}
      </td>
      <td class="row-actions">
        {live && (
          <Link href={paths.session(x.id, 'terminal')} class="btn small" aria-label={`Open terminal of ${x.name}`}>
            Terminal
          </Link>
        )}
        <Link href={paths.session(x.id, 'replay')} class="btn small ghost" aria-label={`Replay ${x.name}`}>
          Replay
        </Link>
      </td>
    </tr>
  );
}
