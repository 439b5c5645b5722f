import type { Command } from 'commander';

/** `maestro lease` (issue 12). */
export function registerLeaseCommands(program: Command): void {
  void program;
}
