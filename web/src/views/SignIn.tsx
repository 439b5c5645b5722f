import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, errorMessage } from '../api';
import { signIn, tokenFromInput } from '../auth';
import { LogoMark } from '../components/icons';
import { Spinner } from '../components/ui';
import type { AuthNotice } from '../store';

function Brand() {
  return (
    <p class="brand signin-brand">
      <LogoMark size={30} />
      <span class="brand-name">Maestro</span>
    </p>
  );
}

/** While the page signs in or makes its first request: nothing of the dashboard yet. */
export function AuthChecking() {
  return (
    <div class="signin-shell">
      <main id="main" class="signin" aria-busy="true">
        <Brand />
        <Spinner label="Loading" />
      </main>
    </div>
  );
}

/**
 * The server wants the login link (no cookie, or one it no longer takes): how to get it, and a field
 * to paste it (or its token) into.
 */
export function SignInView({ notice }: { notice: AuthNotice | null }) {
  const input = useRef<HTMLInputElement>(null);
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    input.current?.focus();
  }, []);

  useEffect(() => {
    document.title = 'Sign in · Maestro';
    return () => {
      document.title = 'Maestro';
    };
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    if (!tokenFromInput(value)) {
      setError('Paste the login link, or the token in it, first.');
      input.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await signIn(value);
    } catch (err) {
      setBusy(false);
      setError(
        err instanceof ApiError && err.status === 401
          ? 'That token is not right (or no longer valid). Copy the whole login link again from maestro open or maestro serve.'
          : `Could not sign in: ${errorMessage(err)}`,
      );
      input.current?.focus();
      input.current?.select();
    }
  };

  const example = `${location.origin}/#token=…`;
  return (
    <div class="signin-shell">
      <main id="main" class="signin" aria-labelledby="signin-title" data-testid="sign-in">
        <Brand />
        <div class="card signin-card">
          <h1 id="signin-title">Sign in to the dashboard</h1>
          <p>
            This dashboard needs the <strong>login link</strong> of your Maestro server. Run <code>maestro open</code> in a terminal on this machine
            to open it signed in, or paste the link (or only its token) that <code>maestro serve</code> printed when it started.
          </p>
          {notice && (
            <p class={`signin-notice ${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid="sign-in-notice">
              {notice.message}
            </p>
          )}
          <form class="signin-form" onSubmit={(e) => void submit(e)} noValidate>
            <div class={`field${error ? ' has-error' : ''}`}>
              <label for="signin-token">Login link or token</label>
              <input
                ref={input}
                id="signin-token"
                name="token"
                type="password"
                autocomplete="off"
                autocapitalize="off"
                spellcheck={false}
                value={value}
                aria-invalid={error ? true : undefined}
                aria-describedby={error ? 'signin-token-error' : 'signin-token-hint'}
                onInput={(e) => setValue(e.currentTarget.value)}
                data-testid="sign-in-token"
              />
              {error ? (
                <p class="error-text" id="signin-token-error" role="alert" data-testid="sign-in-error">
                  {error}
                </p>
              ) : (
                <p class="hint" id="signin-token-hint">
                  It looks like <span class="mono">{example}</span>. The browser keeps a cookie that scripts cannot read; the token itself is not
                  stored.
                </p>
              )}
            </div>
            <div class="form-actions">
              <button type="submit" class="btn primary" disabled={busy} data-testid="sign-in-submit">
                {busy ? 'Signing in…' : 'Sign in'}
              </button>
            </div>
          </form>
        </div>
      </main>
    </div>
  );
}
