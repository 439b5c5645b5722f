import type { Manifest, Project, Session, SkillSummary, Task } from './types.js';

export interface ManifestInput {
  session: Session;
  project: Project;
  tasks: Task[];
  skills: SkillSummary[];
  apiUrl: string;
  env: Record<string, string>;
}

/** What an agent reads at start: who it is, what to do, and how to talk back. */
export function buildManifest(input: ManifestInput): Manifest {
  const { session, project, tasks } = input;
  return {
    manifestVersion: 1,
    generatedAt: new Date().toISOString(),
    session: {
      id: session.id,
      name: session.name,
      role: session.role,
      strategy: session.strategy,
      parentSessionId: session.parentSessionId,
    },
    project: { id: project.id, name: project.name, workingDir: project.workingDir },
    tasks: tasks.map((t) => ({
      id: t.id,
      title: t.title,
      description: t.description,
      status: t.status,
      priority: t.priority,
      dependencies: t.dependencies,
      parentId: t.parentId,
    })),
    skills: input.skills,
    workspace: { path: session.worktreePath ?? project.workingDir, branch: session.branch, base: session.baseRef },
    server: { apiUrl: input.apiUrl, mcpUrl: `${input.apiUrl.replace(/\/$/, '')}/mcp` },
    env: input.env,
    instructions: instructionsFor(session, tasks, project),
  };
}

export function instructionsFor(
  session: Pick<Session, 'role' | 'strategy' | 'worktreePath' | 'branch' | 'baseRef'>,
  tasks: Array<Pick<Task, 'id' | 'title'>>,
  project?: Pick<Project, 'workingDir'>,
): string {
  const lines: string[] = [];
  lines.push(
    session.role === 'orchestrator'
      ? 'You are a Maestro orchestrator. Break your tasks into subtasks (task_create with parentId), spawn worker sessions for them (session_spawn), watch them (session_list, session_info) and report when the whole is done.'
      : 'You are a Maestro worker. Do the work of your tasks in the project working directory.',
  );
  if (session.branch && session.worktreePath)
    lines.push(
      `You work in your own git worktree, ${session.worktreePath}, on branch ${session.branch} (from ${session.baseRef ?? 'the base branch'}). Stay in it${project ? ` (not ${project.workingDir})` : ''}, and commit your work on your branch before you report it complete: it is merged from there (worktree_info says where you are).`,
    );
  if (session.strategy === 'queue') {
    lines.push(
      'Your tasks come from a queue: call queue_start to claim the next task, do it, then queue_complete (or queue_skip if you cannot do it now). Repeat until queue_start says the queue is empty.',
    );
  } else if (tasks.length > 0) {
    lines.push(`Your tasks: ${tasks.map((t) => `${t.id} "${t.title}"`).join(', ')}.`);
  }
  lines.push(
    'Report as you go with the Maestro MCP tools: report_progress for milestones, report_needs_input when you need a human answer, report_blocked when you cannot go on, report_error for failures, and report_complete (or task_complete) when a task is done.',
    'Other sessions work beside you. Talk to them with message_send (to a session id, orchestrator, project or user) and read message_inbox; messages sent to you also arrive in your context: answer with replyTo and confirm with message_ack. Before editing files another agent may touch, take them with lease_acquire (paths or globs) and give them back with lease_release; a refusal names who holds them.',
  );
  return lines.join('\n');
}
