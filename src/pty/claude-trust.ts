import { randomBytes } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { lstat, mkdir, open, readFile, realpath, rename, rm, rmdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';

/*
 * Claude Code asks "Quick safety check: Is this a project you created or one you trust?" in a directory
 * it has no trust record for, and a session's git worktree is a brand-new directory each time. Its record
 * is `projects[<dir>].hasTrustDialogAccepted === true` in ~/.claude.json; with hooks and an MCP server
 * configured (Maestro always gives both) older versions want it for the exact directory, and 2.1.3xx,
 * though it takes the trust of a worktree's main checkout by itself, not that of a project that is a
 * subdirectory of its repository. So when Claude is launched in a worktree of a project the person
 * already trusted (its directory, or its git root), the worktree gets a record of its own, copied from
 * the project's: the trust fields only (`hasTrustDialogAccepted`, and `allowedTools` when the project
 * has them), marked `maestroWorktreeOf: <project dir>`. Trust is only ever extended, never invented: an
 * untrusted project changes nothing (the dialog asks, and Maestro shows it as `trust_prompt`).
 *
 * The config is Claude's: it is never created, and one that does not parse is left alone. It is
 * changed under Claude's own lock (the `<config>.lock` directory its proper-lockfile takes), re-read
 * right before writing, written to a temporary file beside it with its mode and renamed over it, so a
 * reader sees the old or the new file and no other key is lost. Nothing here throws: a launch never
 * fails for it.
 */

/** How long a launch waits for Claude's config lock before going on without the record. */
const LOCK_WAIT_MS = 5000;
/** A lock older than this was left by a process that died (proper-lockfile refreshes a held one far more often). */
const LOCK_STALE_MS = 30_000;
/** Reads that found the file changed under us before the rename, at most. */
const ATTEMPTS = 5;

export interface TrustLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export type ClaudeTrustOutcome =
  /** The worktree's entry was written. */
  | 'extended'
  /** The worktree was trusted already: nothing written. */
  | 'already'
  /** The project is not trusted (or has no entry): nothing written, the dialog will ask. */
  | 'untrusted'
  /** No Claude config file: nothing created. */
  | 'no_config'
  /** The config is not a JSON object: left alone. */
  | 'unreadable'
  /** Reading, locking or writing failed: nothing changed. */
  | 'failed';

export interface ClaudeTrustResult {
  outcome: ClaudeTrustOutcome;
  configPath: string;
  /** The project entry whose trust was (or would be) copied. */
  from?: string;
  /** The worktree keys written. */
  keys?: string[];
}

/** Claude Code's global config file: `$CLAUDE_CONFIG_DIR/.claude.json`, else `$HOME/.claude.json`. */
export function claudeConfigPath(env: Record<string, string | undefined> = process.env): string {
  return join(env.CLAUDE_CONFIG_DIR?.trim() || env.HOME?.trim() || homedir(), '.claude.json');
}

/**
 * Gives `worktreePath` the trust Claude Code recorded for `projectDir` (or for its git root), in the
 * config Claude reads with `env` (the agent's environment: HOME, CLAUDE_CONFIG_DIR). Never throws.
 */
export async function extendClaudeTrust(opts: {
  projectDir: string;
  worktreePath: string;
  env?: Record<string, string | undefined>;
  log?: TrustLog;
}): Promise<ClaudeTrustResult> {
  const configPath = claudeConfigPath(opts.env ?? process.env);
  const facts = { configPath, projectDir: opts.projectDir, worktreePath: opts.worktreePath };
  try {
    const result = await extend(configPath, opts.projectDir, opts.worktreePath);
    if (result.outcome === 'extended') opts.log?.info({ ...facts, from: result.from, keys: result.keys }, "extended the project's Claude trust to its worktree");
    else if (result.outcome === 'untrusted') opts.log?.info(facts, 'the project is not trusted in Claude Code: its trust dialog will ask in the worktree');
    else if (result.outcome === 'unreadable') opts.log?.warn(facts, "Claude Code's config is not a JSON object: left alone; its trust dialog may ask in the worktree");
    return result;
  } catch (err) {
    opts.log?.warn({ ...facts, err }, "could not extend the project's Claude trust to its worktree; its trust dialog may ask");
    return { outcome: 'failed', configPath };
  }
}

type Json = Record<string, unknown>;
type Plan = { outcome: Exclude<ClaudeTrustOutcome, 'extended' | 'failed' | 'no_config'>; from?: string } | { outcome: 'write'; from: string; next: Json; keys: string[] };

async function extend(configPath: string, projectDir: string, worktreePath: string): Promise<ClaudeTrustResult> {
  const done = await rewrite<Plan>(configPath, (text) => {
    const todo = plan(text, projectDir, worktreePath);
    return todo.outcome === 'write' ? { write: todo.next, value: todo } : { value: todo };
  });
  if (done === null) return { outcome: 'no_config', configPath };
  const todo = done.value;
  return todo.outcome === 'write'
    ? { outcome: 'extended', configPath, from: todo.from, keys: todo.keys }
    : { outcome: todo.outcome, configPath, from: todo.from };
}

/** What a change makes of the config's text: a new config to write (and what to tell), or only what to tell. */
type Change<T> = (text: string) => { write: Json; value: T } | { value: T };

/**
 * Applies `change` to Claude's config under Claude's own lock, re-reading and retrying when someone not
 * taking the lock wrote meanwhile. Null when there is no config (never created).
 */
async function rewrite<T>(configPath: string, change: Change<T>): Promise<{ value: T } | null> {
  // A look without the lock first: most calls (untrusted, already trusted, nothing to prune) write nothing.
  const first = await readConfig(configPath);
  if (first === null) return null;
  const looked = change(first.text);
  if (!('write' in looked)) return looked;

  const release = await lock(configPath);
  try {
    for (let attempt = 1; ; attempt++) {
      const current = await readConfig(configPath);
      if (current === null) return null;
      const todo = change(current.text);
      if (!('write' in todo)) return todo;
      if (await replaceIfUnchanged(current, serialize(todo.write, current.text))) return todo;
      if (attempt >= ATTEMPTS) throw new Error(`${configPath} kept changing while it was being written`);
    }
  } finally {
    await release();
  }
}

/** What to do with the config text: the new config, or why nothing is written. */
function plan(text: string, projectDir: string, worktreePath: string): Plan {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    return { outcome: 'unreadable' };
  }
  if (!isObject(config) || (config.projects !== undefined && !isObject(config.projects))) return { outcome: 'unreadable' };
  const projects = (config.projects ?? {}) as Json;
  const from = projectKeys(projectDir).find((key) => isObject(projects[key]) && projects[key].hasTrustDialogAccepted === true);
  if (from === undefined) return { outcome: 'untrusted' };
  const source = projects[from] as Json;
  const keys = pathForms(worktreePath).filter((key) => !(isObject(projects[key]) && projects[key].hasTrustDialogAccepted === true));
  if (keys.length === 0) return { outcome: 'already', from };
  // The trust fields only: no history, no MCP servers, nothing else of the project's.
  const trust: Json = { hasTrustDialogAccepted: true };
  if (source.allowedTools !== undefined) trust.allowedTools = structuredClone(source.allowedTools);
  trust.maestroWorktreeOf = projectDir;
  const added = Object.fromEntries(keys.map((key) => [key, { ...(isObject(projects[key]) ? projects[key] : {}), ...trust }]));
  return { outcome: 'write', from, keys, next: { ...config, projects: { ...projects, ...added } } };
}

