import type { Command } from 'commander';
import type { Webhook, WebhookDelivery } from '../../core/webhooks.js';
import { PROJECT_OPTION, list, projectOf, projectsOf } from '../options.js';
import { fields, table, when } from '../output.js';
import { opCommand, usageError } from '../run.js';

/**
 * `maestro notify add|list|remove|test`: webhooks told when sessions need input, are blocked, fail or
 * complete. A webhook is for the project the command is about (`--project`, $MAESTRO_PROJECT_ID, the
 * current directory), or global: with `--global`, or when no project is named and the directory is in none.
 */
export function registerNotifyCommands(program: Command): void {
  const notify = program
    .command('notify')
    .description('webhooks (Slack, Discord, ntfy or JSON) told when sessions need input, are blocked, fail or complete');

  opCommand(notify, {
    usage: 'add <url>',
    description: "add a webhook: signed POSTs for the events named by --on (this project's, or global)",
    op: 'notify.add',
    options: (c) =>
      c
        .option('--on <events>', 'comma-separated events (required): needs_input, blocked, error, completed', list)
        .option(...PROJECT_OPTION)
        .option('--global', 'every project, whatever the current directory (the default outside any project)')
        .option('--format <format>', 'json (default), slack, discord or ntfy')
        .option('--secret <secret>', 'HMAC signing key (default: 32 random bytes, printed once)'),
    input: async ([url], o, env) => {
      if (o.global && o.project !== undefined) throw usageError('give --project or --global, not both', 'project');
      return { url, on: o.on, project: o.global ? undefined : await projectOf(o, env), format: o.format, secret: o.secret };
    },
    fields: { url: '<url>', on: '--on', project: '--project', format: '--format', secret: '--secret' },
    human: (w) =>
      [
        `added ${w.id}  ${w.url}`,
        fields([
          ['on', w.on.join(', ')],
          ['format', w.format],
          ['project', w.projectId ?? 'every project (global)'],
          ['secret', w.secret],
        ], '  '),
        '  (the secret signs every request: X-Maestro-Signature = sha256=HMAC(secret, "<X-Maestro-Timestamp>.<body>"); it is not shown again)',
      ].join('\n'),
  });

  opCommand(notify, {
    usage: 'list',
    description: 'list the webhooks with their last delivery',
    op: 'notify.list',
    options: (c) =>
      c
        .option('--project <project>', "only this project's webhooks and the global ones (default: the current directory's project)")
        .option('--all', "every project's webhooks"),
    input: async (_a, o, env) => ({ project: (await projectsOf(o, env)).project }),
    human: (hooks) =>
      hooks.length === 0
        ? 'no webhooks (add one: maestro notify add <url> --on needs_input,blocked,error,completed)'
        : table(
            ['ID', 'URL', 'ON', 'FORMAT', 'PROJECT', 'LAST DELIVERY'],
            hooks.map((w) => [w.id, w.url, w.on.join(','), w.format, w.projectId ?? '(global)', deliveryLine(w.lastDelivery)]),
          ),
  });

  opCommand(notify, {
    usage: 'remove <id>',
    description: 'remove a webhook',
    op: 'notify.remove',
    input: ([webhookId]) => ({ webhookId }),
    fields: { webhookId: '<id>' },
    human: (w: Webhook) => `removed ${w.id}  ${w.url}`,
  });

  opCommand(notify, {
    usage: 'test <id>',
    description: 'send a test notification to a webhook now and show how it went',
    op: 'notify.test',
    input: ([webhookId]) => ({ webhookId }),
    fields: { webhookId: '<id>' },
    human: (d) => `${d.status === 'delivered' ? 'delivered' : 'failed'}: ${deliveryLine(d)}`,
  });
}

function deliveryLine(d: WebhookDelivery | null): string {
  if (!d) return '-';
  const outcome = d.status === 'delivered' ? `HTTP ${d.httpStatus}` : (d.error ?? (d.httpStatus !== null ? `HTTP ${d.httpStatus}` : ''));
  return `${d.event} ${d.status} (${d.attempts} attempt${d.attempts === 1 ? '' : 's'}${outcome ? `, ${outcome}` : ''}) ${when(d.updatedAt)}  ${d.id}`;
}
