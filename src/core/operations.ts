import type { z } from 'zod';
import { projectFor, readableSession, targetSession, visibleTask, workableTask, mayCall, type Access, type Actor } from './access.js';
import { MaestroError, forbidden, fromZodError, notFound } from './errors.js';
import * as S from './schemas.js';
import type { ReportKind } from './schemas.js';
import type { MaestroService } from './service.js';

/** Environment variables that decide which program an agent's terminal runs (or what it loads). */
const CHOOSES_PROGRAM = /^(MAESTRO_.*|PATH|LD_.*|DYLD_.*|NODE_OPTIONS|BASH_ENV|ENV|SHELL)$/;

export interface OpContext {
  svc: MaestroService;
  actor: Actor;
}

export interface Operation<I extends z.ZodType = z.ZodType, R = unknown> {
  /** Dotted name used by HTTP routes and the CLI, e.g. `task.create`. */
  name: string;
  /** MCP tool name, e.g. `task_create`. */
  tool: string;
  title: string;
  /** Written for an LLM: what it does and when to call it. */
  description: string;
  input: I;
  access: Access;
  readOnly: boolean;
  run(ctx: OpContext, input: z.infer<I>): R | Promise<R>;
}

const op = <I extends z.ZodType, R>(o: Operation<I, R>): Operation<I, R> => o;

const selfId = (actor: Actor) => (actor.kind === 'session' ? actor.session.id : null);

const report = (kind: ReportKind, title: string, description: string) =>
  op({
    name: `report.${kind}`,
    tool: `report_${kind}`,
    title,
    description,
    input: S.ReportInput,
    access: 'any',
    readOnly: false,
    run: ({ svc, actor }, input) => {
      const session = targetSession(svc, actor, input.sessionId);
      if (input.taskId !== undefined) {
        const task = workableTask(svc, actor, input.taskId);
        if (task.projectId !== session.projectId) throw forbidden(`task ${task.id} belongs to another project`, 'taskId');
      }
      return svc.report(session.id, kind, input.message, input.taskId);
    },
  });