/** Where Claude may have recorded the project's trust: its directory, then its git root (each as given and resolved). */
function projectKeys(projectDir: string): string[] {
  const keys = pathForms(projectDir);
  const root = gitRoot(projectDir);
  if (root !== null) keys.push(...pathForms(root));
  return [...new Set(keys)];
}

/** A path as given and resolved (Claude keys by the real path of its cwd), each in NFC too. */
function pathForms(path: string): string[] {
  const forms = [path];
  try {
    forms.push(realpathSync(path));
  } catch {
    /* not there (yet): as given */
  }
  return [...new Set(forms.flatMap((p) => [p, p.normalize('NFC')]))];
}

/** The nearest directory at or above `dir` with a `.git` (a directory, or a linked worktree's file); null when none. */
function gitRoot(dir: string): string | null {
  let at: string;
  try {
    at = realpathSync(dir);
  } catch {
    return null;
  }
  for (;;) {
    if (existsSync(join(at, '.git'))) return at;
    const up = dirname(at);
    if (up === at) return null;
    at = up;
  }
}

interface ConfigFile {
  /** The file written: the config, or what its symlink points at (the link is kept). */
  target: string;
  text: string;
  mode: number;
}

async function readConfig(configPath: string): Promise<ConfigFile | null> {
  try {
    await lstat(configPath);
  } catch (err) {
    if (isCode(err, 'ENOENT')) return null;
    throw err;
  }
  const target = await realpath(configPath);
  const [text, info] = await Promise.all([readFile(target, 'utf8'), stat(target)]);
  return { target, text, mode: info.mode & 0o7777 };
}

