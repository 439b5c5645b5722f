import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { MaestroError } from '../core/errors.js';
import { isPlainObject, sameEntry, type McpEntry } from './mcp-entry.js';
import type { InstallOutcome } from './mcp-install.js';

/*
 * Claude Code's user and local scopes live in its own config (~/.claude.json), whose place and shape
 * are Claude Code's business: the entry is written through its CLI (`claude mcp add-json`), never by
 * editing that file. `claude mcp get` is not used to compare: it prints no command line, and it
 * health-checks the server, which would launch `maestro mcp` (and so start a Maestro server) as a side
 * effect of installing. Reading the stored entry (read-only) to tell "already installed" from "outdated"
 * is a best effort: when it cannot be found, the entry is simply removed and added again.
 */

export type ClaudeScope = 'user' | 'local';

const CLAUDE_TIMEOUT_MS = 60_000;

export async function installWithClaude(scope: ClaudeScope, dir: string, entry: McpEntry, env: NodeJS.ProcessEnv = process.env): Promise<InstallOutcome> {
  const claude = onPath('claude', env);
  if (!claude)
    throw new MaestroError(
      'not_found',
      `Claude Code's \`claude\` command is not on PATH, and --scope ${scope} goes through it: install Claude Code, or leave out --scope to write the project's .mcp.json (scope project)`,
    );
  const run = (args: string[]) => runClaude(claude, ['mcp', ...args], dir, env);
  const add = () => run(['add-json', '--scope', scope, 'maestro', JSON.stringify(entry)]);

  let added = await add();
  if (added.code === 0) return { changed: true, replaced: false };
  if (!/already exists/i.test(added.output)) throw claudeFailed('add-json', added);
  const stored = storedEntry(scope, dir, env);
  if (stored !== undefined && sameEntry(stored, entry)) return { changed: false, replaced: false };
  const removed = await run(['remove', '--scope', scope, 'maestro']);
  if (removed.code !== 0) throw claudeFailed('remove', removed);
  added = await add();
  if (added.code !== 0) throw claudeFailed('add-json', added);
  return stored === undefined ? { changed: true, replaced: true } : { changed: true, replaced: true, previous: stored };
}

interface ClaudeRun {
  code: number | null;
  output: string;
}

function runClaude(bin: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<ClaudeRun> {
  return new Promise((resolve, reject) => {
    // No shell: the entry's JSON is one argument, whatever quotes or spaces its paths hold.
    const child = spawn(bin, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), CLAUDE_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new MaestroError('internal', `cannot run ${bin}: ${err.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function claudeFailed(what: string, run: ClaudeRun): MaestroError {
  const said = run.output.trim().split('\n').filter(Boolean).slice(-3).join(' / ');
  const how = run.code === null ? 'was stopped (no answer in time)' : `failed (exit ${run.code})`;
  return new MaestroError('internal', `\`claude mcp ${what}\` ${how}${said ? `: ${said}` : ''}`);
}

/** The executable `name` the way a shell finds it through PATH, or null. */
function onPath(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      if (statSync(path).isFile()) return path;
    } catch {
      /* not here */
    }
  }
  return null;
}

/**
 * The `maestro` entry Claude Code stored in this scope, read from its config file: the top-level
 * `mcpServers` for user scope, the project's (keyed by its git root, else its directory) for local.
 * Undefined when it cannot be told.
 */
function storedEntry(scope: ClaudeScope, dir: string, env: NodeJS.ProcessEnv): unknown {
  try {
    const file = join(env.CLAUDE_CONFIG_DIR?.trim() || env.HOME?.trim() || homedir(), '.claude.json');
    const config: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!isPlainObject(config)) return undefined;
    let holder: unknown = config;
    if (scope === 'local') {
      const projects = config.projects;
      holder = isPlainObject(projects) ? projects[projectKey(dir)] : undefined;
    }
    const servers = isPlainObject(holder) ? holder.mcpServers : undefined;
    return isPlainObject(servers) ? servers.maestro : undefined;
  } catch {
    return undefined;
  }
}

function projectKey(dir: string): string {
  const real = realpathSync(dir);
  for (let at = real; ; at = dirname(at)) {
    if (existsSync(join(at, '.git'))) return at;
    if (dirname(at) === at) return real;
  }
}
