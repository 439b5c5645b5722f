import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { join } from 'node:path';
import { maestroHome } from '../../core/paths.js';
import { MaestroError } from '../../core/errors.js';
import { clientOptionsFromEnv } from '../../http/client.js';
import { writePrivateFile } from '../../security/permissions.js';
import { readSecret, rotateSecret } from '../../security/secret.js';
import { fail, makeClient, print, printJson } from '../run.js';

/** `http://host:port/#token=…`: the fragment never reaches a server or its logs; the page trades it for a cookie. */
export function loginLink(baseUrl: string, home: string): string {
  const secret = readSecret(home);
  if (!secret) throw new MaestroError('not_found', `no owner secret at ${home}/secret yet: start the server once with \`maestro serve\``);
  return `${baseUrl.replace(/\/+$/, '')}/#token=${secret}`;
}

/** `open` (the dashboard, signed in) and `secret rotate`. */
export function registerAuthCommands(program: Command): void {
  program
    .command('open')
    .description('open the dashboard in your browser, signed in (or print its login link)')
    .option('--print', 'only print the login link')
    .option('--json', 'print {"url": …} as JSON')
    .addHelpText('after', '\nThe link carries the owner secret: whoever has it controls Maestro. Rotate it with `maestro secret rotate`.')
    .action((opts: { print?: boolean; json?: boolean }) => {
      try {
        const home = maestroHome();
        const url = loginLink(clientOptionsFromEnv().baseUrl, home);
        if (opts.json) printJson({ url });
        else if (opts.print || !process.stdout.isTTY || !openInBrowser(url, home)) print(url);
        else print('opened the dashboard in your browser (`maestro open --print` shows the link)');
      } catch (err) {
        fail(err, { json: opts.json });
      }
    });

  const secret = program.command('secret').description('the owner secret ($MAESTRO_HOME/secret)');
  secret
    .command('rotate')
    .description('replace the owner secret: old login links and signed-in dashboards stop working')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) => {
      try {
        const home = maestroHome();
        let server = true;
        try {
          // A running server swaps the secret it checks against and writes the new file itself.
          await makeClient().rotateSecret();
        } catch (err) {
          if (!(err instanceof MaestroError) || err.code !== 'unavailable') throw err;
          server = false;
          rotateSecret(home);
        }
        if (opts.json) printJson({ rotated: true, serverRunning: server });
        else print(`secret rotated${server ? '' : ' (the server is not running; it will use the new one when started)'}; \`maestro open\` gives the new login link`);
      } catch (err) {
        fail(err, { json: opts.json });
      }
    });
}

/**
 * Opens the link without putting it on a command line (`ps` would show the secret to every user): the
 * browser is given a private file that forwards to the link.
 */
function openInBrowser(url: string, home: string): boolean {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? null : 'xdg-open';
  if (!opener) return false;
  const page = join(home, 'open.html');
  writePrivateFile(page, `<!doctype html><meta charset="utf-8"><title>Maestro</title><script>location.replace(${JSON.stringify(url)})</script>\n`);
  try {
    const child = spawn(opener, [page], { detached: true, stdio: 'ignore' });
    child.on('error', () => print(url));
    child.unref();
    return true;
  } catch {
    return false;
  }
}
