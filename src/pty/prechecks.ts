import { existsSync, statSync } from 'node:fs';
import { MaestroError } from '../core/errors.js';
import type { ResolvedCommand } from './launch-files.js';
import { commandExists } from './shell.js';
import { Tmux } from './tmux.js';

/**
 * What is checked before anything is written for a launch, so a spawn that cannot work fails at once
 * with a typed error and a sentence a person can act on: the supervisor is up, tmux is installed
 * (`unavailable`), the project's directory exists and the agent's program is on its PATH
 * (`spawn_failed`). The core marks the session failed with that error.
 */

/** Whether the supervisor can start anything at all (it is running, tmux is installed). */
export function assertCanLaunch(opts: { closing: boolean; tmux: Tmux }): void {
  if (opts.closing) throw new MaestroError('unavailable', 'the supervisor is shutting down');
  if (!Tmux.available(opts.tmux.bin))
    throw new MaestroError('unavailable', `tmux is not installed (looked for '${opts.tmux.bin}'); install it, e.g. apt-get install -y tmux`);
}

/** The project's working directory exists and is a directory. */
export function assertWorkingDir(cwd: string): void {
  if (!existsSync(cwd) || !statSync(cwd).isDirectory())
    throw new MaestroError('spawn_failed', `the project's working directory ${cwd} does not exist`, 'projectId');
}

/** The program the agent command starts is found (`command -v`, with the agent's PATH, from `cwd`). */
export function assertProgramExists(command: ResolvedCommand, opts: { path: string | undefined; cwd: string }): void {
  if (command.program === null || commandExists(command.program, { path: opts.path, cwd: opts.cwd })) return;
  throw new MaestroError(
    'spawn_failed',
    `agent command not found: '${command.program}' (command "${command.commandLine}", from ${describeSource(command.source)}); install it or choose another agent command (spawn agentCommand, a template, or MAESTRO_AGENT_CMD)`,
    'agentCommand',
  );
}

const describeSource = (source: ResolvedCommand['source']) =>
  ({
    session: 'the spawn request or its template',
    agent: 'the chosen agent kind',
    supervisor: "the server's default",
    env: 'MAESTRO_AGENT_CMD',
    default: 'the default',
  })[source];
