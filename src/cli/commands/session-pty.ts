import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { MaestroError } from '../../core/errors.js';
import { homePaths, maestroHome } from '../../core/paths.js';
import type { MessageDelivery, Session } from '../../core/types.js';
import { parseRecording, replayDelays, type Recording } from '../../pty/asciicast.js';
import { Tmux } from '../../pty/tmux.js';
import { EXIT, fail, makeClient, print, printJson, usageError } from '../run.js';

const SENT: Record<MessageDelivery['delivery'], (id: string) => string> = {
  confirmed: (id) => `delivered to ${id}: its hook confirmed the prompt`,
  typed: (id) => `typed into ${id} (this agent has no hooks to confirm it)`,
  queued: (id) => `queued for ${id}: it is mid-turn; the message goes in when the turn ends`,
  unconfirmed: (id) => `typed into ${id}, but its hook did not confirm it in time`,
};

const seconds = (value: string): number => {
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || Number(value) > 120) throw new InvalidArgumentError('expected seconds (0-120).');
  return Number(value);
};

/** Adds `session attach|replay|send|stop` (the terminal side of sessions) to the `session` command. */
export function registerPtyCommands(session: Command): void {
  session
    .command('attach <id>')
    .description("hand this terminal to the agent's tmux session (detach with Ctrl-b d; the agent keeps running)")
    .action((id: string) => {
      try {
        process.exitCode = attach(id);
      } catch (err) {
        fail(err);
      }
    });

  const replay = session
    .command('replay <id>')
    .description("replay a session's terminal recording, at real or faster speed")
    .option('--speed <n>', 'playback speed factor, e.g. 2 for twice as fast (default 1)', positiveNumber('--speed'))
    .option('--max-idle <seconds>', 'shorten every pause to at most this many seconds', positiveNumber('--max-idle'))
    .option('--file <path>', 'replay this .cast file instead of the session recording')
    .action(async (id: string) => {
      const opts = replay.opts<{ speed?: number; maxIdle?: number; file?: string }>();
      try {
        const recording = await loadRecording(id, opts.file);
        await play(recording, { speed: opts.speed, maxIdle: opts.maxIdle });
      } catch (err) {
        fail(err, { cmd: replay });
      }
    });

  const type = session
    .command('send <id> <text...>')
    .description("send the agent a message as its next prompt (answer a question, steer it) without attaching")
    .option('--wait <seconds>', "how long to wait for the agent's hook to confirm it (default 15)", seconds)
    .option('--no-enter', 'only type the text, raw, without Enter and without waiting for a turn or a confirmation')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nAn agent with hooks (Claude Code) gets the message between its turns, never mid-turn, and its\n' +
        'UserPromptSubmit hook confirms it arrived. Exit 0: confirmed, typed (an agent without hooks), or queued\n' +
        'until its turn ends (it is still delivered then); exit 1: typed but not confirmed in time.',
    )
    .action(async (id: string, words: string[]) => {
      const opts = type.opts<{ enter: boolean; wait?: number; json?: boolean }>();
      try {
        const text = words.join(' ');
        if (!opts.enter) {
          const raw = await makeClient().input(id, text);
          if (opts.json) printJson(raw);
          else print(`typed ${raw.written} characters into ${raw.sessionId}`);
          return;
        }
        const sent: MessageDelivery = await makeClient().call('session.send', {
          sessionId: id,
          text,
          ...(opts.wait !== undefined ? { waitMs: opts.wait * 1000 } : {}),
        });
        if (opts.json) printJson(sent);
        else print(SENT[sent.delivery](sent.sessionId));
        if (sent.delivery === 'unconfirmed') process.exitCode = EXIT.failed;
      } catch (err) {
        fail(err, { json: Boolean(opts.json), cmd: type });
      }
    });

  const stop = session
    .command('stop <id>')
    .description("stop a session: ends its agent (and tmux session) and marks it stopped")
    .option('--json', 'print the result as JSON')
    .action(async (id: string) => {
      const opts = stop.opts<{ json?: boolean }>();
      try {
        const stopped: Session = await makeClient().call('session.stop', { sessionId: id });
        if (opts.json) printJson(stopped);
        else print(`stopped ${stopped.id}  ${stopped.name}  [${stopped.status}]`);
      } catch (err) {
        if (err instanceof MaestroError && err.code === 'unavailable' && (await killLocally(id))) {
          // Without the server the agent can still be ended; the server marks the session stopped when it starts.
          process.stderr.write(`warning: ${err.message}\n`);
          print(`ended the agent of ${id} directly; the session is marked stopped when the server starts again`);
          return;
        }
        fail(err, { json: Boolean(opts.json), cmd: stop });
      }
    });
}

function localTmux(): Tmux {
  const paths = homePaths(maestroHome());
  return new Tmux(paths.tmuxSocket, join(paths.home, 'tmux.conf'));
}

function attach(id: string): number {
  if (!process.stdin.isTTY || !process.stdout.isTTY) throw usageError('attach needs an interactive terminal');
  const tmux = localTmux();
  const found = spawnSync(tmux.bin, [...tmux.baseArgs(), 'has-session', '-t', `=${id}`], { stdio: 'ignore', env: tmux.clientEnv() });
  if (found.error) throw new MaestroError('unavailable', `cannot run tmux (${found.error.message}); install it, e.g. apt-get install -y tmux`);
  if (found.status !== 0)
    throw new MaestroError('not_found', `session ${id} has no running agent terminal (no tmux session '${id}' on ${tmux.socket}; is MAESTRO_HOME right?)`);
  const result = spawnSync(tmux.bin, tmux.attachArgs(id), { stdio: 'inherit', env: tmux.clientEnv() });
  return result.status ?? EXIT.failed;
}

async function killLocally(id: string): Promise<boolean> {
  const tmux = localTmux();
  if (!(await tmux.hasSession(id))) return false;
  await tmux.killSession(id);
  return true;
}

/** The recording from the server (it knows where its home is), else from `$MAESTRO_HOME` on this machine. */
async function loadRecording(id: string, file: string | undefined): Promise<Recording> {
  if (file) {
    if (!existsSync(file)) throw new MaestroError('not_found', `no such file: ${file}`, 'file');
    return parseRecording(readFileSync(file, 'utf8'));
  }
  const client = makeClient();
  try {
    return parseRecording(await client.recording(id));
  } catch (err) {
    if (!(err instanceof MaestroError) || err.code !== 'unavailable') throw err;
  }
  // The server is down: read the file.
  const local = homePaths(maestroHome()).recording(id);
  if (existsSync(local)) return parseRecording(readFileSync(local, 'utf8'));
  throw new MaestroError('unavailable', `the server at ${client.baseUrl} is not reachable and there is no recording at ${local}`);
}

/** Writes the recording's output with its timing; resize events cannot resize this terminal and are skipped. */
async function play(recording: Recording, opts: { speed?: number; maxIdle?: number }): Promise<void> {
  const restore = () => process.stdout.write('\x1b[0m\x1b[?25h\x1b[?1049l\r\n');
  const onInterrupt = () => {
    restore();
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  try {
    const delays = replayDelays(recording.events, opts);
    const start = Date.now();
    let due = 0;
    for (const [i, [, code, data]] of recording.events.entries()) {
      due += delays[i]! * 1000;
      const wait = start + due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (code === 'o') process.stdout.write(data);
    }
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

function positiveNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a positive number.`);
    return n;
  };
}
