/**
 * Terminal output minus escape sequences and control characters: what a person would see change.
 * Used to tell real activity from housekeeping the terminal layer emits on its own (tmux probing
 * the client's features, cursor show/hide), which must not make a quiet agent look busy.
 */
const ESCAPES = new RegExp(
  [
    '\\u001b\\][^\\u0007\\u001b]*(?:\\u0007|\\u001b\\\\)', // OSC … BEL/ST (titles, hyperlinks)
    '\\u001b[P^_X][^\\u001b]*\\u001b\\\\', // DCS, PM, APC, SOS … ST
    '\\u001b\\[[0-?]*[ -/]*[@-~]', // CSI
    '\\u001b[ -/]*[0-~]', // other ESC sequences (charset selection, keypad mode, …)
  ].join('|'),
  'g',
);

export function visibleText(data: string): string {
  return data.replace(ESCAPES, '').replace(/[\u0000-\u001f\u007f]/g, '');
}

export const hasVisibleText = (data: string): boolean => visibleText(data).trim() !== '';
