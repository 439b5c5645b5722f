import type { AgentDetector } from './types.js';

/**
 * Any terminal program: the usual yes/no and "press enter" prompts, password prompts, and a shell-
 * like prompt character for idle. Line-oriented programs leave an answered prompt on screen, so the
 * text prompts only count at the very end of the screen, where the cursor waits; a numbered menu
 * counts anywhere in the last lines (full-screen programs erase theirs once answered), and so does
 * a full-screen dialog's key-hint footer on the last line ("Enter to confirm · Esc to cancel", or
 * a bare "Esc to cancel" under a question). Used when no specific detector handles the agent's
 * program (an agent started through a wrapper such as npx lands here too). No reasons: those need
 * to know the program.
 */
export const genericDetector: AgentDetector = {
  name: 'generic',
  handles: () => true,
  tailLines: 6,
  patterns: [
    { name: 'yes-no', verdict: 'needs_input', pattern: /(\((y\/n|Y\/n|y\/N|yes\/no)\)|\[(y\/n|Y\/n|y\/N|yes\/no)\])[:?]?\s*$/ },
    { name: 'press-key', verdict: 'needs_input', pattern: /press (enter|return|any key)\b[^\n]*$/i },
    { name: 'password', verdict: 'needs_input', pattern: /(password|passphrase)( for [^:\n]+)?:\s*$/i },
    { name: 'do-you-want', verdict: 'needs_input', pattern: /Do you want to [^\n]*\?\s*$/i },
    { name: 'numbered-yes', verdict: 'needs_input', pattern: /^[\s│|]*[❯>]\s*1\.\s*Yes\b/m },
    { name: 'numbered-menu', verdict: 'needs_input', pattern: /^[\s│|]*❯\s*\d+\.\s+\S/m },
    { name: 'enter-to-confirm', verdict: 'needs_input', pattern: /\benter to (confirm|select|view)\b[^\n]*$/i },
    { name: 'esc-to-cancel', verdict: 'needs_input', pattern: /(^|\n)[\s│|]*esc to (cancel|exit|close|go back)[\s│|]*$/i },
    { name: 'interrupt-hint', verdict: 'busy', pattern: /(esc|ctrl-c|ctrl\+c) to (interrupt|cancel)/i },
    { name: 'shell-prompt', verdict: 'idle', pattern: /[$#%❯>]\s*$/ },
  ],
};
