/**
 * What an agent's screen says about it. Detectors only read text: the supervisor combines their
 * verdict with output timing and the process tree (see ../state.ts).
 *  - `needs_input`: a permission / confirmation / question prompt waits for a person
 *  - `busy`: the agent shows it is working (a spinner line, "esc to interrupt")
 *  - `idle`: the agent sits at its own input prompt, waiting for instructions
 *  - `null`: nothing recognisable; timing decides
 */
export type ScreenVerdict = 'needs_input' | 'busy' | 'idle' | null;

/**
 * Why the agent is in that state, when the screen says so (besides the verdict):
 *  - `login_required`: the agent is not logged in, or a login dialog waits (method menu, OAuth code)
 *  - `trust_prompt`: the agent asks whether to trust the project folder before it starts
 *  - `offline`: the agent cannot reach its API (retrying, or it gave up)
 */
export type ScreenReason = 'login_required' | 'trust_prompt' | 'offline';

/**
 * One row of a detector's table: when `pattern` matches the bottom of the screen, the screen means
 * `verdict` (null: the row decides nothing about the state, it only explains it) and, if given,
 * `reason`.
 */
export interface ScreenPattern {
  /** Short name, recorded on the timeline so a wrong detection can be traced to its pattern. */
  name: string;
  pattern: RegExp;
  verdict: ScreenVerdict;
  reason?: ScreenReason;
  /**
   * For a row with a reason: the short cause to look for from the matched line on (first capture
   * group, e.g. "ENOTFOUND"), added to the reason's detail when the matched line lacks it.
   */
  cause?: RegExp;
}

export interface AgentDetector {
  name: string;
  /** Whether this detector is meant for an agent started with this program (basename of the first word). */
  handles(program: string): boolean;
  /**
   * The patterns, as data. needs_input beats busy beats idle; within a verdict the first matching
   * row decides, so specific rows (the ones with a reason) go before general ones.
   */
  patterns: readonly ScreenPattern[];
  /** How many non-empty lines from the bottom of the screen the patterns look at. */
  tailLines: number;
}

export interface Classification {
  verdict: ScreenVerdict;
  /** The pattern that decided the verdict, if any. */
  pattern: string | null;
  /** Why, when the screen says so (see screenReason for the pattern and the telling line). */
  reason: ScreenReason | null;
}

/** What the screen says about why the agent is where it is (see screenReason). */
export interface ReasonMatch {
  reason: ScreenReason;
  /** The row that gave the reason (may differ from the one that decided the verdict). */
  pattern: string;
  /** The most telling line(s) of the screen, cleaned of box drawing, at most 200 characters. */
  detail: string;
}
