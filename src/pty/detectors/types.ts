/**
 * What an agent's screen says about it. Detectors only read text: the supervisor combines their
 * verdict with output timing and the process tree (see ../state.ts).
 *  - `needs_input`: a permission / confirmation / question prompt waits for a person
 *  - `busy`: the agent shows it is working (a spinner line, "esc to interrupt")
 *  - `idle`: the agent sits at its own input prompt, waiting for instructions
 *  - `null`: nothing recognisable; timing decides
 */
export type ScreenVerdict = 'needs_input' | 'busy' | 'idle' | null;

export interface ScreenPattern {
  /** Short name, recorded on the timeline so a wrong detection can be traced to its pattern. */
  name: string;
  pattern: RegExp;
}

export interface AgentDetector {
  name: string;
  /** Whether this detector is meant for an agent started with this program (basename of the first word). */
  handles(program: string): boolean;
  needsInput: ScreenPattern[];
  busy: ScreenPattern[];
  idle: ScreenPattern[];
  /** How many non-empty lines from the bottom of the screen the patterns look at. */
  tailLines: number;
}

export interface Classification {
  verdict: ScreenVerdict;
  /** The pattern that decided, if any. */
  pattern: string | null;
}

/** The bottom of the screen, where prompts live; trailing blank rows (tmux pads the pane) dropped. */
export function screenTail(screen: string, lines: number): string {
  const rows = screen.replace(/\r/g, '').split('\n').map((l) => l.replace(/\s+$/, ''));
  while (rows.length > 0 && rows[rows.length - 1] === '') rows.pop();
  return rows.filter((r) => r !== '').slice(-lines).join('\n');
}

/** needs_input beats busy beats idle: a prompt on screen matters most, even next to a spinner. */
export function classifyScreen(detector: AgentDetector, screen: string): Classification {
  const tail = screenTail(screen, detector.tailLines);
  for (const verdict of ['needs_input', 'busy', 'idle'] as const) {
    const set = verdict === 'needs_input' ? detector.needsInput : verdict === 'busy' ? detector.busy : detector.idle;
    const hit = set.find((p) => p.pattern.test(tail));
    if (hit) return { verdict, pattern: hit.name };
  }
  return { verdict: null, pattern: null };
}
