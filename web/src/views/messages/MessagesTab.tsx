import { useState } from 'preact/hooks';
import { api } from '../../api';
import { Empty, Field, Spinner, useSubmit } from '../../components/ui';
import { toast } from '../../store';
import type { Message, Session } from '../../types';
import { MessageItem } from './MessageItem';
import './messages.css';
import { threads, useSessionMessages } from './useMessages';

/*
 * The session page's Messages tab (issue 12): what the session sent and received, threaded (replies under
 * the message they answer, by threadId / replyTo), each recipient's delivered / read / acknowledged state
 * changing live, and a form to write to the session as the user, or to answer one of its messages.
 */
export function MessagesTab({ session }: { session: Session }) {
  const { data, error, put } = useSessionMessages(session.id);
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  return (
    <div class="messages-tab" data-testid="messages-tab">
      <SendForm session={session} replyTo={replyTo} onCancelReply={() => setReplyTo(null)} onSent={(m) => (put(m), setReplyTo(null))} />
      {error ? (
        <p class="error-text" role="alert">
          Could not load the messages: {error}
        </p>
      ) : !data ? (
        <Spinner label="Loading messages" />
      ) : data.length === 0 ? (
        <Empty title="No messages yet" testid="messages-empty">
          <p>Messages this session sends or receives show here, with whether they were delivered, read and acknowledged.</p>
        </Empty>
      ) : (
        <ol class="msg-threads" data-testid="message-threads" aria-live="polite">
          {threads(data).map((t) => (
            <li class="msg-thread" data-testid="message-thread" data-thread-id={t[0]!.threadId}>
              {t.map((m) => (
                <MessageItem
                  key={m.id}
                  message={m}
                  reply={m.replyTo !== null}
                  actions={
                    m.from.sessionId !== null && (
                      <button type="button" class="btn small ghost" data-testid="msg-reply" onClick={() => setReplyTo(m)} aria-label={`Reply to ${m.subject}`}>
                        Reply
                      </button>
                    )
                  }
                />
              ))}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

function SendForm(props: { session: Session; replyTo: Message | null; onCancelReply: () => void; onSent: (m: Message) => void }) {
  const { session, replyTo } = props;
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const { busy, errors, submit } = useSubmit(['subject', 'body', 'to', 'replyTo']);
  const id = `msg-${session.id}`;
  return (
    <form
      class="card msg-form"
      data-testid="message-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit(async () => {
          const sent = await api.sendMessage({
            to: session.id,
            subject: subject || (replyTo ? `Re: ${replyTo.subject}` : ''),
            body,
            ...(replyTo ? { replyTo: replyTo.id } : {}),
          });
          props.onSent(sent);
          setSubject('');
          setBody('');
          toast('success', `Message sent to ${session.name}`);
        });
      }}
    >
      <h2 class="card-title">
        {replyTo ? (
          <>
            Reply to “{replyTo.subject}”{' '}
            <button type="button" class="btn small ghost" onClick={props.onCancelReply}>
              Cancel reply
            </button>
          </>
        ) : (
          `Message ${session.name}`
        )}
      </h2>
      <Field label="Subject" id={`${id}-subject`} error={errors.subject}>
        <input id={`${id}-subject`} value={subject} placeholder={replyTo ? `Re: ${replyTo.subject}` : ''} maxLength={200} onInput={(e) => setSubject(e.currentTarget.value)} />
      </Field>
      <Field label="Message" id={`${id}-body`} error={errors.body ?? errors.to ?? errors.replyTo}>
        <textarea id={`${id}-body`} rows={3} value={body} onInput={(e) => setBody(e.currentTarget.value)} />
      </Field>
      {errors.form && (
        <p class="error-text" role="alert">
          {errors.form}
        </p>
      )}
      <div class="form-actions">
        <button type="submit" class="btn primary" disabled={busy} data-testid="message-send">
          {busy ? 'Sending…' : 'Send'}
        </button>
      </div>
    </form>
  );
}
