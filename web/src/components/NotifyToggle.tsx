import { useState } from 'preact/hooks';
import { notificationsActive, setNotificationsEnabled, setNotifyOnCompleted } from '../notify';
import { useAppState } from '../store';

/**
 * "Desktop notifications": switching it on asks the browser's permission; the choice is remembered in
 * this browser. With it on, "also when completed" adds finished sessions to the blocked, waiting and failed ones.
 */
export function NotifyToggle() {
  const s = useAppState();
  const [busy, setBusy] = useState(false);
  const on = notificationsActive(s.notify);
  return (
    <div class="notify-toggle" data-testid="notify-toggle" data-active={on ? 'true' : 'false'}>
      <label class="check-label">
        <input
          type="checkbox"
          data-testid="notify-enabled"
          checked={on}
          disabled={busy}
          onChange={(e) => {
            const want = e.currentTarget.checked;
            setBusy(true);
            void setNotificationsEnabled(want).finally(() => setBusy(false));
          }}
        />
        Desktop notifications
      </label>
      {on && (
        <label class="check-label">
          <input type="checkbox" data-testid="notify-completed" checked={s.notify.completed} onChange={(e) => setNotifyOnCompleted(e.currentTarget.checked)} />
          Also when completed
        </label>
      )}
    </div>
  );
}
