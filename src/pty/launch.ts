import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { MaestroError } from '../core/errors.js';
import type { Manifest, Session } from '../core/types.js';
import { AGENTS } from './agents.js';
import { extendClaudeTrust } from './claude-trust.js';
import { detachLiveSession, openLiveSession } from './client.js';
import {
  buildBrief,
  buildPrompt,
  hookSettings,
  launchContext,
  launchFilePaths,
  mcpConfig,
  removeFile,
  resolveAgentCommand,
  startChannel,
  wrapperScript,
  writePrivateFile,
  type LaunchFiles,
  type ResolvedCommand,
} from './launch-files.js';
import { writeLaunchRecord } from './launch-record.js';
import { ATTACH_TIMEOUT_MS, delay, type SupervisorContext } from './live-session.js';
import { assertCanLaunch, assertProgramExists, assertWorkingDir } from './prechecks.js';
import { shellQuote } from './shell.js';
import { TmuxError } from './tmux.js';

/**
 * One launch, start to end: the prechecks, the files in `sessions/<id>/` (launch-files.ts says what
 * they hold), a detached tmux session running the wrapper, our client attached and recording, then
 * the start signal the wrapper waits for. A launch that fails part-way leaves nothing running and
 * throws a `MaestroError` (`spawn_failed`, `unavailable`) for the core to mark the session failed with.
 */

export async function launchAgent(
  ctx: SupervisorContext,
  session: Session,
  launch: { manifestPath: string; env: Record<string, string>; closing: boolean },
): Promise<void> {
  const { svc, tmux } = ctx;
  assertCanLaunch({ closing: launch.closing, tmux });
  // A session with a worktree of its own runs there; others in the project's directory.
  const cwd = session.worktreePath ?? svc.projects.get(session.projectId).workingDir;
  assertWorkingDir(cwd);
  const command = resolveAgentCommand({
    sessionCommand: session.agentCommand,
    agent: session.agentKind,
    supervisorCommand: ctx.agentCommand,
    env: launch.env,
  });
  assertProgramExists(command, { path: launch.env.PATH, cwd });

  const files = launchFilePaths(svc.paths.session(session.id), svc.paths.mcpConfig(session.id));
  writeFiles(ctx, session, launch, files, command, cwd);
  // A worktree is a new directory to Claude: it gets the project's trust, if the person gave it (claude-trust.ts).
  if (command.kind === 'claude' && session.worktreePath)
    await extendClaudeTrust({
      projectDir: svc.projects.get(session.projectId).workingDir,
      worktreePath: session.worktreePath,
      env: { ...process.env, ...launch.env },
      log: ctx.log.child({ sessionId: session.id }),
    });
  const record = writeLaunchRecord(files, command, cwd);
  removeFile(files.exitCodePath);

  await tmux
    .newSession({ name: session.id, cwd, cols: ctx.cols, rows: ctx.rows, command: `exec /bin/sh ${shellQuote(files.scriptPath)}` })
    .catch((err: unknown) => {
      throw spawnFailed(err);
    });
  try {
    const live = openLiveSession(ctx, session.id, record, files, false);
    await Promise.race([live.attachment.attached, delay(ATTACH_TIMEOUT_MS)]);
    svc.sessions.appendTimeline(session.id, 'agent_state', `agent started: ${command.commandLine}`, null, {
      state: 'started',
      command: command.commandLine,
      commandSource: command.source,
      tmuxSession: session.id,
      cwd,
    });
    if (svc.sessions.get(session.id).status === 'spawning')
      svc.sessions.setStatus(session.id, 'running', { message: `agent started in tmux session ${session.id}` });
    // The wrapper waits for this signal: the agent starts only once our client is attached and recording.
    await tmux.signal(startChannel(session.id));
  } catch (err) {
    // Leave nothing half-started; the core marks the session failed with this error.
    const live = ctx.live.get(session.id);
    ctx.live.delete(session.id);
    if (live) await detachLiveSession(live);
    await tmux.killSession(session.id).catch(() => {});
    throw spawnFailed(err);
  }
  ctx.log.info({ sessionId: session.id, command: command.commandLine }, 'agent launched');
}

/** mcp.json, prompt.txt, brief.txt, Claude settings, the agent kind's own files, and agent.sh. */
function writeFiles(
  ctx: SupervisorContext,
  session: Session,
  launch: { manifestPath: string; env: Record<string, string> },
  files: LaunchFiles,
  command: ResolvedCommand,
  cwd: string,
): void {
  const manifest = readManifest(launch.manifestPath) ?? ctx.svc.manifest(session.id);
  writePrivateFile(files.mcpConfigPath, `${JSON.stringify(mcpConfig(launch.env), null, 2)}\n`);
  writePrivateFile(files.promptPath, `${buildPrompt(manifest, launch.manifestPath)}\n`);
  writePrivateFile(files.briefPath, `${buildBrief(manifest)}\n`);
  writePrivateFile(files.settingsPath, `${JSON.stringify(hookSettings(), null, 2)}\n`);
  const agentSessionId = randomUUID();
  ctx.svc.sessions.setAgentFacts(session.id, { agentSessionId });
  // What this agent CLI reads at start besides its arguments (Gemini's MCP settings).
  for (const [path, content] of Object.entries(AGENTS[command.kind].files(launchContext(files, agentSessionId))))
    writePrivateFile(path, `${JSON.stringify(content, null, 2)}\n`);
  writePrivateFile(
    files.scriptPath,
    wrapperScript({
      sessionId: session.id,
      cwd,
      env: launch.env,
      command,
      files,
      tmuxArgs: [ctx.tmux.bin, ...ctx.tmux.baseArgs()],
      agentSessionId,
    }),
    0o700,
  );
}

/**
 * A failure while starting the terminal, typed: Maestro's own errors as they are, tmux missing as
 * `unavailable`, anything else (tmux refused, the client could not start) `spawn_failed` with the
 * underlying error as its cause and its message kept.
 */
function spawnFailed(err: unknown): MaestroError {
  if (err instanceof TmuxError) return new MaestroError(err.notInstalled ? 'unavailable' : 'spawn_failed', err.message, undefined, { cause: err });
  if (err instanceof MaestroError) return err;
  return new MaestroError('spawn_failed', err instanceof Error ? err.message : String(err), undefined, { cause: err });
}

function readManifest(path: string): Manifest | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch {
    return null;
  }
}
