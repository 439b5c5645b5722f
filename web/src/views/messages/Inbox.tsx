import { useState } from 'preact/hooks';
import { api, errorMessage } from '../../api';
import { toast, useAppState } from '../../store';
import { MessageItem } from './MessageItem';
import './messages.css';
import { userCopy, useUserInbox } from './useMessages';

/**
 * The user's inbox on the overview (issue 12): messages sent to the user by sessions of every project (a
 * worker's blocked report, a question), newest first, the unread ones marked new and counted, each with
 * its project and an Acknowledge button (the sender sees it acknowledged).
 */
export function UserInbox() {
  const s = useAppState();
  const { data, error, fresh, put } = useUserInbox();
  const [showAcked, setShowAcked] = useState(false);
  if (error)
    return (
      <p class="error-text" role="alert">
        Could not load your inbox: {error}
      </p>
    );
  if (!data) return null;
  const open = data.filter((m) => !userCopy(m)?.ackedAt);
  const list = showAcked ? data : open;
  const project = (id: string) => s.projects.find((p) => p.id === id)?.name ?? id;
  const ack = async (id: string) => {
    try {
      put(await api.ackMessage(id));
    } catch (err) {
      toast('error', `Could not acknowledge the message: ${errorMessage(err)}`);
    }
  };
  return (
    <section class="card inbox" aria-labelledby="inbox-heading" data-testid="user-inbox">
      <h2 class="card-title" id="inbox-heading">
        Your inbox{' '}
        <span class={`inbox-count${fresh.size ? ' on' : ''}`} data-testid="inbox-unread" data-count={fresh.size}>
          {fresh.size} new
        </span>
        <span class="subtle small">{open.length} to acknowledge</span>
      </h2>
      {list.length === 0 ? (
        <p class="subtle" data-testid="inbox-empty">
          {data.length ? 'Everything is acknowledged.' : 'Nothing for you yet: sessions write here when they are blocked or need you.'}
        </p>
      ) : (
        <div class="inbox-list">
          {list.map((m) => (
            <div class="inbox-item" data-testid="inbox-item" data-message-id={m.id}>
              <span class="subtle small inbox-project">{project(m.projectId)}</span>
              <MessageItem
                message={m}
                fresh={fresh.has(m.id)}
                actions={
                  userCopy(m)?.ackedAt ? null : (
                    <button type="button" class="btn small" data-testid="inbox-ack" aria-label={`Acknowledge ${m.subject}`} onClick={() => void ack(m.id)}>
                      Acknowledge
                    </button>
                  )
                }
              />
            </div>
          ))}
        </div>
      )}
      {data.length > open.length && (
        <button type="button" class="btn small ghost" data-testid="inbox-toggle-acked" aria-expanded={showAcked} onClick={() => setShowAcked(!showAcked)}>
          {showAcked ? 'Hide acknowledged' : `Show ${data.length - open.length} acknowledged`}
        </button>
      )}
    </section>
  );
}
