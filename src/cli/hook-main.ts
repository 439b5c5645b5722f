import { runHook } from './hook.js';

/*
 * Entry of `maestro hook <event>` (bin/maestro.js comes here directly, without the rest of the CLI, because
 * Claude Code runs it on every hook). Always exits 0; prints on stdout only the hook JSON the server asks for: see ./hook.ts.
 */

const args = process.argv.slice(3);
if (args.includes('--help') || args.includes('-h')) {
  await import('./main.js'); // the full CLI prints the command's help
} else {
  const quit = () => process.exit(0);
  process.on('uncaughtException', quit);
  process.on('unhandledRejection', quit);
  setTimeout(quit, 4000).unref(); // runHook is bounded (stdin 1 s + POST 0.8 s); this is the backstop
  await runHook(args.find((a) => !a.startsWith('-')));
  process.exit(0);
}
