import { basename } from 'node:path';
import { programOf } from '../shell.js';
import { claudeDetector } from './claude.js';
import { genericDetector } from './generic.js';
import type { AgentDetector } from './types.js';

export * from './types.js';
export { claudeDetector, genericDetector };

/** Specific detectors first; the generic one catches everything else. Add new agents here. */
export const DETECTORS: readonly AgentDetector[] = [claudeDetector, genericDetector];

/** The detector for an agent command line, chosen by the basename of the program it runs. */
export function detectorFor(commandLine: string): AgentDetector {
  const program = basename(programOf(commandLine) ?? '');
  return DETECTORS.find((d) => d.handles(program)) ?? genericDetector;
}
