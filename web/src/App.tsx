import { useEffect, useRef } from 'preact/hooks';
import { NewTaskDialog } from './components/NewTaskDialog';
import { LogoMark, SearchIcon } from './components/icons';
import { Palette } from './components/Palette';
import { SpawnDialog } from './components/SpawnDialog';
import { Empty, Link, Spinner } from './components/ui';
import { navigate, paths, useRoute, type Route } from './router';
import {
  closeDialog,
  currentProject,
  dismissToast,
  loadProjectData,
  projectTasks,
  selectProject,
  setState,
  useAppState,
} from './store';
import { LibraryView, NewTemplateDialog } from './views/Library';
import { OverviewView } from './views/Overview';
import { NewProjectDialog, ProjectsView } from './views/Projects';
import { SessionPage } from './views/SessionPage';
import { SessionsView } from './views/Sessions';
import { AuthChecking, SignInView } from './views/SignIn';
import type { Task } from './types';
import { TasksView } from './views/Tasks';

/** The choices of a closed dialog: the page's tasks are only gathered for an open one (a big project's page may know thousands). */
const NO_TASKS: Task[] = [];

const routeProject = (r: Route): string | null => (r.name === 'tasks' || r.name === 'sessions' ? r.projectId : null);

/** The dashboard once the server takes the page's login; before that, the sign-in screen (no data shown). */
export function App() {
  const s = useAppState();
  if (s.auth === 'required') return <SignInView notice={s.authNotice} />;
  if (s.auth === 'checking') return <AuthChecking />;
  return <Dashboard />;
}

function Dashboard() {
  const s = useAppState();
  const route = useRoute();
  const loading = useRef(new Set<string>());

  // The URL names the project: follow it (unless it does not exist).
  const rp = routeProject(route);
  useEffect(() => {
    if (!rp || rp === s.projectId) return;
    if (!s.projectsLoaded || s.projects.some((p) => p.id === rp)) selectProject(rp);
  }, [rp, s.projectsLoaded, s.projects.length]);

  // Load the sessions and task counts of the project in view, once (live events keep them current; the
  // task views load the pages of tasks they show).
  useEffect(() => {
    const pid = s.projectId;
    if (!pid || !s.projectsLoaded || s.taskCounts[pid] || loading.current.has(pid)) return;
    if (!s.projects.some((p) => p.id === pid)) return;
    loading.current.add(pid);
    void loadProjectData(pid).finally(() => loading.current.delete(pid));
  }, [s.projectId, s.projectsLoaded, s.projects.length]);

  // "/" goes to the overview of every project when there are several, else to the project's tasks, or to
  // the project list when there is none.
  useEffect(() => {
    if (route.name !== 'home' || !s.projectsLoaded) return;
    navigate(s.projects.length > 1 ? paths.overview() : s.projectId ? paths.tasks(s.projectId) : paths.projects(), { replace: true });
  }, [route.name, s.projectsLoaded, s.projectId, s.projects.length]);

  // Move focus to the new page's heading for screen readers and keyboard users.
  const mainRef = useRef<HTMLElement>(null);
  const routeKey = route.name === 'tasks' ? `tasks:${route.projectId}` : JSON.stringify(route);
  const firstRender = useRef(true);
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    const h1 = mainRef.current?.querySelector('h1');
    if (h1) {
      h1.setAttribute('tabindex', '-1');
      h1.focus({ preventScroll: true });
    }
  }, [routeKey]);

  const project = currentProject(s);
  const projectMissing = rp !== null && s.projectsLoaded && !s.projects.some((p) => p.id === rp);

  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <TopBar route={route} />
      <main id="main" ref={mainRef} class="main">
        {projectMissing ? (
          <section class="page">
            <Empty title="This project does not exist" testid="project-missing">
              <p>It may have been renamed or the link is wrong.</p>
              <Link href={paths.projects()} class="btn">
                All projects
              </Link>
            </Empty>
          </section>
        ) : route.name === 'projects' ? (
          <ProjectsView />
        ) : route.name === 'overview' ? (
          <OverviewView />
        ) : route.name === 'tasks' ? (
          s.projectId === route.projectId ? (
            <TasksView projectId={route.projectId} taskId={route.taskId} status={route.status} view={route.view} />
          ) : (
            <Spinner />
          )
        ) : route.name === 'sessions' ? (
          s.projectId === route.projectId ? <SessionsView projectId={route.projectId} /> : <Spinner />
        ) : route.name === 'session' ? (
          <SessionPage sessionId={route.sessionId} tab={route.tab} />
        ) : route.name === 'library' ? (
          <LibraryView skill={route.skill} />
        ) : route.name === 'home' ? (
          <Spinner />
        ) : (
          <section class="page">
            <Empty title="Page not found">
              <Link href="/" class="btn">
                Go to the dashboard
              </Link>
            </Empty>
          </section>
        )}
      </main>
      <Toasts />
      <Palette />
      {s.projectId && project && (
        <>
          <NewTaskDialog
            open={s.dialog?.kind === 'newTask'}
            projectId={s.projectId}
            tasks={s.dialog?.kind === 'newTask' ? projectTasks(s, s.projectId) : NO_TASKS}
            parentId={s.dialog?.kind === 'newTask' ? s.dialog.parentId : undefined}
            onClose={closeDialog}
            onCreated={(t) => route.name !== 'tasks' && navigate(paths.tasks(t.projectId))}
          />
          <SpawnDialog
            open={s.dialog?.kind === 'spawn'}
            projectId={s.projectId}
            tasks={s.dialog?.kind === 'spawn' ? projectTasks(s, s.projectId) : NO_TASKS}
            taskIds={s.dialog?.kind === 'spawn' ? s.dialog.taskIds : []}
            onClose={closeDialog}
          />
        </>
      )}
      <NewProjectDialog open={s.dialog?.kind === 'newProject'} onClose={closeDialog} />
      <NewTemplateDialog open={s.dialog?.kind === 'newTemplate'} onClose={closeDialog} />
    </div>
  );
}

