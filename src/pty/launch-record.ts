import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_KINDS, type AgentKind } from '../core/constants.js';
import type { MaestroService } from '../core/service.js';
import type { Session } from '../core/types.js';
import { resolveAgentCommand, writePrivateFile, type LaunchFiles, type ResolvedCommand } from './launch-files.js';

/**
 * `sessions/<id>/launch.json`: the facts about a launch kept beside the recording, so a restarted
 * supervisor knows what it reattaches to (which agent kind reads the screen, where the client runs),
 * and the best guess for a session launched before such records were written.
 */

export interface LaunchRecord {
  commandLine: string;
  kind: ResolvedCommand['kind'];
  source: ResolvedCommand['source'];
  cwd: string;
  startedAt: string;
}

const launchRecordPath = (files: LaunchFiles) => join(files.dir, 'launch.json');

export function writeLaunchRecord(files: LaunchFiles, command: ResolvedCommand, cwd: string): LaunchRecord {
  const record: LaunchRecord = {
    commandLine: command.commandLine,
    kind: command.kind,
    source: command.source,
    cwd,
    startedAt: new Date().toISOString(),
  };
  writePrivateFile(launchRecordPath(files), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}

export function readLaunchRecord(files: LaunchFiles): LaunchRecord | null {
  try {
    return JSON.parse(readFileSync(launchRecordPath(files), 'utf8')) as LaunchRecord;
  } catch {
    return null;
  }
}

/** What a session without a launch record was most likely started with: its command resolved again. */
export function guessLaunchRecord(svc: MaestroService, session: Session, supervisorCommand: string | undefined): LaunchRecord {
  const command = resolveAgentCommand({
    sessionCommand: session.agentCommand,
    agent: session.agentKind,
    supervisorCommand,
    env: session.env,
  });
  let cwd = svc.paths.home;
  try {
    cwd = session.worktreePath ?? svc.projects.get(session.projectId).workingDir;
  } catch {
    /* project gone */
  }
  return { commandLine: command.commandLine, kind: command.kind, source: command.source, cwd, startedAt: session.createdAt };
}

/** The agent kind a launch record names (records written before kinds were data said `custom`). */
export const agentKindOf = (record: LaunchRecord): AgentKind =>
  (AGENT_KINDS as readonly string[]).includes(record.kind) ? record.kind : 'generic';

