import { z } from 'zod';
import * as E from '../entities/index.js';
import * as S from '../schemas.js';
import { contract } from './contract.js';

/** Templates, skills and manifests. */
export const templateCreate = contract({
  name: 'template.create',
  title: 'Create a template',
  description: 'Saves a named session preset (role, strategy, skills, agent command).',
  input: S.TemplateCreateInput,
  output: E.Template,
  access: 'user',
  readOnly: false,
});

export const templateList = contract({
  name: 'template.list',
  title: 'List templates',
  description: 'Lists session templates usable with session_spawn.',
  input: S.TemplateListInput,
  output: z.array(E.Template),
  access: 'any',
  readOnly: true,
});

export const templateGet = contract({
  name: 'template.get',
  title: 'Get a template',
  description: 'Returns one session template by name or id.',
  input: S.TemplateGetInput,
  output: E.Template,
  access: 'any',
  readOnly: true,
});

export const templateDelete = contract({
  name: 'template.delete',
  title: 'Delete a template',
  description: 'Deletes a session template.',
  input: S.TemplateDeleteInput,
  output: E.Template,
  access: 'user',
  readOnly: false,
});

export const skillList = contract({
  name: 'skill.list',
  title: 'List skills',
  description: 'Lists the skills (markdown guides) available to your project, with a one-line description each.',
  input: S.SkillListInput,
  output: z.array(E.SkillSummary),
  access: 'any',
  readOnly: true,
});

export const skillGet = contract({
  name: 'skill.get',
  title: 'Read a skill',
  description: 'Returns the full markdown of a skill. Read a skill before doing the kind of work it describes.',
  input: S.SkillGetInput,
  output: E.Skill,
  access: 'any',
  readOnly: true,
});

export const manifestGet = contract({
  name: 'manifest.get',
  title: 'Read manifest',
  description: 'Returns the manifest of a session (yours by default) without writing it: role, strategy, tasks, skills, server URLs.',
  input: S.ManifestGenerateInput,
  output: E.Manifest,
  access: 'any',
  readOnly: true,
});

export const manifestGenerate = contract({
  name: 'manifest.generate',
  title: 'Generate manifest',
  description: 'Writes and returns the manifest of a session (yours by default): role, strategy, tasks, skills, server URLs.',
  input: S.ManifestGenerateInput,
  output: E.ManifestWritten,
  access: 'any',
  readOnly: false,
});

export const LIBRARY_CONTRACTS = [templateCreate, templateList, templateGet, templateDelete, skillList, skillGet, manifestGet, manifestGenerate] as const;
