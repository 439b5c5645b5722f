import { MaestroService } from './core/service.js';
import { maestroHome } from './core/paths.js';
import { startServer, type HttpExtension, type RunningServer } from './http/server.js';
import { createLogger, type Logger } from './log/logger.js';
import { acquireHomeLock } from './security/home-lock.js';
import { ensurePrivateDir } from './security/permissions.js';
import { mcpHttpExtension } from './mcp/http.js';
import { ptyHttpExtension } from './pty/http.js';
import type { DetectionTiming } from './pty/state.js';
import { Supervisor } from './pty/supervisor.js';
import { Notifications, type NotifyOptions } from './notify/index.js';

export interface MaestroOptions {
  home?: string;
  host?: string;
  port?: number;
  logger?: Logger;
  /** Start agents for spawned sessions (tmux + node-pty). Tests of the API alone can turn it off. */
  supervisor?: boolean;
  /** Default agent command for this server (else MAESTRO_AGENT_CMD, else `claude`). */
  agentCommand?: string;
  /** State detection tuning (tests shorten it). */
  supervisorTiming?: Partial<DetectionTiming>;
  /** Webhook sender settings (tests shorten the retry backoff); see src/notify/. */
  notify?: NotifyOptions;
}

export interface RunningMaestro {
  svc: MaestroService;
  server: RunningServer;
  supervisor: Supervisor | null;
  url: string;
  home: string;
  close(): Promise<void>;
}

/**
 * A write waits this long for another process's lock before answering 503: better-sqlite3 waits
 * synchronously, so a longer wait would stall every other request (and /health) with it.
 */
const SERVER_BUSY_TIMEOUT_MS = 50;

/**
 * The composition root: core service + HTTP/WS + MCP endpoint + PTY supervisor, wired together. It first
 * takes the home's lock: a second server on the same home is refused (a `conflict` naming the first).
 */
export async function startMaestro(opts: MaestroOptions = {}): Promise<RunningMaestro> {
  const home = opts.home ?? maestroHome();
  const logger = opts.logger ?? createLogger('maestro');
  ensurePrivateDir(home);
  const lock = acquireHomeLock(home);
  let svc: MaestroService;
  try {
    svc = MaestroService.open({ home, apiUrl: `http://${opts.host ?? '127.0.0.1'}:${opts.port ?? 3000}`, busyTimeoutMs: SERVER_BUSY_TIMEOUT_MS });
    // Many clients at once: the writes of a turn of the event loop share one commit (group-commit.ts).
    svc.store.groupCommits();
  } catch (err) {
    lock.release();
    throw err;
  }
  const extensions: HttpExtension[] = [mcpHttpExtension];
  const supervisor =
    opts.supervisor === false
      ? null
      : new Supervisor({
          svc,
          logger: logger.child({ component: 'pty' }),
          agentCommand: opts.agentCommand,
          timing: opts.supervisorTiming,
        });
  if (supervisor) {
    svc.launcher = supervisor;
    extensions.push(ptyHttpExtension(supervisor));
  }
  let server: RunningServer | undefined;
  let notifications: Notifications | undefined;
  try {
    server = await startServer({ svc, host: opts.host, port: opts.port, logger, extensions });
    notifications = new Notifications(svc, { ...opts.notify, logger: logger.child({ component: 'notify' }) });
    lock.setUrl(server.url);
    // Reattach only now: the agents' environment and manifests need the final server URL.
    await supervisor?.start();
    // Merges a stopped server left waiting (or mid-way: a merge moves its target at once or not at all).
    svc.mergeQueueRunner.resume();
    // Dispatchers a stopped server left running pick up where they were (their workers were reattached above).
    svc.dispatcher.resume();
    // Projects a stopped server left half deleted (gone for every caller already) lose their last rows.
    void svc
      .resumeProjectRemovals((projectId, leftOver) => logger.warn({ projectId, leftOver }, 'deleted project: session folders left; remove them by hand'))
      .catch((err: unknown) => {
        if ((err as { code?: string }).code !== 'unavailable') logger.error({ err }, 'finishing a project deletion failed');
      });
  } catch (err) {
    notifications?.close();
    await supervisor?.close();
    await server?.close();
    svc.close();
    lock.release();
    throw err;
  }
  const listening = server;
  return {
    svc,
    server: listening,
    supervisor,
    url: listening.url,
    home,
    close: async () => {
      await svc.dispatcher.close(); // no worker starts while the server goes; one being started is recorded first
      // Detach from the agents without ending them, so the next start can reattach.
      await supervisor?.close();
      await listening.close();
      notifications?.close();
      svc.close();
      lock.release();
    },
  };
}
