import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { GetStarted } from '../components/GetStarted';
import { Dialog, Field, FormFooter, Link, PageHead, RelTime, Spinner, useSubmit } from '../components/ui';
import { navigate, paths } from '../router';
import { openDialog, selectProject, setState, toast, useAppState } from '../store';

export function ProjectsView() {
  const s = useAppState();
  return (
    <section class="page" aria-labelledby="projects-heading">
      <PageHead
        id="projects-heading"
        title="Projects"
        subtitle="A project is a working directory with its tasks and agent sessions."
        add={{ label: 'New project', testid: 'new-project', onClick: () => openDialog({ kind: 'newProject' }) }}
      />
      {!s.projectsLoaded ? (
        <Spinner label="Loading projects" />
      ) : s.projects.length === 0 ? (
        <GetStarted />
      ) : (
        <ul class="project-grid" data-testid="project-list">
          {s.projects.map((p) => {
            const counts = s.taskCounts[p.id];
            return (
              <li class={`card project-card${p.id === s.projectId ? ' current' : ''}`} data-testid="project-card">
                <h2 class="card-title">
                  <Link href={paths.tasks(p.id)} onClick={() => selectProject(p.id)}>
                    {p.name}
                  </Link>
                  {p.id === s.projectId && <span class="tag">Current</span>}
                </h2>
                <p class="mono small subtle path" title={p.workingDir}>
                  {p.workingDir}
                </p>
                <p class="small subtle">
                  {counts ? `${counts.total.toLocaleString()} tasks · ` : ''}created <RelTime iso={p.createdAt} />
                </p>
                <div class="card-actions">
                  <Link href={paths.tasks(p.id)} class="btn small" onClick={() => selectProject(p.id)}>
                    Tasks
                  </Link>
                  <Link href={paths.sessions(p.id)} class="btn small ghost" onClick={() => selectProject(p.id)}>
                    Sessions
                  </Link>
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

export function NewProjectDialog(props: { open: boolean; onClose: () => void }) {
  const [name, setName] = useState('');
  const [dir, setDir] = useState('');
  const { busy, errors, setErrors, submit } = useSubmit(['name', 'workingDir']);
  useEffect(() => {
    if (props.open) {
      setName('');
      setDir('');
      setErrors({});
    }
  }, [props.open]);

  const create = (e: Event) => {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (!name.trim()) errs.name = 'Give the project a name.';
    if (!dir.trim()) errs.workingDir = 'Give the absolute path of its working directory.';
    if (Object.keys(errs).length) return setErrors(errs);
    void submit(async () => {
      const project = await api.createProject({ name: name.trim(), workingDir: dir.trim() });
      setState((st) => ({
        projects: st.projects.some((p) => p.id === project.id) ? st.projects : [...st.projects, project],
      }));
      selectProject(project.id);
      toast('success', `Project ${project.name} created`);
      props.onClose();
      navigate(paths.tasks(project.id));
    });
  };

  return (
    <Dialog open={props.open} title="New project" onClose={props.onClose} testid="new-project-dialog">
      <form class="form" onSubmit={create} noValidate>
        <Field label="Name" id="np-name" error={errors.name}>
          <input id="np-name" value={name} autoFocus maxLength={200} placeholder="e.g. webshop" onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <Field label="Working directory" id="np-dir" error={errors.workingDir} hint="Absolute path on the server machine; agents start there.">
          <input
            id="np-dir"
            class="mono"
            value={dir}
            spellcheck={false}
            placeholder="/home/me/src/webshop"
            onInput={(e) => setDir(e.currentTarget.value)}
          />
        </Field>
        <FormFooter error={errors.form} busy={busy} label="Create project" busyLabel="Creating…" testid="create-project-submit" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
