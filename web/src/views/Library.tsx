import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, errorMessage } from '../api';
import { AgentCommandField, RoleStrategyFields } from '../components/SessionFields';
import { Dialog, Empty, Field, FormFooter, Link, PageHead, Spinner, useSubmit } from '../components/ui';
import { navigate, paths } from '../router';
import { currentProject, dropTemplate, loadTemplates, openDialog, putTemplate, toast, useAppState } from '../store';
import type { SessionRole, SessionStrategy, Skill, SkillSummary, Template } from '../types';

/** `/library`: session templates (create, delete) and the current project's skills; `/library/skills/:name` reads one. */
export function LibraryView(props: { skill: string | null }) {
  return props.skill ? <SkillPage name={props.skill} /> : <LibraryPage />;
}

/**
 * What `load` answers for the current project (skills are per project), fetched again when the
 * project or `key` changes and after a reconnect; `error` is what it threw.
 */
function useProjectData<T>(load: (project: string | undefined) => Promise<T>, key = ''): { data: T | null; error: unknown } {
  const s = useAppState();
  const project = s.projectId ?? undefined;
  const [result, setResult] = useState<{ data: T | null; error: unknown }>({ data: null, error: null });
  useEffect(() => {
    if (!s.projectsLoaded) return;
    let cancelled = false;
    load(project).then(
      (data) => !cancelled && setResult({ data, error: null }),
      (error: unknown) => !cancelled && setResult({ data: null, error }),
    );
    return () => {
      cancelled = true;
    };
  }, [project, key, s.projectsLoaded, s.epoch]);
  return result;
}

function LibraryPage() {
  const s = useAppState();
  const project = currentProject(s);
  const skills = useProjectData(api.skills);
  useEffect(() => {
    // Loaded once; live events and reconnects (refreshAll) keep the list current.
    loadTemplates().catch((err) => toast('error', `Could not load the templates: ${errorMessage(err)}`));
  }, []);

  return (
    <section class="page" aria-labelledby="library-heading">
      <PageHead
        id="library-heading"
        title="Library"
        subtitle="Session templates to spawn agents from, and the skills they can read."
        add={{ label: 'New template', testid: 'new-template', onClick: () => openDialog({ kind: 'newTemplate' }) }}
      />
      <div class="library">
        <section class="card" aria-labelledby="templates-heading">
          <h2 id="templates-heading" class="card-title">Session templates</h2>
          {s.templates === null ? (
            <Spinner label="Loading templates" />
          ) : s.templates.length === 0 ? (
            <Empty title="No templates yet" testid="templates-empty">
              <p>A template saves a role, a strategy, an agent command and skills under a name, to spawn sessions from.</p>
            </Empty>
          ) : (
            <ul class="lib-list" data-testid="template-list">
              {s.templates.map((t) => (
                <TemplateItem key={t.id} template={t} />
              ))}
            </ul>
          )}
        </section>
        <section class="card" aria-labelledby="skills-heading">
          <h2 id="skills-heading" class="card-title">{project ? `Skills of ${project.name}` : 'Skills'}</h2>
          <p class="subtle small">
            Markdown guides from <span class="mono">$MAESTRO_HOME/skills</span> (global) and the project’s{' '}
            <span class="mono">.maestro/skills</span>, which win over global ones of the same name.
          </p>
          {skills.error ? (
            <p class="error-text" role="alert">
              Could not load the skills: {errorMessage(skills.error)}
            </p>
          ) : !skills.data ? (
            <Spinner label="Loading skills" />
          ) : skills.data.length === 0 ? (
            <Empty title="No skills" testid="skills-empty" />
          ) : (
            <ul class="lib-list" data-testid="skill-list">
              {skills.data.map((k) => (
                <SkillItem key={k.name} skill={k} />
              ))}
            </ul>
          )}
        </section>
      </div>
    </section>
  );
}

function TemplateItem({ template: t }: { template: Template }) {
  const remove = async () => {
    if (!confirm(`Delete the template ${t.name}? Sessions spawned from it keep their settings.`)) return;
    try {
      await api.deleteTemplate(t.id);
      dropTemplate(t.id);
      toast('info', `Template ${t.name} deleted`);
    } catch (err) {
      toast('error', `Could not delete the template: ${errorMessage(err)}`);
    }
  };
  return (
    <li class="lib-item" data-testid="template-row" data-template-id={t.id}>
      <div class="lib-item-head">
        <h3 class="lib-name">{t.name}</h3>
        <span class="small">
          <span class={`role role-${t.role}`}>{t.role}</span> · {t.strategy}
        </span>
        <button type="button" class="btn small ghost" aria-label={`Delete template ${t.name}`} onClick={() => void remove()}>
          Delete
        </button>
      </div>
      {t.description && <p class="lib-desc">{t.description}</p>}
      <dl class="facts">
        <dt>Agent command</dt>
        <dd>{t.agentCommand ? <span class="mono">{t.agentCommand}</span> : <span class="subtle">the server’s default</span>}</dd>
        <dt>Skills</dt>
        <dd>{t.skills.length ? t.skills.join(', ') : <span class="subtle">none</span>}</dd>
      </dl>
    </li>
  );
}

