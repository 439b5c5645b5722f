import type { AgentDetector } from './types.js';

/**
 * Any terminal program: the usual yes/no and "press enter" prompts, password prompts, and a shell-
 * like prompt character for idle. Line-oriented programs leave an answered prompt on screen, so the
 * text prompts only count at the very end of the screen, where the cursor waits; a numbered menu
 * counts anywhere in the last lines (full-screen programs erase theirs once answered). Used when no
 * specific detector handles the agent's program.
 */
export const genericDetector: AgentDetector = {
  name: 'generic',
  handles: () => true,
  tailLines: 6,
  needsInput: [
    { name: 'yes-no', pattern: /(\((y\/n|Y\/n|y\/N|yes\/no)\)|\[(y\/n|Y\/n|y\/N|yes\/no)\])[:?]?\s*$/ },
    { name: 'press-key', pattern: /press (enter|return|any key)\b[^\n]*$/i },
    { name: 'password', pattern: /(password|passphrase)( for [^:\n]+)?:\s*$/i },
    { name: 'do-you-want', pattern: /Do you want to [^\n]*\?\s*$/i },
    { name: 'numbered-yes', pattern: /^[\s│|]*[❯>]\s*1\.\s*Yes\b/m },
  ],
  busy: [{ name: 'interrupt-hint', pattern: /(esc|ctrl-c|ctrl\+c) to (interrupt|cancel)/i }],
  idle: [{ name: 'shell-prompt', pattern: /[$#%❯>]\s*$/ }],
};
