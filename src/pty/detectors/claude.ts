import { GAP, phrase } from './classify.js';
import type { AgentDetector, ScreenPattern } from './types.js';

/** Regex source helpers, so the table below reads as key phrases (see `phrase`). */
const P = phrase;
const words = (...alternatives: string[]) => `(?:${alternatives.map(P).join('|')})`;

/**
 * The input box's placeholders (drawn dim, so plain text cannot tell them from typed text): a
 * suggestion (`Try "…"`), and since 2.1.3xx a hint after a failed turn ("Resend your message to try
 * again", "Once fixed, resend your message").
 */
const PLACEHOLDER = String.raw`Try "|Resend your message to try again|Once fixed, resend your message`;

/**
 * Nothing typed at a prompt below this point: no later `❯ text` / `> text` line (a submitted prompt,
 * a menu cursor). Keeps a reply line ("API Error: …", "Not logged in · Please run /login") counting
 * only while it is the latest thing the agent said; an empty input box or its placeholder is fine.
 */
const LATEST = String.raw`(?![\s\S]*^[\s│┃|]*[❯>][ \u00a0]*(?!${PLACEHOLDER})[^\s│┃|])`;

/** Connection failures, as Claude Code and Node name them. */
const NETWORK = `(?:${words('unable to connect', 'failed to connect', "can't reach", 'cannot reach', 'connection error', 'connection refused', 'connection reset', 'fetch failed', 'network error')}|\\b(?:ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)\\b)`;

/** The short cause of a connection failure, for the reason's detail. */
const NETWORK_CAUSE =
  /\b(ENOTFOUND|ECONNREFUSED|ECONNRESET|ECONNABORTED|ETIMEDOUT|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|Connection(?:Refused|Reset|Closed|Timeout)|[A-Z_]*CERT[A-Z_]*)\b/;

const re = (source: string, flags = 'i') => new RegExp(source, flags);

/**
 * Claude Code's screens (checked against real 2.1.197 and 2.1.332 screens in test/fixtures/claude-screens/,
 * and against the installed binary by test/claude-real.test.ts).
 * Permission dialogs end with a numbered choice list ("❯ 1. Yes") under a question ("Do you want to
 * proceed?", "Do you want to make this edit to x?"); the startup trust dialog asks "Quick safety
 * check: Is this a project you created or one you trust?" (older: "Do you trust the files in this
 * folder?"); /login shows a method menu, then an OAuth URL with "Paste code here if prompted >".
 * While working, the status line shows a spinner word and "esc to interrupt"; without a network the
 * spinner line reads "Unable to connect to API (ConnectionRefused) · Retrying in 2s · attempt 5/10",
 * and after the last attempt "API Error: Unable to connect to API (…)" stays above the input box; a
 * first start without network shows "Unable to connect to Anthropic services" and exits. At rest it
 * shows its input box ("❯ " between rules, or "> " in a box) with hints such as "? for shortcuts";
 * when not logged in a reply and the status line say "Not logged in · (Please) run /login".
 * 2.1.3xx: the trust dialog's choices lose their numbers (cursor first on "No, exit"); the line under
 * the input box names the permission mode ("⏵⏵ auto mode on", "⏸ manual mode on"); a failed turn
 * leaves a placeholder in the input box ("Resend your message to try again"); the network errors
 * read "Can't reach the API server — … (ENOTFOUND)", "Connection refused — … (ECONNREFUSED)"; the
 * /mcp list ends "Enter to view · Esc to close".
 */
