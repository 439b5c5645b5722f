import { existsSync } from 'node:fs';
import { hasVisibleText } from './ansi.js';
import { AGENTS } from './agents.js';
import { CastWriter } from './asciicast.js';
import { Attachment } from './attachment.js';
import { outputTail, settleExit } from './exit.js';
import type { LaunchFiles } from './launch-files.js';
import { readExitCode } from './launch-files.js';
import { agentKindOf, type LaunchRecord } from './launch-record.js';
import type { LiveSession, SupervisorContext } from './live-session.js';
import { observe } from './observe.js';
import { treeIsBusy } from './process-tree.js';
import { StateTracker } from './state.js';

/**
 * The life of the supervisor's hold on one agent terminal, from attach to the agent's end: opens the
 * recording, the state tracker and the `tmux attach` client (attachment.ts); fans output out to the
 * recording, the tracker and viewers; attaches again when the client dies while the agent lives on;
 * and when the terminal ends, settles the session (exit.ts) and tells the exit listeners. Launch and
 * reattach both open sessions here; the supervisor's close() detaches them here.
 */

/** Attaches to the tmux session `sessionId` and registers it in `ctx.live`. */
export function openLiveSession(
  ctx: SupervisorContext,
  sessionId: string,
  record: LaunchRecord,
  files: LaunchFiles,
  reattach: boolean,
): LiveSession {
  const recorder = CastWriter.open(ctx.svc.paths.recording(sessionId), {
    width: ctx.cols,
    height: ctx.rows,
    title: `maestro ${sessionId}: ${record.commandLine}`,
    env: { TERM: 'xterm-256color', SHELL: '/bin/sh' },
  });
  if (reattach) {
    recorder.marker('reattached');
    recorder.resize(ctx.cols, ctx.rows);
  }
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  const live: LiveSession = {
    id: sessionId,
    attachment: undefined as unknown as Attachment,
    recorder,
    tracker: undefined as unknown as StateTracker,
    files,
    outputListeners: new Set(),
    exitListeners: new Set(),
    lastSetByDetector: null,
    lastHookAt: 0,
    lastInputAt: 0,
    stopping: false,
    reattachAttempts: 0,
    done,
  };
  live.tracker = new StateTracker({
    detector: AGENTS[agentKindOf(record)].detector,
    timing: ctx.timing,
    capture: () => ctx.tmux.capturePane(sessionId).catch(() => null),
    treeBusy: async () => {
      const info = await ctx.tmux.paneInfo(sessionId);
      return info ? treeIsBusy(info.pid) : null;
    },
    onChange: (obs) => observe(ctx, live, obs),
  });
  connect(ctx, live, record.cwd, finish);
  ctx.live.set(sessionId, live);
  live.tracker.start();
  return live;
}

/** Lets go of a live session without ending its agent (the caller has taken it out of `ctx.live`). */
export async function detachLiveSession(live: LiveSession): Promise<void> {
  live.tracker.stop();
  await live.attachment.detach();
  await live.recorder.close();
}

/** Starts (or restarts) the node-pty client of a live session. */
function connect(ctx: SupervisorContext, live: LiveSession, cwd: string, finish: () => void): void {
  const size = live.attachment ? { cols: live.attachment.cols, rows: live.attachment.rows } : { cols: ctx.cols, rows: ctx.rows };
  live.attachment = new Attachment({
    tmux: ctx.tmux,
    sessionName: live.id,
    cols: size.cols,
    rows: size.rows,
    cwd: existsSync(cwd) ? cwd : ctx.svc.paths.home,
    onData: (data) => {
      live.recorder.output(data);
      if (hasVisibleText(data)) live.tracker.noteOutput();
      for (const listener of live.outputListeners) {
        try {
          listener(data);
        } catch (err) {
          ctx.log.warn({ err, sessionId: live.id }, 'terminal output listener failed');
        }
      }
    },
  });
  void live.attachment.closed.then(({ deliberate }) => onClientClosed(ctx, live, cwd, deliberate, finish));
}

async function onClientClosed(ctx: SupervisorContext, live: LiveSession, cwd: string, deliberate: boolean, finish: () => void): Promise<void> {
  if (deliberate || ctx.live.get(live.id) !== live) {
    finish();
    return;
  }
  if (!live.stopping && (await ctx.tmux.hasSession(live.id)) && live.reattachAttempts < 3) {
    // Our client died but the agent lives on (e.g. someone ran `tmux detach -a`): attach again.
    live.reattachAttempts++;
    ctx.log.warn({ sessionId: live.id }, 'terminal client ended while the agent runs; reattaching');
    connect(ctx, live, cwd, finish);
    return;
  }
  live.tracker.stop();
  ctx.onAgentGone(live.id);
  const exitCode = readExitCode(live.files.exitCodePath);
  // The recording first, whole on disk: an agent that exits within a second of its start (no network) left
  // its reason only there, and its last output could still be on its way to the file.
  await live.recorder.close();
  try {
    const why = exitCode
      ? live.tracker.explainExit(() => outputTail(ctx.svc.paths.recording(live.id)))
      : { reason: null, text: null };
    settleExit(ctx, live.id, exitCode, live.stopping, why);
  } catch (err) {
    ctx.log.error({ err, sessionId: live.id }, 'could not record the agent exit');
  }
  ctx.live.delete(live.id);
  for (const listener of live.exitListeners) {
    try {
      listener(exitCode);
    } catch {
      /* a broken listener must not stop the others */
    }
  }
  finish();
}