function TopBar({ route }: { route: Route }) {
  const s = useAppState();
  const pid = s.projectId;
  const section = route.name === 'session' ? 'sessions' : route.name;
  const attention = pid
    ? Object.values(s.sessions).filter((x) => x.projectId === pid && (x.status === 'needs_input' || x.status === 'blocked')).length
    : 0;
  // Across projects, once the overview has loaded every project's sessions.
  const attentionAll = s.allSessionsLoaded
    ? Object.values(s.sessions).filter((x) => x.status === 'needs_input' || x.status === 'blocked').length
    : 0;
  const isMac = /Mac|iPhone|iPad/.test(navigator.platform);
  return (
    <header class="topbar">
      <Link href="/" class="brand" aria-label="Maestro home">
        <LogoMark size={26} />
        <span class="brand-name">Maestro</span>
      </Link>
      <div class="project-picker">
        <label for="project-select" class="sr-only">
          Project
        </label>
        <select
          id="project-select"
          data-testid="project-select"
          value={pid ?? ''}
          disabled={s.projects.length === 0}
          onChange={(e) => {
            const v = e.currentTarget.value;
            if (v === '__new') {
              e.currentTarget.value = pid ?? '';
              setState({ dialog: { kind: 'newProject' } });
              return;
            }
            selectProject(v);
            navigate(route.name === 'sessions' ? paths.sessions(v) : route.name === 'library' ? paths.library() : paths.tasks(v));
          }}
        >
          {s.projects.length === 0 && <option value="">No project</option>}
          {s.projects.length > 0 && !pid && (
            <option value="" disabled>
              Choose a project
            </option>
          )}
          {s.projects.map((p) => (
            <option value={p.id}>{p.name}</option>
          ))}
          {s.projects.length > 0 && <option value="__new">+ New project…</option>}
        </select>
      </div>
      <nav class="mainnav" aria-label="Main">
        <Link href={paths.overview()} class={section === 'overview' ? 'active' : ''} aria-current={section === 'overview' ? 'page' : undefined} data-testid="nav-overview">
          All projects
          {attentionAll > 0 && (
            <span class="nav-badge" title={`${attentionAll} session(s) in all projects blocked or waiting for input`}>
              {attentionAll}
            </span>
          )}
        </Link>
        {pid && (
          <>
            <Link href={paths.tasks(pid)} class={section === 'tasks' ? 'active' : ''} aria-current={section === 'tasks' ? 'page' : undefined} data-testid="nav-tasks">
              Tasks
            </Link>
            <Link
              href={paths.sessions(pid)}
              class={section === 'sessions' ? 'active' : ''}
              aria-current={section === 'sessions' ? 'page' : undefined}
              data-testid="nav-sessions"
            >
              Sessions
              {attention > 0 && (
                <span class="nav-badge" title={`${attention} session(s) blocked or waiting for input`}>
                  {attention}
                </span>
              )}
            </Link>
          </>
        )}
        <Link href={paths.library()} class={section === 'library' ? 'active' : ''} aria-current={section === 'library' ? 'page' : undefined} data-testid="nav-library">
          Library
        </Link>
        <Link href={paths.projects()} class={section === 'projects' ? 'active' : ''} aria-current={section === 'projects' ? 'page' : undefined}>
          Projects
        </Link>
      </nav>
      <div class="topbar-right">
        <button
          type="button"
          class="palette-btn"
          data-testid="palette-button"
          aria-label="Open the command palette"
          aria-keyshortcuts={isMac ? 'Meta+K' : 'Control+K'}
          onClick={() => setState({ paletteOpen: true })}
        >
          <SearchIcon />
          <span class="palette-btn-text">Search or run…</span>
          <kbd aria-hidden="true">{isMac ? '⌘K' : 'Ctrl K'}</kbd>
        </button>
        <span class={`conn conn-${s.conn}`} role="status" data-testid="conn" data-state={s.conn} title="Live updates">
          <span class="dot" aria-hidden="true" />
          <span class="conn-text">{s.conn === 'live' ? 'Live' : s.conn === 'connecting' ? 'Connecting' : 'Reconnecting'}</span>
        </span>
      </div>
    </header>
  );
}

function Toasts() {
  const s = useAppState();
  return (
    <div class="toasts" aria-live="polite" aria-atomic="false">
      {s.toasts.map((t) => (
        <div key={t.id} class={`toast toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'}>
          <span>{t.message}</span>
          <button type="button" class="icon-btn" aria-label="Dismiss" onClick={() => dismissToast(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
