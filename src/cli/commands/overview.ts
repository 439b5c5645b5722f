import type { Command } from 'commander';
import { PROJECT_OPTION, SESSION_OPTION, projectOf } from '../options.js';
import { counts, fields, sessionLine, tokenLine } from '../output.js';
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
    options: (c) => c.option(...PROJECT_OPTION),
    input: (_a, o, env) => ({ project: projectOf(o, env) }),
    human: (s) => {
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