const patterns: ScreenPattern[] = [
  // needs_input: the specific dialogs first, so they name the reason
  {
    name: 'trust-folder',
    verdict: 'needs_input',
    reason: 'trust_prompt',
    pattern: re(
      `${P('Do you trust the files in this')}|${P('Quick safety check')}[\\s\\S]{0,400}?\\btrust\\b|${P('Yes, I trust this')}${GAP}(?:folder|project|directory|workspace)`,
    ),
  },
  {
    name: 'login-method',
    verdict: 'needs_input',
    reason: 'login_required',
    pattern: re(`\\b(?:select|choose)${GAP}(?:a${GAP}|your${GAP})?(?:login|log-in|sign-in|sign${GAP}in)${GAP}method\\b`),
  },
  {
    name: 'login-paste-code',
    verdict: 'needs_input',
    reason: 'login_required',
    pattern: re(
      `\\bpaste${GAP}(?:the${GAP}|your${GAP})?(?:(?:authentication|authorization|auth|oauth|login)${GAP})?code\\b|\\bbrowser${GAP}didn.?t${GAP}open\\b`,
    ),
  },
  {
    name: 'do-you-want',
    verdict: 'needs_input',
    pattern: /Do you want to (proceed|make this edit|create|allow|run|delete|overwrite|continue|use)\b/i,
  },
  { name: 'numbered-yes', verdict: 'needs_input', pattern: /^[\s│|]*[❯>]\s*1\.\s*Yes\b/m },
  { name: 'allow-deny', verdict: 'needs_input', pattern: /^[\s│|]*[❯>]?\s*\d\.\s*(Allow|Deny)\b/m },
  { name: 'yes-no', verdict: 'needs_input', pattern: /\((y\/n|Y\/n|y\/N)\)|\[(y\/n|Y\/n|y\/N)\]/ },
  {
    name: 'enter-to-confirm',
    verdict: 'needs_input',
    // "Enter to confirm · Esc to cancel"; 2.1.3xx's /mcp list: "Enter to view · Esc to close"
    pattern: re(`\\benter${GAP}to${GAP}(?:confirm|select|view)\\b[^\\n]{0,40}?\\besc${GAP}to${GAP}(?:exit|cancel|close|(?:go${GAP})?back)\\b`),
  },
  { name: 'press-enter', verdict: 'needs_input', pattern: /Press Enter to (continue|retry)/i },

  // busy
  {
    name: 'offline-retrying',
    verdict: 'busy',
    reason: 'offline',
    pattern: re(`${NETWORK}[\\s\\S]{0,160}?\\bretrying${GAP}in\\b`),
    cause: NETWORK_CAUSE,
  },
  { name: 'esc-to-interrupt', verdict: 'busy', pattern: /esc to interrupt/i },
  { name: 'spinner', verdict: 'busy', pattern: /^[\s]*[✻✽✶✳✢·*⏺]\s+\S+…\s*\(/m },

  // idle: the agent gave up on the network, or sits at its prompt
  {
    name: 'offline-api-error',
    verdict: 'idle',
    reason: 'offline',
    pattern: re(`\\bAPI${GAP}Error\\b[^\\n]{0,60}?(?:\\n[\\s│┃|]*)?${NETWORK}[^\\n]*${LATEST}`, 'im'),
    cause: NETWORK_CAUSE,
  },
  {
    name: 'offline-startup',
    verdict: 'idle',
    reason: 'offline',
    pattern: re(`${P('unable to connect to Anthropic')}|${P('failed to connect to')}${GAP}\\S*anthropic\\.com`),
    cause: NETWORK_CAUSE,
  },
  { name: 'shortcuts-hint', verdict: 'idle', pattern: /\? for shortcuts/ },
  { name: 'input-box', verdict: 'idle', pattern: /^[\s│|]*>\s*(?:Try "[^"]*")?\s*[│|]?\s*$/m },
  // the permission mode under the input box: 2.1.3xx shows "⏵⏵ auto mode on" (its default) or "⏸ manual mode on" there, often without "? for shortcuts"
  { name: 'mode-hint', verdict: 'idle', pattern: /(auto-accept edits|plan mode|auto mode|manual mode) on\b/i },

  // no verdict, only a reason: the latest reply or the status line says the agent is not logged in
  {
    name: 'not-logged-in',
    verdict: null,
    reason: 'login_required',
    pattern: re(
      `${words('not logged in', 'invalid API key', 'OAuth token has expired', 'OAuth token expired', 'token has been revoked')}[\\s\\S]{0,40}?\\brun${GAP}/login\\b[^\\n]*${LATEST}`,
      'im',
    ),
  },
];

export const claudeDetector: AgentDetector = {
  name: 'claude',
  handles: (program) => /^claude(-code)?$/.test(program),
  tailLines: 30,
  patterns,
};
