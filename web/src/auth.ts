import { ApiError, api, errorMessage, onUnauthorized } from './api';
import { startLive } from './live';
import { clearData, getState, loadProjects, setState, toast, type AuthNotice } from './store';

/*
 * Signing in. The server wants a credential on every /api and /ws request; the dashboard's is an
 * HttpOnly, SameSite=Strict cookie that `POST /api/auth/login {"token": <owner secret>}` sets. The
 * secret reaches the page in the login link that `maestro serve` prints and `maestro open` opens,
 * `http://127.0.0.1:PORT/#token=<secret>` (a fragment: it is never sent to the server or logged), or
 * pasted into the sign-in screen. The page never keeps it: it goes to the server once and is wiped
 * from the address bar and the history entry.
 */

/** The parts of a location fragment that carries a login token. */
export interface LoginHash {
  token: string;
  /** Where to go once the token is out: the path (and query) plus what remains of the fragment. */
  url: string;
}

/**
 * Reads `token=…` out of a fragment, keeping the rest: `#token=T` → no fragment, `#token=T&x=1` →
 * `#x=1`, and a route kept in the fragment (`#/projects/p/tasks?token=T`, `#/library&token=T`)
 * becomes the path the router reads (`/projects/p/tasks`, `/library`). Null without a token.
 */
export function parseLoginHash(hash: string, pathAndQuery: string): LoginHash | null {
  let h = hash.startsWith('#') ? hash.slice(1) : hash;
  let route = '';
  if (h.startsWith('/')) {
    const i = h.search(/[?&]/);
    route = i < 0 ? h : h.slice(0, i);
    h = i < 0 ? '' : h.slice(i + 1);
  }
  const parts = h.split('&');
  const at = parts.findIndex((p) => p.startsWith('token='));
  if (at < 0) return null;
  const raw = parts[at]!.slice('token='.length);
  parts.splice(at, 1);
  const rest = parts.filter(Boolean).join('&');
  let token = raw;
  try {
    token = decodeURIComponent(raw);
  } catch {
    /* not %-encoded */
  }
  const url = route ? route + (rest ? `?${rest}` : '') : pathAndQuery + (rest ? `#${rest}` : '');
  return { token, url };
}

/** Takes the login token out of the address (and this history entry), if the page was opened with one. */
function takeLinkToken(): string | null {
  const found = parseLoginHash(location.hash, location.pathname + location.search);
  if (!found) return null;
  history.replaceState(history.state, '', found.url);
  return found.token;
}

/** What the user pasted: the whole login link (its `token=`), or the token alone. */
export function tokenFromInput(text: string): string {
  const t = text.trim().replace(/^["'<]+|[">']+$/g, '');
  const m = /(?:^|[#?&])token=([^&#\s]+)/.exec(t);
  if (!m) return t;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1]!;
  }
}

let stopLive: (() => void) | null = null;

/** Loads what every page needs, then opens the live socket; a 401 on the way ends in the sign-in screen. */
async function start(): Promise<void> {
  setState({ auth: 'checking' });
  await loadProjects();
  if (getState().auth === 'required') return;
  setState({ auth: 'ok', authNotice: null });
  stopLive?.();
  stopLive = startLive();
}

/** Back to the sign-in screen, with nothing of the server's data kept. */
function showSignIn(notice: AuthNotice | null): void {
  stopLive?.();
  stopLive = null;
  setState({ auth: 'required', authNotice: notice });
  clearData();
}

/** A request answered 401: the cookie is missing, or no longer good (secret rotated, signed out elsewhere). */
function unauthorized(): void {
  const s = getState();
  if (s.auth === 'required') return;
  showSignIn(
    s.auth === 'ok'
      ? { kind: 'error', message: 'The server no longer accepts this browser’s sign-in (its secret may have been renewed). Sign in again with a fresh login link.' }
      : null,
  );
}

/**
 * Page start (before the first render, so the router never sees the token): signs in with the link's
 * token when there is one, then loads the data and opens the live socket.
 */
export async function boot(): Promise<void> {
  onUnauthorized(unauthorized);
  // A login link opened in a tab already showing the dashboard changes only the fragment: no reload.
  window.addEventListener('hashchange', () => {
    const token = takeLinkToken();
    if (token) {
      // The router follows history changes it made itself; this one it has to be told of.
      window.dispatchEvent(new PopStateEvent('popstate'));
      void linkSignIn(token);
    }
  });
  const token = takeLinkToken();
  if (token) await linkSignIn(token);
  else await start();
}

/** Signs in with a login link's token; a refused one ends on the sign-in screen, saying so. */
async function linkSignIn(token: string): Promise<void> {
  try {
    await api.login(token);
  } catch (err) {
    const message =
      err instanceof ApiError && err.status === 401
        ? 'The login link was not accepted: it may be out of date. Run maestro open for a fresh one.'
        : `Could not sign in with the login link: ${errorMessage(err)}`;
    // A bad link opened in a tab that is signed in already leaves it signed in.
    if (getState().auth === 'ok') toast('error', message);
    else showSignIn({ kind: 'error', message });
    return;
  }
  await start();
}

/** The sign-in form: the pasted token (or link) for the cookie, then everything loads. Throws ApiError (401: wrong token). */
export async function signIn(input: string): Promise<void> {
  await api.login(tokenFromInput(input));
  await start();
}

/** Asks the server to clear the cookie, then shows the sign-in screen. */
export async function signOut(): Promise<void> {
  try {
    await api.logout();
  } catch (err) {
    // Already signed out (401) is fine; anything else leaves the page as it was.
    if (!(err instanceof ApiError && err.status === 401)) {
      toast('error', `Could not sign out: ${errorMessage(err)}`);
      return;
    }
  }
  showSignIn({ kind: 'info', message: 'You are signed out. This browser no longer has access until you sign in again.' });
}
