import type { z } from 'zod';
import type { ProjectCreateInput, SessionSpawnInput, TaskCreateInput, TaskUpdateInput, TemplateCreateInput } from '../../src/core/schemas.js';
import { toQuery } from '../../src/http/query.js';
import type { Project, QueueItem, Session, SessionInfo, SessionLogs, SessionSummary, Skill, SkillSummary, SpawnResult, Task, Template, TimelineEvent } from './types';

/** The request bodies, as the server's own schemas (type-only: zod stays out of the bundle). */
type Input<Schema extends z.ZodType> = z.input<Schema>;

/** A 4xx/5xx answer of the API: `{error:{code,message,field}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Query = Record<string, unknown>;

/*
 * Every /api request carries the dashboard's login cookie (HttpOnly, SameSite=Strict: the page never
 * sees it). A 401 means it is missing, expired or was revoked: the handler (auth.ts) swaps the views
 * for the sign-in screen. The login request itself does not trigger it (a wrong token is the form's error).
 */
let unauthorized: () => void = () => undefined;
export function onUnauthorized(handler: () => void): void {
  unauthorized = handler;
}

const UNREACHABLE = 'The Maestro server cannot be reached.';

async function request<T>(method: string, path: string, body?: unknown, opts: { signIn?: boolean } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch (err) {
    throw new ApiError(0, 'unavailable', UNREACHABLE);
  }
  if (res.status === 401 && !opts.signIn) unauthorized();
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
    throw new ApiError(res.status, e?.code ?? 'http_error', e?.message ?? `${method} ${path} failed with HTTP ${res.status}`, e?.field);
  }
  return data as T;
}

const enc = encodeURIComponent;

export const api = {
  get: <T>(path: string, query: Query = {}) => request<T>('GET', path + toQuery(query)),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  delete: <T>(path: string) => request<T>('DELETE', path),

  projects: () => api.get<Project[]>('/api/projects'),
  createProject: (input: Input<typeof ProjectCreateInput>) => api.post<Project>('/api/projects', input),

  tasks: (project: string) => api.get<Task[]>('/api/tasks', { project }),
  createTask: (input: Input<typeof TaskCreateInput>) => api.post<Task>('/api/tasks', input),
  updateTask: (taskId: string, patch: Omit<Input<typeof TaskUpdateInput>, 'taskId'>) => api.patch<Task>(`/api/tasks/${enc(taskId)}`, patch),
  completeTask: (taskId: string, summary?: string) =>
    api.post<Task>(`/api/tasks/${enc(taskId)}/complete`, summary ? { summary } : {}),

  sessions: (project: string) => api.get<SessionSummary[]>('/api/sessions', { project }),
  sessionInfo: (sessionId: string, timelineLimit?: number) =>
    api.get<SessionInfo>(`/api/sessions/${enc(sessionId)}`, { timelineLimit }),
  timeline: (sessionId: string, afterId?: number) =>
    api.get<TimelineEvent[]>(`/api/sessions/${enc(sessionId)}/timeline`, { afterId, limit: 10000 }),
  /** The agent's conversation from its transcript (last `limit` entries); 404 until it has one. */
  sessionLogs: (sessionId: string, limit?: number) => api.get<SessionLogs>(`/api/sessions/${enc(sessionId)}/logs`, { limit }),
  spawn: (input: Input<typeof SessionSpawnInput>) => api.post<SpawnResult>('/api/sessions', input),
  stopSession: (sessionId: string) => api.post<Session>(`/api/sessions/${enc(sessionId)}/stop`, {}),
  queue: (sessionId: string) => api.get<QueueItem[]>('/api/queue', { sessionId }),
  templates: () => api.get<Template[]>('/api/templates'),
  createTemplate: (input: Input<typeof TemplateCreateInput>) => api.post<Template>('/api/templates', input),
  deleteTemplate: (templateId: string) => api.delete<Template>(`/api/templates/${enc(templateId)}`),
  skills: (project?: string) => api.get<SkillSummary[]>('/api/skills', { project }),
  skill: (name: string, project?: string) => api.get<Skill>(`/api/skills/${enc(name)}`, { project }),

  /** Trades the owner secret (from the login link) for the login cookie: 204, or 401 for a wrong token. */
  login: (token: string) => request<void>('POST', '/api/auth/login', { token }, { signIn: true }),
  /** Clears the login cookie. */
  logout: () => request<void>('POST', '/api/auth/logout', {}, { signIn: true }),
  /**
   * Whether the login cookie still works: a socket refused at the upgrade only says "closed", so a
   * cheap request asks (a 401 calls the unauthorized handler). Network errors are ignored.
   */
  checkAuth: async (): Promise<void> => {
    await api.templates().catch(() => undefined);
  },

  recording: async (sessionId: string): Promise<string> => {
    let res: Response;
    try {
      res = await fetch(`/api/sessions/${enc(sessionId)}/recording`, { credentials: 'same-origin' });
    } catch {
      throw new ApiError(0, 'unavailable', UNREACHABLE);
    }
    if (res.status === 401) unauthorized();
    if (!res.ok) {
      let message = `No recording (HTTP ${res.status})`;
      try {
        const body = (await res.json()) as { error?: { message?: string } };
        if (body.error?.message) message = body.error.message;
      } catch {
        /* not JSON */
      }
      throw new ApiError(res.status, res.status === 404 ? 'not_found' : res.status === 401 ? 'unauthorized' : 'http_error', message);
    }
    return res.text();
  },
};

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * A failed submit as form errors: under the field the server named (its first segment: `env.FOO` is
 * `env`) when the form shows that field, else for the whole form.
 */
export function formErrors(err: unknown, fields: readonly string[]): Record<string, string> {
  const field = err instanceof ApiError ? err.field?.split('.')[0] : undefined;
  return field && fields.includes(field) ? { [field]: errorMessage(err) } : { form: errorMessage(err) };
}
