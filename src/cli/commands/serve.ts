import { InvalidArgumentError, type Command } from 'commander';
import { isLoopbackHost } from '../../http/request-guard.js';
import { EXIT, fail } from '../run.js';

const port = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65535) throw new InvalidArgumentError('expected a port number (0-65535).');
  return n;
};

/** `serve`: the server itself. Its modules are loaded lazily: other commands stay light. (`mcp` is in mcp.ts.) */
export function registerServerCommands(program: Command): void {
  program
    .command('serve')
    .description('run the Maestro server: REST API, WebSocket events, MCP over HTTP (/mcp) and the dashboard')
    .option('--port <port>', 'port to listen on (default: $MAESTRO_PORT or 3000)', port)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--allow-remote', 'allow --host to be an address other machines can reach (credentials are still required)')
    .addHelpText(
      'after',
      '\nState lives in $MAESTRO_HOME (default ~/.maestro); one server per home. Stop with Ctrl-C (SIGINT), SIGTERM or SIGHUP.\n' +
        'On a terminal it prints a dashboard login link; `maestro open` opens (or --print prints) it any time.',
    )
    .action(async (opts: { port?: number; host: string; allowRemote?: boolean }) => {
      const envPort = process.env.MAESTRO_PORT?.trim();
      let listenPort: number;
      try {
        listenPort = opts.port ?? (envPort ? port(envPort) : 3000);
      } catch {
        process.stderr.write(`error: MAESTRO_PORT must be a port number (0-65535), got '${envPort}'\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      if (!isLoopbackHost(opts.host) && !opts.allowRemote) {
        process.stderr.write(
          `error: --host ${opts.host} would let other machines reach Maestro, which runs commands as you; add --allow-remote if you mean it\n`,
        );
        process.exitCode = EXIT.usage;
        return;
      }
      await serve(opts.host, listenPort);
    });
}

async function serve(host: string, port: number): Promise<void> {
  const [{ startMaestro }, { createLogger }, { loginLink }] = await Promise.all([
    import('../../app.js'),
    import('../../log/logger.js'),
    import('./auth.js'),
  ]);
  if (!isLoopbackHost(host))
    process.stderr.write(
      `warning: listening on ${host}: anyone who can reach this address can try to connect. Every request still needs the owner secret or a session token, but traffic is plain HTTP: use it only on a network you trust, or behind TLS.\n`,
    );
  const logger = createLogger('maestro');
  let running: Awaited<ReturnType<typeof startMaestro>>;
  try {
    running = await startMaestro({ supervisor: true, host, port, logger });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'EADDRINUSE') {
      process.stderr.write(`error: ${host}:${port} is already in use (is Maestro already running?); choose another with --port\n`);
      process.exitCode = EXIT.failed;
      return;
    }
    if (code === 'conflict') {
      // Another server holds this home's lock; its pid and URL are in the message.
      process.stderr.write(`error: ${(err as Error).message}\n`);
      process.exitCode = EXIT.failed;
      return;
    }
    fail(err);
    return;
  }
  process.stderr.write(
    `Maestro is running at ${running.url}  (MCP ${running.url}/mcp, data ${running.home})\n` +
      // The link carries the secret: printed on a terminal only, never into a log file or a journal.
      (process.stderr.isTTY
        ? `Dashboard login link (keep it private; \`maestro open\` shows it again): ${loginLink(running.url, running.home)}\n`
        : `Dashboard: run \`maestro open\` for its login link.\n`) +
      `Press Ctrl-C to stop.\n`,
  );

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`${signal} again: exiting now\n`);
        process.exit(EXIT.failed);
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      running
        .close()
        .catch((err: unknown) => logger.error({ err }, 'error during shutdown'))
        .finally(() => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          process.off('SIGHUP', stop);
          resolve();
        });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    // The terminal it runs in closed: stop as cleanly as on Ctrl-C (agents detached, lock released).
    process.on('SIGHUP', stop);
  });
  process.stderr.write('Maestro stopped.\n');
  // Whatever a subsystem may still hold open (timers, agent pipes), the server is closed: leave.
  process.exit(process.exitCode ?? EXIT.ok);
}
