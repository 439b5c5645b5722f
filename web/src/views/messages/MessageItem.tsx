import type { ComponentChildren } from 'preact';
import { Link, RelTime } from '../../components/ui';
import { paths } from '../../router';
import type { Message, MessageRecipient, MessageState } from '../../types';

const STATE_LABEL: Record<MessageState, string> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  acknowledged: 'acknowledged',
};

const VIA_LABEL: Record<string, string> = { hook: 'by its hook', typed: 'typed in', inbox: 'from its inbox' };

/** Who a party is, linked to its session page (the user is "you"). */
export function Party(props: { sessionId: string | null; name: string }) {
  if (props.sessionId === null) return <span class="msg-party msg-user">you</span>;
  return (
    <Link href={paths.session(props.sessionId, 'messages')} class="msg-party">
      {props.name}
    </Link>
  );
}

/** One recipient's state: sent, delivered (how), read, acknowledged (with its note), the time in the title. */
export function RecipientState({ r }: { r: MessageRecipient }) {
  const when = r.ackedAt ?? r.readAt ?? r.deliveredAt;
  const title = [
    r.deliveredAt && `delivered ${new Date(r.deliveredAt).toLocaleString()}${r.deliveredVia ? ` ${VIA_LABEL[r.deliveredVia] ?? r.deliveredVia}` : ''}`,
    r.readAt && `read ${new Date(r.readAt).toLocaleString()}`,
    r.ackedAt && `acknowledged ${new Date(r.ackedAt).toLocaleString()}`,
  ]
    .filter(Boolean)
    .join('\n');
  return (
    <li class="msg-recipient" data-testid="msg-recipient" data-recipient={r.sessionId ?? 'user'} data-state={r.state} title={title || undefined}>
      <Party sessionId={r.sessionId} name={r.name} />{' '}
      <span class={`msg-state msg-state-${r.state}`} data-testid="msg-state">
        {STATE_LABEL[r.state]}
      </span>
      {when && r.state !== 'sent' && (
        <span class="subtle small">
          {' '}
          <RelTime iso={when} />
        </span>
      )}
      {r.ackNote && <span class="msg-ack-note"> “{r.ackNote}”</span>}
    </li>
  );
}

/** A message: from → to, subject, body, and each recipient's state; `actions` for its buttons. */
export function MessageItem(props: { message: Message; reply?: boolean; actions?: ComponentChildren; fresh?: boolean }) {
  const m = props.message;
  return (
    <article
      class={`msg${props.reply ? ' msg-reply' : ''}${props.fresh ? ' msg-fresh' : ''}`}
      data-testid="message"
      data-message-id={m.id}
      data-thread-id={m.threadId}
      data-reply-to={m.replyTo ?? ''}
      data-state={m.state}
      aria-label={`Message: ${m.subject}`}
    >
      <header class="msg-head">
        <span class="msg-from">
          <Party sessionId={m.from.sessionId} name={m.from.name} /> → <span class="mono small">{m.to}</span>
        </span>
        {props.fresh && (
          <span class="msg-new" data-testid="msg-new">
            new
          </span>
        )}
        <span class="subtle small msg-time">
          <RelTime iso={m.createdAt} />
        </span>
      </header>
      <h3 class="msg-subject" data-testid="msg-subject">
        {m.subject}
      </h3>
      <p class="msg-body" data-testid="msg-body">
        {m.body}
      </p>
      <ul class="msg-recipients" aria-label="Recipients">
        {m.recipients.map((r) => (
          <RecipientState r={r} />
        ))}
      </ul>
      {props.actions && <div class="msg-actions">{props.actions}</div>}
    </article>
  );
}
