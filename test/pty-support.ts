import { startServer, type RunningServer } from '../src/http/server.js';
import { ptyHttpExtension } from '../src/pty/http.js';
/** Shared by the test/pty-*.test.ts files: a core service on a private MAESTRO_HOME with a supervisor. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { MaestroService } from '../src/core/service.js';
import type { Project } from '../src/core/types.js';
import { Supervisor, type SupervisorOptions } from '../src/pty/supervisor.js';
import { Tmux } from '../src/pty/tmux.js';

/** Fast detection for tests: the real defaults wait seconds before calling an agent idle. */
export const FAST_TIMING = { settleMs: 150, idleMs: 1500, pollMs: 300, tickMs: 50 };

export const silentLogger = () => pino({ level: process.env.MAESTRO_TEST_LOG ?? 'silent' }, pino.destination(2));

export interface PtyWorld {
  home: string;
  workdir: string;
  svc: MaestroService;
  supervisor: Supervisor;
  project: Project;
  /** Replaces the supervisor (as after a restart): closes the old one, starts a new one. */
  restartSupervisor(opts?: Partial<SupervisorOptions>): Promise<Supervisor>;
  dispose(): Promise<void>;
}

export async function ptyWorld(opts: Partial<SupervisorOptions> = {}): Promise<PtyWorld> {
  const home = mkdtempSync(join(tmpdir(), 'maestro-pty-'));
  const workdir = join(home, 'work');
  mkdirSync(workdir, { recursive: true });
  const svc = MaestroService.open({ home, apiUrl: 'http://127.0.0.1:9' });
  const make = (o: Partial<SupervisorOptions>) => new Supervisor({ svc, logger: silentLogger(), timing: FAST_TIMING, ...o });
  const world: PtyWorld = {
    home,
    workdir,
    svc,
    supervisor: make(opts),
    project: svc.projects.create({ name: 'pty', workingDir: workdir }),
    restartSupervisor: async (o = {}) => {
      await world.supervisor.close();
      world.supervisor = make({ ...opts, ...o });
      svc.launcher = world.supervisor;
      await world.supervisor.start();
      return world.supervisor;
    },
    dispose: async () => {
      await world.supervisor.close();
      await killTmuxServer(home);
      svc.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
  svc.launcher = world.supervisor;
  await world.supervisor.start();
  return world;
}

/** The HTTP server (REST, /ws, terminal routes) over a pty world's service and supervisor. */
export function serveWorld(world: PtyWorld): Promise<RunningServer> {
  return startServer({ svc: world.svc, port: 0, logger: silentLogger(), extensions: [ptyHttpExtension(world.supervisor)] });
}

export async function killTmuxServer(home: string): Promise<void> {
  await new Tmux(join(home, 'tmux.sock'), join(home, 'tmux.conf')).killServer();
}

/** Stops a server that ran agents (they stay in tmux: the tmux server goes too) and deletes its home. */
export async function closeAgentServer(server: { close(): Promise<void>; home: string }): Promise<void> {
  await server.close();
  await killTmuxServer(server.home);
  rmSync(server.home, { recursive: true, force: true });
}

/** The suite's polling helper, under the name these tests read best with. */
export { waitFor as until } from './helpers.js';
