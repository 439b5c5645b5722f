import type { Command } from 'commander';

/** `maestro run` (issue 12). */
export function registerRunCommand(program: Command): void {
  void program;
}
