import { MaestroService } from './core/service.js';
import { maestroHome } from './core/paths.js';
import { startServer, type HttpExtension, type RunningServer } from './http/server.js';
import { createLogger, type Logger } from './log/logger.js';
import { mcpHttpExtension } from './mcp/http.js';

export interface MaestroOptions {
  home?: string;
  host?: string;
  port?: number;
  logger?: Logger;
  /** Start agents for spawned sessions (tmux + node-pty). Tests of the API alone can turn it off. */
  supervisor?: boolean;
}

export interface RunningMaestro {
  svc: MaestroService;
  server: RunningServer;
  url: string;
  home: string;
  close(): Promise<void>;
}

/** The composition root: core service + HTTP/WS + MCP endpoint + PTY supervisor, wired together. */
export async function startMaestro(opts: MaestroOptions = {}): Promise<RunningMaestro> {
  const home = opts.home ?? maestroHome();
  const logger = opts.logger ?? createLogger('maestro');
  const svc = MaestroService.open({ home, apiUrl: `http://${opts.host ?? '127.0.0.1'}:${opts.port ?? 3000}` });
  const extensions: HttpExtension[] = [mcpHttpExtension];
  let server: RunningServer;
  try {
    server = await startServer({ svc, host: opts.host, port: opts.port, logger, extensions });
  } catch (err) {
    svc.close();
    throw err;
  }
  return {
    svc,
    server,
    url: server.url,
    home,
    close: async () => {
      await server.close();
      svc.close();
    },
  };
}
