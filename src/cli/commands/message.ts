import type { Command } from 'commander';

/** `maestro message` (issue 12). */
export function registerMessageCommands(program: Command): void {
  void program;
}
