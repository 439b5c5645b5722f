import type { OperationName, OpResult } from '../../src/core/contracts/index.js';
import { MaestroError } from '../../src/core/error-codec.js';
import { httpRoute, opRequest, requestFor, type HttpRouteName, type RouteResult } from '../../src/http/routes.js';
import type {
  CleanupResult,
  FileContent,
  MergeQueueEntry,
  MergeResult,
  Message,
  MessageInbox,
  OpInput,
  Project,
  QueueItem,
  Session,
  SessionDiff,
  SessionFiles,
  SessionInfo,
  SessionLogs,
  SessionSummary,
  Skill,
  SkillSummary,
  SpawnResult,
  Task,
  Template,
  TimelineEvent,
  WorktreeInfo,
} from './types';
import { TASK_STATUSES } from './types';

/** A 4xx/5xx answer of the API: the server's MaestroError (code, message, field…) and the HTTP status (0: no answer). */
export class ApiError extends MaestroError {
  constructor(
    readonly status: number,
    error: MaestroError,
  ) {
    super(error.code, error.message, error.field, { cause: error.cause, current: error.current });
    this.name = 'ApiError';
  }
}

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

/** One request of a route of the table; the answer as the route declares it (JSON, text, nothing). */
async function send(req: ReturnType<typeof requestFor>, result: RouteResult, opts: { signIn?: boolean } = {}): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(req.path, {
      method: req.method,
      headers: req.body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json', accept: 'application/json' },
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      credentials: 'same-origin',
    });
  } catch (err) {
    throw new ApiError(0, new MaestroError('unavailable', UNREACHABLE, undefined, { cause: err }));
  }
  if (res.status === 401 && !opts.signIn) unauthorized();
  const text = await res.text();
  if (!res.ok) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON: the fallback message says what failed */
    }
    throw new ApiError(res.status, MaestroError.fromJSON(body, `${req.method} ${req.path} failed with HTTP ${res.status}`));
  }
  if (result === 'none') return undefined;
  if (result !== 'json') return text;
  return text ? JSON.parse(text) : null;
}

/*
 * The operations' types (OperationName, OpInput, OpResult) come from their contracts (src/core/contracts),
 * which are node-free: type-only imports, erased, so neither zod nor the server is bundled. `call` is typed
 * by the operation it runs, and each method of `api` below is one call, its types inferred from it.
 */

/**
 * Runs an operation as the CLI's client does (`opRequest`): over its REST route of the table, or through
 * the generic door when it has none or leaves out a path param the operation defaults.
 */
export async function call<N extends OperationName>(op: N, input: OpInput<N>): Promise<OpResult<N>> {
  return (await send(opRequest(op, input as Record<string, unknown>), 'json')) as OpResult<N>;
}

/** Calls an HTTP-only route of the table (terminals, sign-in) by name; the answer as the table declares it. */
export async function callRoute<T>(name: HttpRouteName, input: object, opts: { signIn?: boolean } = {}): Promise<T> {
  const route = httpRoute(name);
  return (await send(requestFor(route, input as Record<string, unknown>), route.result, opts)) as T;
}

/** The path of an HTTP-only route for this input (for a link: the recording's download). */
export const routePath = (name: HttpRouteName, input: object): string => requestFor(httpRoute(name), input as Record<string, unknown>).path;

/** What a page of tasks is asked with (task.list): the filters, the page size and where the last page ended. */
export type TaskPageQuery = OpInput<'task.list'>;
/** A page of tasks: the tasks, where the next page starts (null: this was the last), and the count when asked. */
export type TaskPage = OpResult<'task.list'>;
/** A project's task counts, in the shape of the `status` overview's. */
export type TaskCounts = OpResult<'status'>['tasks'];

