import { FINISHED_STATUSES } from '../core/sessions.js';
import { openLiveSession } from './client.js';
import { settleGoneAtStart } from './exit.js';
import { launchFilePaths, startChannel } from './launch-files.js';
import { guessLaunchRecord, readLaunchRecord } from './launch-record.js';
import { ATTACH_TIMEOUT_MS, delay, type SupervisorContext } from './live-session.js';
import { lastDetectedStatus } from './observe.js';

/**
 * Finding the agents again after a server restart: agents outlive the supervisor in tmux, so at
 * start() every tmux session that belongs to a known Maestro session is attached again (on the same
 * recording, with a `reattached` marker), and every unfinished session whose tmux session is gone is
 * settled by the exit code its wrapper left. What their hooks spooled meanwhile is taken first.
 */
export async function reattachAll(
  ctx: SupervisorContext,
  takeSpooledHooks: (sessionId: string) => Promise<void>,
): Promise<{ reattached: string[]; settled: string[] }> {
  const { svc, tmux } = ctx;
  const running = new Set(await tmux.listSessions());
  const reattached: string[] = [];
  const settled: string[] = [];
  for (const session of svc.sessions.list()) {
    if (ctx.live.has(session.id)) continue;
    const files = launchFilePaths(svc.paths.session(session.id), svc.paths.mcpConfig(session.id));
    if (running.has(session.id)) {
      const record = readLaunchRecord(files) ?? guessLaunchRecord(svc, session, ctx.agentCommand);
      const live = openLiveSession(ctx, session.id, record, files, true);
      live.lastSetByDetector = lastDetectedStatus(svc, session.id);
      // Rescues an agent whose launch was cut short before its start signal; a no-op otherwise.
      await Promise.race([live.attachment.attached, delay(ATTACH_TIMEOUT_MS)]);
      await tmux.signal(startChannel(session.id)).catch(() => {});
      svc.sessions.appendTimeline(session.id, 'agent_state', 'supervisor reattached to the agent terminal', null, {
        state: 'reattached',
      });
      await takeSpooledHooks(session.id);
      reattached.push(session.id);
    } else if (!FINISHED_STATUSES.includes(session.status)) {
      await takeSpooledHooks(session.id); // what its hooks said while nobody listened, before its end
      settleGoneAtStart(ctx, session, files);
      settled.push(session.id);
    }
  }
  return { reattached, settled };
}
