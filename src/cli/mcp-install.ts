import { chmodSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MaestroError } from '../core/errors.js';
import { isPlainObject, sameEntry, type McpEntry } from './mcp-entry.js';

/** What an install did: nothing (already there), added the entry, or replaced an outdated one. */
export interface InstallOutcome {
  changed: boolean;
  /** A `maestro` entry was there and differed. */
  replaced: boolean;
  /** That entry, when it could be read. */
  previous?: unknown;
}

/** The project directory `--dir` names, absolute; an invalid one is a usage error. */
export function projectDir(dir: string): string {
  const path = resolve(dir);
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    /* missing: said below */
  }
  if (!isDir) throw new MaestroError('invalid_input', `--dir ${dir}: no such directory`, 'dir');
  return path;
}

/**
 * Adds (or updates) the `maestro` server in `<dir>/.mcp.json`, Claude Code's project-scope file. Every
 * other server and top-level key is kept as it was. A file that is not a JSON object is refused, never
 * rewritten: it may be a hand-edited file with a typo, and overwriting it would lose the user's servers.
 */
export function installInProjectFile(file: string, entry: McpEntry): InstallOutcome {
  let text: string | null;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    text = null;
  }
  const config = text === null ? {} : parseConfig(file, text);
  const servers = config.mcpServers ?? {};
  if (!isPlainObject(servers)) throw malformed(file, 'has an "mcpServers" that is not an object');
  const previous = servers.maestro;
  if (sameEntry(previous, entry)) return { changed: false, replaced: false };
  // Spreads keep every key where it was; a replaced `maestro` keeps its place among the servers.
  const updated = { ...config, mcpServers: { ...servers, maestro: entry } };
  writeAtomically(file, `${JSON.stringify(updated, null, 2)}\n`);
  return previous === undefined ? { changed: true, replaced: false } : { changed: true, replaced: true, previous };
}

function parseConfig(file: string, text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // One line: the parser's message may quote the file's text, newlines included.
    throw malformed(file, `is not valid JSON (${(err as Error).message.replace(/\s+/g, ' ')})`);
  }
  if (!isPlainObject(parsed)) throw malformed(file, 'is not a JSON object');
  return parsed;
}

const malformed = (file: string, why: string) =>
  new MaestroError('conflict', `${file} ${why}; it was left untouched: fix it (or move it away) and run this again`);

/**
 * A reader (Claude Code starting up) sees the old file or the new one, never half of it. Through a
 * symlink the target is replaced, not the link, and the file keeps its permissions.
 */
function writeAtomically(file: string, content: string): void {
  let target = file;
  let mode: number | null = null;
  try {
    target = realpathSync(file);
    mode = statSync(target).mode & 0o777;
  } catch {
    /* a new file: the usual permissions (umask) */
  }
  const tmp = join(dirname(target), `.mcp.json.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, content);
    if (mode !== null) chmodSync(tmp, mode);
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