export const api = {
  projects: (): Promise<Project[]> => call('project.list', {}),
  createProject: (input: OpInput<'project.create'>): Promise<Project> => call('project.create', input),

  /** One page of a project's tasks matching the query, in creation order; `total` when asked for. */
  taskPage: (query: TaskPageQuery): Promise<TaskPage> => call('task.list', query),
  task: (taskId: string): Promise<Task> => call('task.get', { taskId }),
  /**
   * The project's task counts: all, ready, and by status. Counted by task.list (`total`, one task a
   * page) per status, each off an index: the `status` overview counts the same in SQL but also reads every
   * session's usage, which the task views do not show.
   */
  taskCounts: async (project: string): Promise<TaskCounts> => {
    const count = async (filter: Omit<TaskPageQuery, 'project' | 'limit' | 'total'>) =>
      (await call('task.list', { project, ...filter, limit: 1, total: true })).total ?? 0;
    const [ready, ...perStatus] = await Promise.all([count({ ready: true }), ...TASK_STATUSES.map((st) => count({ status: [st] }))]);
    const byStatus = Object.fromEntries(TASK_STATUSES.map((st, i) => [st, perStatus[i]!]));
    return { total: perStatus.reduce((a, b) => a + b, 0), ready, byStatus };
  },
  createTask: (input: OpInput<'task.create'>): Promise<Task> => call('task.create', input),
  updateTask: (taskId: string, patch: Omit<OpInput<'task.update'>, 'taskId'>): Promise<Task> => call('task.update', { ...patch, taskId }),
  completeTask: (taskId: string, summary?: string): Promise<Task> => call('task.complete', summary ? { taskId, summary } : { taskId }),

  sessions: (project: string): Promise<SessionSummary[]> => call('session.list', { project }),
  /** The sessions of every project (the all-projects overview), each with its projectId. */
  allSessions: (): Promise<SessionSummary[]> => call('session.list', { all: true }),
  sessionInfo: (sessionId: string, timelineLimit?: number): Promise<SessionInfo> => call('session.info', { sessionId, timelineLimit }),
  timeline: (sessionId: string, afterId?: number): Promise<TimelineEvent[]> => call('session.timeline', { sessionId, afterId, limit: 10000 }),
  /** The agent's conversation from its transcript (last `limit` entries); 404 until it has one. */
  sessionLogs: (sessionId: string, limit?: number): Promise<SessionLogs> => callRoute('session.logs', { sessionId, limit }),
  spawn: (input: OpInput<'session.spawn'>): Promise<SpawnResult> => call('session.spawn', input),
  stopSession: (sessionId: string): Promise<Session> => call('session.stop', { sessionId }),
  queue: (sessionId: string): Promise<QueueItem[]> => call('queue.list', { sessionId }),
  templates: (): Promise<Template[]> => call('template.list', {}),
  createTemplate: (input: OpInput<'template.create'>): Promise<Template> => call('template.create', input),
  deleteTemplate: (templateId: string): Promise<Template> => call('template.delete', { template: templateId }),
  skills: (project?: string): Promise<SkillSummary[]> => call('skill.list', { project }),
  skill: (name: string, project?: string): Promise<Skill> => call('skill.get', { name, project }),

  // A session's worktree: where it works, its changes, its files, merging and cleaning up (the Changes tab).
  worktree: (sessionId: string): Promise<WorktreeInfo> => call('worktree.info', { sessionId }),
  diff: (sessionId: string): Promise<SessionDiff> => call('session.diff', { sessionId }),
  files: (sessionId: string): Promise<SessionFiles> => call('session.files', { sessionId }),
  file: (sessionId: string, path: string, version: FileContent['version']): Promise<FileContent> => call('session.file', { sessionId, path, version }),
  /** A refusal comes back as the result with dryRun, and as an ApiError (code `conflict`) without. */
  merge: (input: OpInput<'session.merge'>): Promise<MergeResult> => call('session.merge', input),
  cleanup: (sessionId: string, force: boolean): Promise<CleanupResult> => call('session.cleanup', force ? { sessionId, force } : { sessionId }),
  mergeQueue: (project: string): Promise<MergeQueueEntry[]> => call('merge_queue.list', { project }),
  enqueueMerge: (input: OpInput<'merge_queue.add'>): Promise<MergeQueueEntry[]> => call('merge_queue.add', input),
  dequeueMerge: (entryId: string): Promise<MergeQueueEntry> => call('merge_queue.remove', { entryId }),

  // Messages between sessions and the user (issue 12).
  /** A session's messages, sent and received, newest first, each with every recipient's state. */
  sessionMessages: (sessionId: string): Promise<Message[]> => call('message.list', { sessionId, limit: 500 }),
  /** The user's inbox (unread first), every project; this call marks the unread ones read. */
  userInbox: (): Promise<MessageInbox> => call('message.inbox', { all: true, limit: 200 }),
  sendMessage: (input: OpInput<'message.send'>): Promise<Message> => call('message.send', input),
  ackMessage: (messageId: string, note?: string): Promise<Message> => call('message.ack', note ? { messageId, note } : { messageId }),

  /** Trades the owner secret (from the login link) for the login cookie: 204, or 401 for a wrong token. */
  login: (token: string): Promise<void> => callRoute('auth.login', { token }, { signIn: true }),
  /** Clears the login cookie. */
  logout: (): Promise<void> => callRoute('auth.logout', {}, { signIn: true }),
  /**
   * Whether the login cookie still works: a socket refused at the upgrade only says "closed", so a
   * cheap request asks (a 401 calls the unauthorized handler). Network errors are ignored.
   */
  checkAuth: async (): Promise<void> => {
    await api.templates().catch(() => undefined);
  },

  /** The session's terminal recording (asciicast v2) as text. */
  recording: (sessionId: string): Promise<string> => callRoute('session.recording', { sessionId }),
  /** Where the recording downloads from (a link's href). */
  recordingUrl: (sessionId: string): string => routePath('session.recording', { sessionId }),
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