export const OPERATIONS = [
  // ---- projects -------------------------------------------------------------------------------------
  op({
    name: 'project.list',
    tool: 'project_list',
    title: 'List projects',
    description: 'Lists projects (a session sees only its own).',
    input: S.ProjectListInput,
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }) =>
      actor.kind === 'session' ? [svc.projects.get(actor.session.projectId)] : svc.projects.list(),
  }),
  op({
    name: 'project.create',
    tool: 'project_create',
    title: 'Create a project',
    description: 'Creates a project: a unique name and the absolute path of its working directory.',
    input: S.ProjectCreateInput,
    access: 'user',
    readOnly: false,
    run: ({ svc }, input) => svc.projects.create(input),
  }),
  op({
    name: 'project.get',
    tool: 'project_get',
    title: 'Get a project',
    description: 'Returns one project by id or name.',
    input: S.ProjectGetInput,
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }, input) => projectFor(svc, actor, input.project),
  }),
  op({
    name: 'project.update',
    tool: 'project_update',
    title: 'Rename or move a project',
    description: 'Changes a project name or working directory.',
    input: S.ProjectUpdateInput,
    access: 'user',
    readOnly: false,
    run: ({ svc }, input) => svc.projects.update(input.project, { name: input.name, workingDir: input.workingDir }),
  }),
  op({
    name: 'project.delete',
    tool: 'project_delete',
    title: 'Delete a project',
    description:
      'Deletes a project with all its tasks, sessions, timelines and queues (and the session recordings); refused while any of its sessions is live, so stop those first. Cannot be undone.',
    input: S.ProjectDeleteInput,
    access: 'user',
    readOnly: false,
    run: ({ svc }, input) => svc.deleteProject(input.project),
  }),

  // ---- tasks ----------------------------------------------------------------------------------------
  op({
    name: 'task.create',
    tool: 'task_create',
    title: 'Create a task',
    description:
      'Creates a task in your project. Use parentId to split a task into subtasks and dependencies for tasks that must be done first. Workers may only create subtasks of their own tasks.',
    input: S.TaskCreateInput,
    access: 'any',
    readOnly: false,
    run: ({ svc, actor }, input) => {
      const parent = input.parentId !== undefined ? workableTask(svc, actor, input.parentId, 'parentId') : undefined;
      if (!parent && actor.kind === 'session' && actor.session.role === 'worker')
        throw forbidden('workers may only create subtasks of their own tasks: set parentId', 'parentId');
      const project = parent ? svc.projects.get(parent.projectId) : projectFor(svc, actor, input.project);
      if (parent && input.project !== undefined && projectFor(svc, actor, input.project).id !== parent.projectId)
        throw forbidden(`parent task ${parent.id} belongs to another project`, 'parentId');
      return svc.tasks.create({ ...input, projectId: project.id });
    },
  }),
  op({
    name: 'task.list',
    tool: 'task_list',
    title: 'List tasks',
    description:
      'Lists tasks of your project, optionally filtered by status, parent, assignee or readiness (ready = todo with every dependency done). Call it to find work or check what is left.',
    input: S.TaskListInput,
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }, input) =>
      svc.tasks.list({
        projectId: projectFor(svc, actor, input.project).id,
        status: input.status,
        parentId: input.parentId,
        assignee: input.assignee,
        ready: input.ready,
      }),
  }),
  op({
    name: 'task.get',
    tool: 'task_get',
    title: 'Get a task',
    description: 'Returns one task with its description, status, dependencies and assignee.',
    input: S.TaskGetInput,
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }, input) => visibleTask(svc, actor, input.taskId),
  }),
  op({
    name: 'task.update',
    tool: 'task_update',
    title: 'Update a task',
    description:
      'Changes a task: title, description, status, priority, parent, dependencies (replaces the list; cycles are rejected) or assignee. Workers may only change their own tasks.',
    input: S.TaskUpdateInput,
    access: 'any',
    readOnly: false,
    run: ({ svc, actor }, input) => {
      const { taskId, ...patch } = input;
      workableTask(svc, actor, taskId);
      if (patch.parentId) workableTask(svc, actor, patch.parentId, 'parentId');
      return svc.tasks.update(taskId, patch);
    },
  }),
  op({
    name: 'task.complete',
    tool: 'task_complete',
    title: 'Complete a task',
    description: 'Marks a task done. Call it when the work of a task is finished and verified.',
    input: S.TaskCompleteInput,
    access: 'any',
    readOnly: false,
    run: ({ svc, actor }, input) => {
      workableTask(svc, actor, input.taskId);
      const self = selfId(actor);
      if (self) return svc.report(self, 'complete', input.summary?.trim() || 'task completed', input.taskId).task!;
      return svc.tasks.setStatus(input.taskId, 'done');
    },
  }),
  op({
    name: 'task.tree',
    tool: 'task_tree',
    title: 'Task tree',
    description: 'Returns the tasks of your project (or one subtree) as a nested tree of subtasks.',
    input: S.TaskTreeInput,
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }, input) => {
      const project = projectFor(svc, actor, input.project);
      if (input.rootId !== undefined) visibleTask(svc, actor, input.rootId, 'rootId');
      return svc.tasks.tree(project.id, input.rootId);
    },
  }),

  // ---- reports --------------------------------------------------------------------------------------
  report('progress', 'Report progress', 'Records progress on your current task (or taskId) on your timeline and marks it in progress. Call it at each meaningful milestone.'),
  report('complete', 'Report completion', 'Records that your current task (or taskId) is done and marks it done. When no open task is left, your session is completed.'),
  report('blocked', 'Report blocked', 'Records that you cannot go on with your current task (or taskId) and why; marks it and your session blocked.'),
  report('error', 'Report an error', 'Records an error you ran into on your timeline, without changing task status.'),
  report('needs_input', 'Ask for input', 'Records that you need a human decision or answer, with the question; marks the task and session needs_input until you report progress again.'),

  // ---- queue ----------------------------------------------------------------------------------------
  op({
    name: 'queue.start',
    tool: 'queue_start',
    title: 'Start next queue item',
    description:
      'Claims the next ready task from your queue and marks it in progress (returns the current one if you already started it). When item is null, reason says whether the queue is empty or waiting on dependencies.',
    input: S.QueueSessionInput,
    access: 'any',
    readOnly: false,
    run: ({ svc, actor }, input) => svc.queue.start(targetSession(svc, actor, input.sessionId).id),
  }),
  op({
    name: 'queue.complete',
    tool: 'queue_complete',
    title: 'Complete queue item',
    description: 'Marks the queue item you are working on done (and its task done). Then call queue_start for the next.',
    input: S.QueueCompleteInput,
    access: 'any',
    readOnly: false,
    run: ({ svc, actor }, input) => svc.queue.complete(targetSession(svc, actor, input.sessionId).id, input.summary),
  }),
  op({
    name: 'queue.skip',
    tool: 'queue_skip',
    title: 'Skip queue item',
    description: 'Puts the queue item you are working on back at the end of your queue (counted), with an optional reason.',
    input: S.QueueSkipInput,
    access: 'any',
    readOnly: false,
    run: ({ svc, actor }, input) => svc.queue.skip(targetSession(svc, actor, input.sessionId).id, input.reason),
  }),
  op({
    name: 'queue.status',
    tool: 'queue_status',
    title: 'Queue status',
    description: 'Shows your current queue item, the next ready one and counts of queued, done and waiting items.',
    input: S.QueueSessionInput,
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }, input) => svc.queue.status(readableSession(svc, actor, input.sessionId).id),
  }),
  op({
    name: 'queue.list',
    tool: 'queue_list',
    title: 'List queue',
    description: 'Lists every item of your queue in order, with state and skip counts.',
    input: S.QueueSessionInput,
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }, input) => svc.queue.list(readableSession(svc, actor, input.sessionId).id),
  }),
  op({
    name: 'queue.add',
    tool: 'queue_add',
    title: 'Add to a queue',
    description: 'Appends tasks to the queue of a session you spawned.',
    input: S.QueueAddInput,
    access: 'orchestrator',
    readOnly: false,
    run: ({ svc, actor }, input) => {
      const session = targetSession(svc, actor, input.sessionId);
      for (const id of input.taskIds) {
        const task = visibleTask(svc, actor, id, 'taskIds');
        if (task.projectId !== session.projectId) throw forbidden(`task ${id} belongs to another project`, 'taskIds');
      }
      return svc.queue.add(session.id, input.taskIds);
    },
  }),

  // ---- sessions -------------------------------------------------------------------------------------
  op({
    name: 'session.spawn',
    tool: 'session_spawn',
    title: 'Spawn a session',
    description:
      'Starts a new agent session (a worker by default) on the given tasks in your project. Use it to hand subtasks to workers; the new session is your child and you can watch it with session_list/session_info.',
    input: S.SessionSpawnInput,
    access: 'orchestrator',
    readOnly: false,
    run: async ({ svc, actor }, input) => {
      // The agent command runs as the owner's user: only the owner picks it (directly or in a template).
      if (actor.kind === 'session') {
        if (input.agentCommand !== undefined)
          throw forbidden('only the owner may set an agent command; spawn with a template instead', 'agentCommand');
        if (input.agent !== undefined) throw forbidden('only the owner may choose the agent CLI; spawn with a template instead', 'agent');
        const chooser = Object.keys(input.env ?? {}).find((name) => CHOOSES_PROGRAM.test(name));
        if (chooser) throw forbidden(`only the owner may set ${chooser}: it changes which program runs`, `env.${chooser}`);
      }
      const project = projectFor(svc, actor, input.project);
      for (const id of input.taskIds ?? []) visibleTask(svc, actor, id, 'taskIds');
      const { project: _p, ...rest } = input;
      return svc.spawn({ ...rest, projectId: project.id, taskIds: input.taskIds ?? [], parentSessionId: selfId(actor) });
    },
  }),
  op({
    name: 'session.list',
    tool: 'session_list',
    title: 'List sessions',
    description:
      'Lists sessions of your project with role, status, tasks, current task and last report; parentSessionId lists the ones you spawned.',
    input: S.SessionListInput,
    access: 'orchestrator',
    readOnly: true,
    run: ({ svc, actor }, input) =>
      svc.listSessions({
        projectId: input.project !== undefined || actor.kind === 'session' ? projectFor(svc, actor, input.project).id : undefined,
        status: input.status,
        parentSessionId: input.parentSessionId,
      }),
  }),
  op({
    name: 'session.info',
    tool: 'session_info',
    title: 'Session details',
    description:
      "Returns a session (yours by default) with its tasks, recent timeline, children and queue, and its agent's token usage and cost (from its transcript, when it has one).",
    input: S.SessionInfoInput,
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }, input) => svc.sessionInfo(readableSession(svc, actor, input.sessionId).id, input.timelineLimit),
  }),
  op({
    name: 'session.timeline',
    tool: 'session_timeline',
    title: 'Session timeline',
    description: 'Returns timeline events of a session, oldest first; afterId fetches only newer ones.',
    input: S.SessionTimelineInput,
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }, input) =>
      svc.sessions.timeline(readableSession(svc, actor, input.sessionId).id, { afterId: input.afterId, limit: input.limit }),
  }),
  op({
    name: 'session.send',
    tool: 'session_send',
    title: 'Send a message to a session',
    description:
      "Steers a running agent you spawned: the text becomes its next prompt. It is typed between the agent's turns (never mid-turn) and the result says whether the agent's own hook confirmed it arrived (delivery: confirmed), is still queued while it works (queued), or was typed but not confirmed in time (unconfirmed).",
    input: S.SessionSendInput,
    access: 'orchestrator',
    readOnly: false,
    run: ({ svc, actor }, input) =>
      svc.sendToSession(targetSession(svc, actor, input.sessionId).id, input.text, input.waitMs ?? 15_000, actor.kind === 'session' ? actor.session.id : 'the owner'),
  }),
  op({
    name: 'session.stop',
    tool: 'session_stop',
    title: 'Stop a session',
    description: 'Stops a session you spawned (ends its agent) and marks it stopped.',
    input: S.SessionStopInput,
    access: 'orchestrator',
    readOnly: false,
    run: ({ svc, actor }, input) => svc.stopSession(targetSession(svc, actor, input.sessionId).id),
  }),

  // ---- templates, skills, manifest ------------------------------------------------------------------------
  op({
    name: 'template.create',
    tool: 'template_create',
    title: 'Create a template',
    description: 'Saves a named session preset (role, strategy, skills, agent command).',
    input: S.TemplateCreateInput,
    access: 'user',
    readOnly: false,
    run: ({ svc }, input) => {
      const { agent, ...rest } = input;
      return svc.templates.create({ ...rest, agentKind: agent });
    },
  }),
  op({
    name: 'template.list',
    tool: 'template_list',
    title: 'List templates',
    description: 'Lists session templates usable with session_spawn.',
    input: S.TemplateListInput,
    access: 'any',
    readOnly: true,
    run: ({ svc }) => svc.templates.list(),
  }),
  op({
    name: 'template.get',
    tool: 'template_get',
    title: 'Get a template',
    description: 'Returns one session template by name or id.',
    input: S.TemplateGetInput,
    access: 'any',
    readOnly: true,
    run: ({ svc }, input) => svc.templates.resolve(input.template),
  }),
  op({
    name: 'template.delete',
    tool: 'template_delete',
    title: 'Delete a template',
    description: 'Deletes a session template.',
    input: S.TemplateDeleteInput,
    access: 'user',
    readOnly: false,
    run: ({ svc }, input) => svc.templates.delete(input.template),
  }),
  op({
    name: 'skill.list',
    tool: 'skill_list',
    title: 'List skills',
    description: 'Lists the skills (markdown guides) available to your project, with a one-line description each.',
    input: S.SkillListInput,
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }, input) => svc.skills.list(projectDir(svc, actor, input.project)),
  }),
  op({
    name: 'skill.get',
    tool: 'skill_get',
    title: 'Read a skill',
    description: 'Returns the full markdown of a skill. Read a skill before doing the kind of work it describes.',
    input: S.SkillGetInput,
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }, input) => svc.skills.get(input.name, projectDir(svc, actor, input.project)),
  }),
  op({
    name: 'manifest.get',
    tool: 'manifest_get',
    title: 'Read manifest',
    description: 'Returns the manifest of a session (yours by default) without writing it: role, strategy, tasks, skills, server URLs.',
    input: S.ManifestGenerateInput,
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }, input) => svc.manifest(readableSession(svc, actor, input.sessionId).id),
  }),
  op({
    name: 'manifest.generate',
    tool: 'manifest_generate',
    title: 'Generate manifest',
    description: 'Writes and returns the manifest of a session (yours by default): role, strategy, tasks, skills, server URLs.',
    input: S.ManifestGenerateInput,
    access: 'any',
    readOnly: false,
    run: ({ svc, actor }, input) => svc.writeManifest(readableSession(svc, actor, input.sessionId).id),
  }),

  // ---- identity and overview ---------------------------------------------------------------------------------
  op({
    name: 'whoami',
    tool: 'whoami',
    title: 'Who am I',
    description: 'Tells you your session id, role, strategy, project and assigned tasks. Call it first if unsure what to do.',
    input: S.WhoamiInput,
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }) => {
      if (actor.kind === 'user') return { kind: 'user' as const, apiUrl: svc.apiUrl };
      const session = svc.sessions.get(actor.session.id);
      return {
        kind: 'session' as const,
        session,
        project: svc.projects.get(session.projectId),
        tasks: svc.tasks.list({ assignee: session.id }),
        currentTask: svc.currentTask(session.id),
        apiUrl: svc.apiUrl,
      };
    },
  }),
  op({
    name: 'status',
    tool: 'status',
    title: 'Overview',
    description:
      'Counts of tasks and sessions by status for your project, and the tokens and cost its agents used: a quick overview of where the work stands.',
    input: S.StatusInput,
    access: 'any',
    readOnly: true,
    run: ({ svc, actor }, input) =>
      svc.status(input.project !== undefined || actor.kind === 'session' ? projectFor(svc, actor, input.project).id : undefined),
  }),
] as const satisfies ReadonlyArray<Operation<any, any>>;

