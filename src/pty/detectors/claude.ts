import type { AgentDetector } from './types.js';

/**
 * Claude Code's screens. Permission dialogs end with a numbered choice list ("❯ 1. Yes") under a
 * question ("Do you want to proceed?", "Do you want to make this edit to x?"); the startup trust
 * dialog asks "Do you trust the files in this folder?". While working, the status line shows a
 * spinner word and "esc to interrupt". At rest it shows its input box ("> " between rules or in a
 * box) with hints such as "? for shortcuts".
 */
export const claudeDetector: AgentDetector = {
  name: 'claude',
  handles: (program) => /^claude(-code)?$/.test(program),
  tailLines: 30,
  needsInput: [
    { name: 'do-you-want', pattern: /Do you want to (proceed|make this edit|create|allow|run|delete|overwrite|continue)\b/i },
    { name: 'trust-folder', pattern: /Do you trust the files in this folder\?/i },
    { name: 'numbered-yes', pattern: /^[\s│|]*[❯>]\s*1\.\s*Yes\b/m },
    { name: 'allow-deny', pattern: /^[\s│|]*[❯>]?\s*\d\.\s*(Allow|Deny)\b/m },
    { name: 'yes-no', pattern: /\((y\/n|Y\/n|y\/N)\)|\[(y\/n|Y\/n|y\/N)\]/ },
    { name: 'enter-to-confirm', pattern: /Enter to confirm\s*·\s*Esc to (exit|cancel)/i },
    { name: 'press-enter', pattern: /Press Enter to (continue|retry)/i },
  ],
  busy: [
    { name: 'esc-to-interrupt', pattern: /esc to interrupt/i },
    { name: 'spinner', pattern: /^[\s]*[✻✽✶✳✢·*⏺]\s+\S+…\s*\(/m },
  ],
  idle: [
    { name: 'shortcuts-hint', pattern: /\? for shortcuts/ },
    { name: 'input-box', pattern: /^[\s│|]*>\s*(?:Try "[^"]*")?\s*[│|]?\s*$/m },
    { name: 'mode-hint', pattern: /(auto-accept edits|plan mode) on/i },
  ],
};
