import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { formErrors } from '../api';
import { onLinkClick, paths } from '../router';
import { PRIORITY_LABEL, STATUS_LABEL, type SessionStatus, type StateReason, type TaskPriority, type TaskStatus } from '../types';
import { PlusIcon } from './icons';

export function Link(props: JSX.HTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const { href, onClick, ...rest } = props;
  return (
    <a
      href={href}
      onClick={(e) => {
        if (typeof onClick === 'function') onClick(e);
        onLinkClick(e, href);
      }}
      {...rest}
    />
  );
}

export function StatusBadge({ status, testid }: { status: TaskStatus | SessionStatus; testid?: string }) {
  return (
    <span class={`badge status-${status}`} data-testid={testid} data-status={status}>
      <span class="dot" aria-hidden="true" />
      {STATUS_LABEL[status] ?? status}
    </span>
  );
}

const REASON_LABEL: Record<StateReason, string> = {
  needs_input: 'waiting for you',
  finished: 'finished',
  finished_unreported: 'stopped without reporting',
  waiting: 'waiting on a background job',
  stalled: 'stalled',
  login_required: 'login required',
  trust_prompt: 'asks to trust the folder',
  offline: 'offline',
};

/** Why a session is in its status (from its hooks or its screen), beside the status badge. */
export function ReasonTag({ reason, testid }: { reason: StateReason | null; testid?: string }) {
  if (!reason) return null;
  return (
    <span class={`reason reason-${reason}`} data-testid={testid} data-reason={reason}>
      {REASON_LABEL[reason] ?? reason}
    </span>
  );
}

const PRIORITY_ICON: Record<TaskPriority, string> = { low: '↓', medium: '=', high: '↑', critical: '⇈' };

export function PriorityBadge({ priority }: { priority: TaskPriority }) {
  return (
    <span class={`prio prio-${priority}`} title={`${PRIORITY_LABEL[priority]} priority`} data-priority={priority}>
      <span aria-hidden="true">{PRIORITY_ICON[priority]}</span> {PRIORITY_LABEL[priority]}
    </span>
  );
}

/** Renders the component again every `ms`, so the times it shows age on screen. */
export function useTicker(ms: number): void {
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), ms);
    return () => clearInterval(t);
  }, [ms]);
}

/** A session's current task as a link to it, or a dash. */
export function TaskLink({ task }: { task: { id: string; projectId: string; title: string } | null | undefined }) {
  return task ? <Link href={paths.task(task.projectId, task.id)}>{task.title}</Link> : <span class="subtle">—</span>;
}

/** A report's kind and message, as the session lists show the last one. */
export function ReportText({ report }: { report: { kind: string; message: string } }) {
  return (
    <>
      <span class={`kind kind-${report.kind}`}>{report.kind.replace('_', ' ')}</span> <span class="report-msg">{report.message}</span>
    </>
  );
}

/** "3 min ago", refreshed every 30 s; the exact time is in the title. */
export function RelTime({ iso }: { iso: string }) {
  useTicker(30_000);
  return (
    <time dateTime={iso} title={new Date(iso).toLocaleString()}>
      {relative(iso)}
    </time>
  );
}

export function relative(iso: string): string {
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 10) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  return d < 30 ? `${d} d ago` : new Date(iso).toLocaleDateString();
}

/** A native modal <dialog>: focus trapping, Esc and the backdrop come from the browser. */
export function Dialog(props: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  testid?: string;
  wide?: boolean;
  /** More classes for the <dialog> (e.g. `two-col`: wider, for a form of two columns on wide screens). */
  class?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useRef(`dlg-${Math.random().toString(36).slice(2, 8)}`).current;
  // Our own close() fires 'close' too (asynchronously); only a close by the browser (Esc) calls onClose.
  const closingOurselves = useRef(false);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) {
      d.showModal();
      // Focus the field marked autofocus (else the first field), not the close button.
      const first = d.querySelector<HTMLElement>('[autofocus]') ?? d.querySelector<HTMLElement>('input:not([type=hidden]), select, textarea');
      first?.focus();
    }
    if (!props.open && d.open) {
      closingOurselves.current = true;
      d.close();
    }
  }, [props.open]);
  return (
    <dialog
      ref={ref}
      class={['dialog', props.wide && 'wide', props.class].filter(Boolean).join(' ')}
      aria-labelledby={titleId}
      data-testid={props.testid}
      onClose={() => {
        if (closingOurselves.current) closingOurselves.current = false;
        else props.onClose();
      }}
      onClick={(e) => {
        // A click on the backdrop lands on the <dialog> itself.
        if (e.target === ref.current) props.onClose();
      }}
    >
      {props.open && (
        <div class="dialog-body">
          <header class="dialog-head">
            <h2 id={titleId}>{props.title}</h2>
            <button type="button" class="icon-btn" aria-label="Close" onClick={props.onClose}>
              ×
            </button>
          </header>
          {props.children}
        </div>
      )}
    </dialog>
  );
}

export function Field(props: { label: string; id: string; error?: string; hint?: string; children: ComponentChildren }) {
  return (
    <div class={`field${props.error ? ' has-error' : ''}`}>
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint && !props.error && (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p class="error-text" id={`${props.id}-error`} role="alert">
          {props.error}
        </p>
      )}
    </div>
  );
}

/**
 * A form's submit state: `busy` while `submit(action)` runs, and its errors by field; a failed
 * action's error goes under the field the server named when it is one of `fields`, else on the form.
 */
export function useSubmit(fields: readonly string[]) {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const submit = async (action: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setErrors({});
    try {
      await action();
    } catch (err) {
      setErrors(formErrors(err, fields));
    } finally {
      setBusy(false);
    }
  };
  return { busy, errors, setErrors, submit };
}

/** The end of a dialog's form: an error that belongs to no field, Cancel, and the submit button. */
export function FormFooter(props: { error?: string; busy: boolean; label: string; busyLabel: string; testid: string; onCancel: () => void }) {
  return (
    <>
      {props.error && (
        <p class="error-text" role="alert">
          {props.error}
        </p>
      )}
      <div class="form-actions">
        <button type="button" class="btn" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" class="btn primary" disabled={props.busy} data-testid={props.testid}>
          {props.busy ? props.busyLabel : props.label}
        </button>
      </div>
    </>
  );
}

/** A page's header: its h1 (`id`, for the page's aria-labelledby), a line under it, and its "New …" button. */
export function PageHead(props: { id: string; title: string; subtitle: string; add: { label: string; testid: string; onClick: () => void } }) {
  return (
    <header class="page-head">
      <div>
        <h1 id={props.id}>{props.title}</h1>
        <p class="subtle">{props.subtitle}</p>
      </div>
      <div class="head-actions">
        <button type="button" class="btn primary" data-testid={props.add.testid} onClick={props.add.onClick}>
          <PlusIcon /> {props.add.label}
        </button>
      </div>
    </header>
  );
}

export function Empty(props: { title: string; children?: ComponentChildren; testid?: string }) {
  return (
    <div class="empty" data-testid={props.testid}>
      <p class="empty-title">{props.title}</p>
      {props.children}
    </div>
  );
}

export function Spinner({ label = 'Loading' }: { label?: string }) {
  return (
    <div class="spinner-wrap" role="status">
      <span class="spinner" aria-hidden="true" />
      <span>{label}…</span>
    </div>
  );
}

export const shortId = (id: string) => id.replace(/^(tsk|ses|prj|tpl)_/, '').slice(0, 6);
