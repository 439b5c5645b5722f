import type { Command } from 'commander';
import type { SessionInfo } from '../../core/types.js';
import { ALL_PROJECTS_OPTION, PROJECT_OPTION, int, keyValue, list, projectOf, projectsOf } from '../options.js';
import { fields, joinOr, queueTable, sessionLine, sessionTable, timelineLines, tokenLine, when } from '../output.js';
import { makeClient, opCommand, type Env } from '../run.js';

/**
 * The session the CLI acts as: $MAESTRO_SESSION_ID, or, with only $MAESTRO_SESSION_TOKEN, the one the
 * server says the token belongs to. Undefined for the owner (the server then asks for an id).
 */
async function ownSessionId(env: Env): Promise<string | undefined> {
  const id = env.MAESTRO_SESSION_ID?.trim();
  if (id) return id;
  if (!env.MAESTRO_SESSION_TOKEN?.trim()) return undefined;
  const me = await makeClient(env).call('whoami');
  return me.kind === 'session' ? me.session.id : undefined;
}

/** Adds `session list|info|spawn` and returns the `session` command, which others extend (attach, replay, stop). */
export function registerSessionCommands(program: Command): Command {
  const session = program.command('session').description('spawn agent sessions and watch them');

  opCommand(session, {
    usage: 'list',
    description: 'list sessions',
    op: 'session.list',
    options: (c) =>
      c
        .option('--status <statuses>', 'only these statuses, comma-separated', list)
        .option('--parent <session>', 'only sessions spawned by this session')
        .option('--task <id>', 'only sessions working on this task')
        .option(...PROJECT_OPTION)
        .option(...ALL_PROJECTS_OPTION),
    input: async (_a, o, env) => ({ status: o.status, parentSessionId: o.parent, ...(await projectsOf(o, env)) }),
    output: (sessions, o) => (o.task ? sessions.filter((s) => s.taskIds.includes(o.task)) : sessions),
    human: (sessions) => sessionTable(sessions),
  });

  opCommand(session, {
    usage: 'info [id]',
    description: 'show a session with its tasks, queue and timeline (default: $MAESTRO_SESSION_ID)',
    op: 'session.info',
    options: (c) => c.option('--limit <n>', 'how many recent timeline events (default 200)', int),
    input: async ([sessionId], o, env) => ({ sessionId: sessionId ?? (await ownSessionId(env)), timelineLimit: o.limit }),
    fields: { sessionId: '[id]' },
    human: (info) => sessionInfo(info),
  });

  opCommand(session, {
    usage: 'spawn',
    description: 'start a new agent session on tasks',
    op: 'session.spawn',
    options: (c) =>
      c
        .option('-t, --task <ids>', 'task(s) to work on, comma-separated or repeated', list)
        .option('--role <role>', 'worker (default) or orchestrator')
        .option('--strategy <strategy>', 'simple (default): all tasks at once; queue: one at a time')
        .option('--template <name>', 'start from this session template')
        .option('--name <name>', 'human-friendly name')
        .option('--skill <names>', 'skill(s) to load, comma-separated or repeated', list)
        .option('--agent-command <command>', 'command that starts the agent')
        .option('--agent <kind>', 'which agent CLI: claude (default), codex, gemini or generic (see `maestro agent list`)')
        .option('--env <KEY=VALUE>', 'extra environment variable for the agent (repeatable)', keyValue)
        .option('--worktree', 'run in its own git worktree on branch maestro/<name> (default: the template\'s, else the project\'s)')
        .option('--no-worktree', 'run in the project directory')
        .option('--base <ref>', "where its worktree branch starts (default: the project's base branch)")
        .option(...PROJECT_OPTION),
    input: async (_a, o, env) => ({
      taskIds: o.task,
      role: o.role,
      strategy: o.strategy,
      template: o.template,
      name: o.name,
      skills: o.skill,
      agentCommand: o.agentCommand,
      agent: o.agent,
      env: o.env,
      worktree: o.worktree,
      base: o.base,
      project: await projectOf(o, env),
    }),
    human: (r) =>
      `spawned ${sessionLine(r.session)}\nmanifest: ${r.manifestPath}${r.session.worktreePath ? `\nworktree: ${r.session.worktreePath} (branch ${r.session.branch})` : ''}`,
  });

  return session;
}

function sessionInfo(info: SessionInfo): string {
  const s = info.session;
  const parts = [
    sessionLine(s),
    fields(
      [
        ['project', `${info.project.name} (${info.project.id})`],
        ['parent', s.parentSessionId],
        ['agent', s.agentCommand],
        ['skills', s.skills.length ? s.skills.join(', ') : null],
        ['exit code', s.exitCode],
        ['created', when(s.createdAt)],
        ['children', info.children.length ? info.children.map((c) => `${c.id} (${c.status})`).join(', ') : null],
      ],
      '  ',
    ),
    '',
    'tasks:',
    info.tasks.length ? info.tasks.map((t) => `  ${t.id}  ${t.title}  [${t.status}]`).join('\n') : `  ${joinOr(s.taskIds, '(none)')}`,
  ];
  if (info.queue) parts.push('', 'queue:', queueTable(info.queue).replace(/^/gm, '  '));
  parts.push('', 'tokens:', usageLines(info));
  parts.push('', 'timeline:', timelineLines(info.timeline));
  return parts.join('\n');
}

/** Tokens and cost: in all, per model when more than one, and whose task they went to. */
function usageLines(info: SessionInfo): string {
  const u = info.usage;
  if (!u) return `  (no transcript${info.session.transcriptPath ? ` at ${info.session.transcriptPath} yet` : ': the agent has not said where one is'})`;
  const lines = [`  ${tokenLine(u)}  (${u.messages} messages)`];
  const models = Object.entries(u.byModel);
  if (models.length > 1) for (const [model, m] of models) lines.push(`    ${model}: ${tokenLine(m)}`);
  else if (models.length === 1) lines.push(`  model: ${models[0]![0]}${models[0]![1].price ? '' : ' (no price: cost not counted)'}`);
  lines.push(
    u.taskId ? `  all for task ${u.taskId} (the session's only task)` : '  per session only: with several tasks the transcript does not say which task a token went to',
    `  transcript: ${u.transcriptPath}`,
  );
  for (const w of u.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}
