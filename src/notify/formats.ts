import type { NotifyFormat } from '../core/schemas.js';
import type { DeliveryEvent } from '../core/webhooks.js';

/*
 * What a notification says, and how it is written for each kind of receiver: the generic JSON payload,
 * Slack's and Discord's incoming-webhook bodies, and ntfy's plain text with its headers.
 */

/** One notification, whatever its format: the event, where it happened, what it is about, a link. */
export interface Notification {
  event: DeliveryEvent;
  /** One line for a person: "worker-1 needs input". */
  title: string;
  /** The question (needs_input), the reason (blocked, error), the last word (completed); null when none was given. */
  message: string | null;
  project: { id: string; name: string } | null;
  session: { id: string; name: string; role: string; status: string } | null;
  task: { id: string; title: string } | null;
  /** The dashboard page of the session (or the dashboard for a test). */
  link: string;
  /** ISO 8601: when it happened. */
  time: string;
}

/** The request body and its own headers. */
export interface Rendered {
  body: string;
  headers: Record<string, string>;
}

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** Header values must be printable ASCII (fetch refuses others): anything else becomes '?'. */
const headerSafe = (text: string) => clip(text.replace(/[^\x20-\x7e]/g, '?'), 250);

function detailLines(n: Notification): string[] {
  return [
    n.project ? `project: ${n.project.name}` : null,
    n.session ? `session: ${n.session.name} (${n.session.id}, ${n.session.role}, ${n.session.status})` : null,
    n.task ? `task: ${n.task.title} (${n.task.id})` : null,
  ].filter((l): l is string => l !== null);
}

const NTFY_TAGS: Record<DeliveryEvent, string> = {
  needs_input: 'question',
  blocked: 'no_entry',
  error: 'x',
  completed: 'white_check_mark',
  test: 'bell',
};

const DISCORD_COLOR: Record<DeliveryEvent, number> = {
  needs_input: 0xf59e0b,
  blocked: 0xef4444,
  error: 0xdc2626,
  completed: 0x22c55e,
  test: 0x3b82f6,
};

const JSON_HEADERS = { 'Content-Type': 'application/json' };

export function render(format: NotifyFormat, n: Notification): Rendered {
  switch (format) {
    case 'json':
      return { body: JSON.stringify(n), headers: JSON_HEADERS };
    case 'slack': {
      const text = [n.title, n.message, n.link].filter(Boolean).join('\n');
      const blocks = [
        { type: 'section', text: { type: 'mrkdwn', text: clip(`*${n.title}*${n.message ? `\n${n.message}` : ''}`, 3000) } },
        ...(detailLines(n).length ? [{ type: 'context', elements: detailLines(n).map((l) => ({ type: 'mrkdwn', text: clip(l, 3000) })) }] : []),
        { type: 'section', text: { type: 'mrkdwn', text: `<${n.link}|Open in Maestro>` } },
      ];
      return { body: JSON.stringify({ text: clip(text, 40_000), blocks }), headers: JSON_HEADERS };
    }
    case 'discord': {
      const fields = [
        n.project && { name: 'Project', value: clip(n.project.name, 1024), inline: true },
        n.session && { name: 'Session', value: clip(`${n.session.name} (${n.session.id})`, 1024), inline: true },
        n.task && { name: 'Task', value: clip(`${n.task.title} (${n.task.id})`, 1024), inline: false },
      ].filter(Boolean);
      const embed = {
        title: clip(n.title, 256),
        description: n.message ? clip(n.message, 4096) : undefined,
        url: n.link,
        color: DISCORD_COLOR[n.event],
        fields,
        timestamp: n.time,
      };
      return { body: JSON.stringify({ content: clip(n.title, 2000), embeds: [embed] }), headers: JSON_HEADERS };
    }
    case 'ntfy': {
      const body = [n.message ?? n.title, ...detailLines(n)].join('\n');
      const urgent = n.event === 'needs_input' || n.event === 'blocked' || n.event === 'error';
      return {
        body,
        headers: {
          'Content-Type': 'text/plain; charset=utf-8',
          Title: headerSafe(n.title),
          Tags: NTFY_TAGS[n.event],
          Priority: urgent ? 'high' : 'default',
          Click: n.link,
        },
      };
    }
  }
}