export type OperationName = (typeof OPERATIONS)[number]['name'];
type OpByName<N extends OperationName> = Extract<(typeof OPERATIONS)[number], { name: N }>;
/** What a caller passes to operation N (before defaults are applied). */
export type OpInput<N extends OperationName> = z.input<OpByName<N>['input']>;
/** What operation N returns. */
export type OpResult<N extends OperationName> = Awaited<ReturnType<OpByName<N>['run']>>;

const BY_NAME = new Map<string, Operation<any, any>>(OPERATIONS.map((o) => [o.name, o]));
const BY_TOOL = new Map<string, Operation<any, any>>(OPERATIONS.map((o) => [o.tool, o]));

export const getOperation = (name: string): Operation<any, any> | undefined => BY_NAME.get(name) ?? BY_TOOL.get(name);

export function operationsFor(actor: Actor): Operation<any, any>[] {
  return OPERATIONS.filter((o) => mayCall(actor, o.access));
}

/** The single entry point of every facade: validate, authorise, run. */
export async function executeOp(svc: MaestroService, actor: Actor, name: string, rawInput: unknown): Promise<unknown> {
  const operation = getOperation(name);
  if (!operation) throw notFound('operation', name);
  if (!mayCall(actor, operation.access)) {
    const who = actor.kind === 'session' ? `a ${actor.session.role} session` : 'this caller';
    throw forbidden(
      `${operation.tool} is for ${operation.access === 'orchestrator' ? 'orchestrator sessions' : 'people (CLI or dashboard)'}; ${who} may not call it`,
    );
  }
  const parsed = operation.input.safeParse(rawInput ?? {});
  if (!parsed.success) throw fromZodError(parsed.error);
  const current: Actor = actor.kind === 'session' ? { kind: 'session', session: svc.sessions.get(actor.session.id) } : actor;
  return operation.run({ svc, actor: current }, parsed.data);
}

function projectDir(svc: MaestroService, actor: Actor, ref: string | undefined): string | undefined {
  if (ref === undefined && actor.kind === 'user' && svc.projects.list().length !== 1) return undefined;
  return projectFor(svc, actor, ref).workingDir;
}

export { MaestroError };
