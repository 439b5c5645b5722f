import type { Command } from 'commander';
import { ALL_PROJECTS_OPTION, PROJECT_OPTION, SESSION_OPTION, projectsOf } from '../options.js';
import type { StatusResult } from '../../core/types.js';
import { counts, fields, sessionLine, table, tokenLine } from '../output.js';
import { opCommand } from '../run.js';

/** `manifest generate`, `whoami`, `status`. */
export function registerOverviewCommands(program: Command): void {
  const manifest = program.command('manifest').description("a session's start-up manifest");
  opCommand(manifest, {
    usage: 'generate',
    description: "write a session's manifest.json and show where it is",
    op: 'manifest.generate',
    options: (c) => c.option(...SESSION_OPTION),
    input: (_a, o) => ({ sessionId: o.session }),
    human: (r) =>
      `wrote ${r.manifestPath}\n${fields(
        [
          ['session', `${r.manifest.session.id} (${r.manifest.session.role}, ${r.manifest.session.strategy})`],
          ['project', `${r.manifest.project.name} (${r.manifest.project.workingDir})`],
          ['tasks', r.manifest.tasks.map((t) => t.id).join(', ') || '-'],
          ['skills', r.manifest.skills.map((s) => s.name).join(', ') || '-'],
        ],
        '  ',
      )}`,
  });

  opCommand(program, {
    usage: 'whoami',
    description: 'who the CLI acts as ($MAESTRO_SESSION_ID / $MAESTRO_SESSION_TOKEN, else you, with full rights)',
    op: 'whoami',
    input: () => ({}),
    human: (w) =>
      w.kind === 'user'
        ? `user (no session: full rights)\nserver: ${w.apiUrl}`
        : [
            `session ${sessionLine(w.session)}`,
            fields(
              [
                ['project', `${w.project.name} (${w.project.id})`],
                ['current task', w.currentTask ? `${w.currentTask.id}  ${w.currentTask.title}` : '-'],
                ['tasks', w.tasks.map((t) => `${t.id} [${t.status}]`).join(', ') || '-'],
                ['server', w.apiUrl],
              ],
              '  ',
            ),
          ].join('\n'),
  });

  opCommand(program, {
    usage: 'status',
    description: 'counts of tasks and sessions by status, and the tokens and cost of their agents per project',
    op: 'status',
    options: (c) => c.option(...PROJECT_OPTION).option(...ALL_PROJECTS_OPTION),
    input: async (_a, o, env) => projectsOf(o, env),
    human: (s) => {
      if (s.byProject.length > 1) return statusByProject(s);
      const out = fields([
        ['projects', s.projects],
        ['tasks', `${s.tasks.total} total, ${s.tasks.ready} ready (${counts(s.tasks.byStatus)})`],
        ['sessions', `${s.sessions.total} total, ${s.sessions.active} active (${counts(s.sessions.byStatus)})`],
        ['tokens', s.usage.total.sessions > 0 ? `${tokenLine(s.usage.total)} (${s.usage.total.sessions} session(s) with a transcript)` : 'no transcript yet'],
      ]);
      if (s.usage.byProject.length < 2) return out;
      return [out, ...s.usage.byProject.map((p) => `  ${p.name}: ${tokenLine(p)} (${p.sessions} session(s))`)].join('\n');
    },
  });
}

/** `status --all`: one line per project (what needs a person first), then the totals. */
function statusByProject(s: StatusResult): string {
  const tokens = new Map(s.usage.byProject.map((p) => [p.projectId, p]));
  const rows = s.byProject.map((p) => {
    const by = p.sessions.byStatus;
    const usage = tokens.get(p.projectId);
    return [
      p.name,
      String(p.tasks.total),
      String(p.tasks.ready),
      String(p.tasks.byStatus.done ?? 0),
      String(p.sessions.active),
      String(by.needs_input ?? 0),
      String(by.blocked ?? 0),
      String(by.running ?? 0),
      usage ? tokenLine(usage) : '-',
    ];
  });
  const total = fields([
    ['projects', s.projects],
    ['tasks', `${s.tasks.total} total, ${s.tasks.ready} ready (${counts(s.tasks.byStatus)})`],
    ['sessions', `${s.sessions.total} total, ${s.sessions.active} active (${counts(s.sessions.byStatus)})`],
  ]);
  return `${table(['PROJECT', 'TASKS', 'READY', 'DONE', 'ACTIVE', 'NEEDS INPUT', 'BLOCKED', 'RUNNING', 'TOKENS'], rows)}\n\n${total}`;
}
