import { z } from 'zod';
import { projectFor, readableSession, type Actor } from '../access.js';
import * as E from '../entities/index.js';
import * as S from '../schemas.js';
import type { MaestroService } from '../service.js';
import { op } from './operation.js';

/** The working directory whose skills a caller sees; none (global skills only) for an owner with several projects and no choice. */
function projectDir(svc: MaestroService, actor: Actor, ref: string | undefined): string | undefined {
  if (ref === undefined && actor.kind === 'user' && svc.projects.list().length !== 1) return undefined;
  return projectFor(svc, actor, ref).workingDir;
}

/** Templates, skills and manifests. */
export const LIBRARY_OPS = [
  op({
    name: 'template.create',
    title: 'Create a template',
    description: 'Saves a named session preset (role, strategy, skills, agent command).',
    input: S.TemplateCreateInput,
    output: E.Template,
    access: 'user',
    readOnly: false,
    run: ({ svc }, input) => {
      const { agent, ...rest } = input;
      return svc.templates.create({ ...rest, agentKind: agent });
    },
  }),
  op({
    name: 'template.list',
    title: 'List templates',
    description: 'Lists session templates usable with session_spawn.',
    input: S.TemplateListInput,
    output: z.array(E.Template),
    access: 'any',
    readOnly: true,
    run: ({ svc }) => svc.templates.list(),
  }),
  op({
    name: 'template.get',
    title: 'Get a template',
    description: 'Returns one session template by name or id.',
    input: S.TemplateGetInput,
    output: E.Template,
    access: 'any',
    readOnly: true,
    run: ({ svc }, input) => svc.templates.resolve(input.template),
  }),
  op({
    name: 'template.delete',
    title: 'Delete a template',
    description: 'Deletes a session template.',
    input: S.TemplateDeleteInput,
    output: E.Template,
    access: 'user',
    readOnly: false,
    run: ({ svc }, input) => svc.templates.delete(input.template),
  }),
  op({
    name: 'skill.list',
    title: 'List skills',
    description: 'Lists the skills (markdown guides) available to your project, with a one-line description each.',
    input: S.SkillListInput,
    output: z.array(E.SkillSummary),
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }, input) => svc.skills.list(projectDir(svc, actor, input.project)),
  }),
  op({
    name: 'skill.get',
    title: 'Read a skill',
    description: 'Returns the full markdown of a skill. Read a skill before doing the kind of work it describes.',
    input: S.SkillGetInput,
    output: E.Skill,
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }, input) => svc.skills.get(input.name, projectDir(svc, actor, input.project)),
  }),
  op({
    name: 'manifest.get',
    title: 'Read manifest',
    description: 'Returns the manifest of a session (yours by default) without writing it: role, strategy, tasks, skills, server URLs.',
    input: S.ManifestGenerateInput,
    output: E.Manifest,
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }, input) => svc.manifest(readableSession(svc, actor, input.sessionId).id),
  }),
  op({
    name: 'manifest.generate',
    title: 'Generate manifest',
    description: 'Writes and returns the manifest of a session (yours by default): role, strategy, tasks, skills, server URLs.',
    input: S.ManifestGenerateInput,
    output: E.ManifestWritten,
    access: 'any',
    readOnly: false,
    run: ({ svc, actor }, input) => svc.writeManifest(readableSession(svc, actor, input.sessionId).id),
  }),
] as const;
