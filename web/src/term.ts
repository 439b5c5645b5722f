import '@xterm/xterm/css/xterm.css';
import { Terminal, type ITerminalInitOnlyOptions, type ITerminalOptions } from '@xterm/xterm';

export const TERM_THEME: ITerminalOptions['theme'] = {
  background: '#0f1117',
  foreground: '#d8dee9',
  cursor: '#a5b4fc',
  cursorAccent: '#0f1117',
  selectionBackground: '#3b4252',
  black: '#1b1e28',
  red: '#f87171',
  green: '#4ade80',
  yellow: '#facc15',
  blue: '#60a5fa',
  magenta: '#c084fc',
  cyan: '#22d3ee',
  white: '#e5e7eb',
  brightBlack: '#6b7280',
  brightRed: '#fca5a5',
  brightGreen: '#86efac',
  brightYellow: '#fde047',
  brightBlue: '#93c5fd',
  brightMagenta: '#d8b4fe',
  brightCyan: '#67e8f9',
  brightWhite: '#ffffff',
};

export function makeTerminal(opts: ITerminalOptions & ITerminalInitOnlyOptions = {}): Terminal {
  return new Terminal({
    fontFamily: 'ui-monospace, "SFMono-Regular", "JetBrains Mono", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace',
    fontSize: 13,
    lineHeight: 1.15,
    scrollback: 10_000,
    theme: TERM_THEME,
    allowProposedApi: false,
    ...opts,
  });
}

/** Plain text of the terminal's buffer (scrollback included); used by the copy button and by tests. */
export function bufferText(term: Terminal): string {
  const buf = term.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? '');
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n');
}

/*
 * Agents run in tmux, and what the dashboard shows is tmux's client drawing. Two of its habits are
 * undone here, for the live view and the replay alike:
 *  - it draws on the alternate screen, which has no scrollback: the switch is dropped, so lines that
 *    scroll off the top stay in the xterm's scrollback;
 *  - when the agent ends, its client clears the screen and leaves the alternate screen, so the last
 *    thing the agent printed would vanish: that teardown run of escape sequences is dropped, and the
 *    final screen stays (followed by tmux's "[exited]").
 */
const TEARDOWN = /(?:\x1b(?:\[[0-9;?]*[A-Za-z]|[()][A-Z0-9]|[=>]))*\x1b\[\?1049l(?:\x1b\[[0-9;]*t)?/g;
const ALT_SCREEN = /\x1b\[\?(?:1049|1047|47)[hl]/g;

export function filterTmux(data: string): string {
  if (!data.includes('\x1b[?')) return data;
  return data.replace(TEARDOWN, '').replace(ALT_SCREEN, '');
}

const ESC_SEQ = String.raw`\x1b(?:\[[0-9;?]*[A-Za-z]|[()][A-Z0-9]|[=>])`;
/** A run of escape sequences at the very end, possibly ending in one cut in two. */
const TRAILING_RUN = new RegExp(String.raw`(?:${ESC_SEQ})*(?:\x1b(?:\[[0-9;?]*|[()])?)?$`);

/**
 * filterTmux for a stream cut into chunks (WebSocket frames, recording events): tmux's teardown can
 * arrive split over two chunks, so a trailing run of escape sequences that clears the screen (or is
 * cut mid-sequence) is held back and joined to the next chunk. `flush` releases what is held.
 */
export class TmuxFilter {
  private pending = '';

  push(data: string): string {
    const text = this.pending + data;
    this.pending = '';
    const m = TRAILING_RUN.exec(text);
    if (m && m[0] && (m[0].includes('\x1b[2J') || !new RegExp(String.raw`^(?:${ESC_SEQ})*$`).test(m[0]))) {
      this.pending = m[0];
      return filterTmux(text.slice(0, m.index));
    }
    return filterTmux(text);
  }

  get holding(): boolean {
    return this.pending !== '';
  }

  flush(): string {
    const text = this.pending;
    this.pending = '';
    return filterTmux(text);
  }
}