function SkillItem({ skill: k }: { skill: SkillSummary }) {
  return (
    <li class="lib-item" data-testid="skill-row" data-skill={k.name}>
      <div class="lib-item-head">
        <Link href={paths.skill(k.name)} class="lib-name strong-link">
          {k.name}
        </Link>
        <span class="tag" title={k.path}>
          {k.source}
        </span>
      </div>
      {k.description && <p class="lib-desc">{k.description}</p>}
    </li>
  );
}

/** One skill, its markdown shown as text (never as HTML). */
function SkillPage({ name }: { name: string }) {
  const { data, error } = useProjectData<Skill>((project) => api.skill(name, project), name);
  const skill = data?.name === name ? data : null;
  return (
    <section class="page" aria-labelledby="skill-heading" data-testid="skill-page">
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link href={paths.library()}>Library</Link> <span aria-hidden="true">/</span> skills
      </nav>
      <header class="page-head">
        <div>
          <h1 id="skill-heading">
            {name} {skill && <span class="tag">{skill.source}</span>}
          </h1>
          {skill && (
            <p class="subtle mono small path" title={skill.path}>
              {skill.path}
            </p>
          )}
        </div>
      </header>
      {error ? (
        <Empty title={error instanceof ApiError && error.status === 404 ? `There is no skill ${name} here.` : `Could not load the skill: ${errorMessage(error)}`}>
          <Link href={paths.library()} class="btn">
            Back to the library
          </Link>
        </Empty>
      ) : skill ? (
        <pre class="card skill-text" data-testid="skill-content">
          {skill.content}
        </pre>
      ) : (
        <Spinner label="Loading skill" />
      )}
    </section>
  );
}

/** Skill names as typed: separated by commas or spaces. */
const skillList = (text: string): string[] => text.split(/[\s,]+/).filter(Boolean);

export function NewTemplateDialog(props: { open: boolean; onClose: () => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<SessionRole>('worker');
  const [strategy, setStrategy] = useState<SessionStrategy>('simple');
  const [agentCommand, setAgentCommand] = useState('');
  const [skills, setSkills] = useState('');
  const [description, setDescription] = useState('');
  const { busy, errors, setErrors, submit } = useSubmit(['name', 'role', 'strategy', 'agentCommand', 'skills', 'description']);
  useEffect(() => {
    if (!props.open) return;
    setName('');
    setRole('worker');
    setStrategy('simple');
    setAgentCommand('');
    setSkills('');
    setDescription('');
    setErrors({});
  }, [props.open]);

  const create = (e: Event) => {
    e.preventDefault();
    if (!name.trim()) return setErrors({ name: 'Give the template a name.' });
    void submit(async () => {
      const template = await api.createTemplate({
        name: name.trim(),
        role,
        strategy,
        ...(agentCommand.trim() ? { agentCommand: agentCommand.trim() } : {}),
        ...(skills.trim() ? { skills: skillList(skills) } : {}),
        ...(description.trim() ? { description: description.trim() } : {}),
      });
      putTemplate(template);
      toast('success', `Template ${template.name} created`);
      props.onClose();
      navigate(paths.library());
    });
  };

  return (
    <Dialog open={props.open} title="New session template" onClose={props.onClose} testid="new-template-dialog" wide>
      <form class="form" onSubmit={create} noValidate>
        <Field label="Name" id="tp-name" error={errors.name} hint="Letters, digits, dot, dash and underscore.">
          <input
            id="tp-name"
            value={name}
            autoFocus
            maxLength={100}
            spellcheck={false}
            placeholder="e.g. reviewer"
            aria-invalid={errors.name ? 'true' : undefined}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </Field>
        <div class="row-2">
          <RoleStrategyFields prefix="tp" role={role} strategy={strategy} onRole={setRole} onStrategy={setStrategy} errors={errors} />
        </div>
        <AgentCommandField prefix="tp" value={agentCommand} error={errors.agentCommand} onChange={setAgentCommand} />
        <Field label="Skills (optional)" id="tp-skills" error={errors.skills} hint="Skill names, separated by commas or spaces.">
          <input
            id="tp-skills"
            value={skills}
            spellcheck={false}
            placeholder="e.g. testing, deploy"
            aria-invalid={errors.skills ? 'true' : undefined}
            onInput={(e) => setSkills(e.currentTarget.value)}
          />
        </Field>
        <Field label="Description (optional)" id="tp-desc" error={errors.description}>
          <textarea id="tp-desc" rows={2} value={description} maxLength={2000} onInput={(e) => setDescription(e.currentTarget.value)} />
        </Field>
        <FormFooter error={errors.form} busy={busy} label="Create template" busyLabel="Creating…" testid="create-template-submit" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