/**
 * Writes `content` beside the config with its mode and renames it over the config, unless the config no
 * longer holds what was read (someone not taking the lock wrote meanwhile): then false, nothing changed.
 */
async function replaceIfUnchanged(read: ConfigFile, content: string): Promise<boolean> {
  const tmp = join(dirname(read.target), `.${basename(read.target)}.maestro-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const file = await open(tmp, 'wx', read.mode);
  try {
    try {
      await file.writeFile(content, 'utf8');
      await file.chmod(read.mode); // the umask may have narrowed it
      await file.sync();
    } finally {
      await file.close();
    }
    if ((await readFile(read.target, 'utf8')) !== read.text) {
      await rm(tmp, { force: true });
      return false;
    }
    await rename(tmp, read.target);
    return true;
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
}

/** The config as Claude writes it (two-space JSON), ending in a newline only if the file did. */
function serialize(config: Json, before: string): string {
  const text = JSON.stringify(config, null, 2);
  return before.endsWith('\n') ? `${text}\n` : text;
}

/**
 * Claude Code's own lock on its config: the directory `<config>.lock` (proper-lockfile). Waits up to
 * LOCK_WAIT_MS for it, takes over one left stale by a dead process; returns its release.
 */
async function lock(configPath: string): Promise<() => Promise<void>> {
  const dir = `${configPath}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
    try {
      await mkdir(dir);
      return () => rmdir(dir).catch(() => {});
    } catch (err) {
      if (!isCode(err, 'EEXIST')) throw err;
    }
    const held = await stat(dir).catch(() => null);
    if (held && Date.now() - held.mtimeMs > LOCK_STALE_MS) {
      await rmdir(dir).catch(() => {});
      continue;
    }
    if (Date.now() >= deadline) throw new Error(`${dir} is held by another process (Claude Code writing its config)`);
    await new Promise((resolve) => setTimeout(resolve, wait + Math.floor(Math.random() * wait)));
  }
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const isCode = (err: unknown, code: string) => (err as NodeJS.ErrnoException | null)?.code === code;

/**
 * After a worktree is removed: the entries Maestro added (marked `maestroWorktreeOf`) whose directory no
 * longer exists go from Claude's config, this worktree's under any of its path forms and any left over
 * from earlier. Entries Claude or the person made are never touched. Never throws.
 */
export async function pruneClaudeTrust(opts: { env?: Record<string, string | undefined>; log?: TrustLog }): Promise<string[]> {
  const configPath = claudeConfigPath(opts.env ?? process.env);
  try {
    const done = await rewrite(configPath, (text) => {
      const gone = goneEntries(text);
      if (gone.length === 0) return { value: gone };
      const config = JSON.parse(text) as Json;
      const projects = { ...(config.projects as Json) };
      for (const key of gone) delete projects[key];
      return { write: { ...config, projects }, value: gone };
    });
    const removed = done?.value ?? [];
    if (removed.length > 0) opts.log?.info({ configPath, removed }, 'removed the Claude trust of worktrees that are gone');
    return removed;
  } catch (err) {
    opts.log?.warn({ configPath, err }, "could not remove the Claude trust of removed worktrees");
    return [];
  }
}

/** The keys of Maestro-made entries whose directory is gone. */
function goneEntries(text: string): string[] {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    return [];
  }
  if (!isObject(config) || !isObject(config.projects)) return [];
  const projects = config.projects;
  return Object.keys(projects).filter((key) => isObject(projects[key]) && typeof projects[key].maestroWorktreeOf === 'string' && !existsSync(key));
}
