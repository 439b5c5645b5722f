import type { Command } from 'commander';

/** `maestro notify` (issue 12). */
export function registerNotifyCommands(program: Command): void {
  void program;
}
